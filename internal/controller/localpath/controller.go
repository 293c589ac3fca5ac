package localpath

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	listersstoragev1 "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options configures the provisioner.
type Options struct {
	// BaseDir is the directory on nodes that holds one directory per
	// volume (default DefaultBaseDir).
	BaseDir string
}

// Controller provisions and binds local-path volumes for claims, keyed by
// claim namespace/name.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	baseDir  string
	claims   listerscorev1.PersistentVolumeClaimLister
	volumes  listerscorev1.PersistentVolumeLister
	pods     listerscorev1.PodLister
	classes  listersstoragev1.StorageClassLister
	synced   []cache.InformerSynced
	queue    reconcile.Queue
}

// New wires the provisioner to claim, volume, pod and StorageClass informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.BaseDir == "" {
		opts.BaseDir = DefaultBaseDir
	}
	pvcInf := factory.Core().V1().PersistentVolumeClaims()
	pvInf := factory.Core().V1().PersistentVolumes()
	podInf := factory.Core().V1().Pods()
	scInf := factory.Storage().V1().StorageClasses()
	c := &Controller{
		client: client, recorder: recorder, baseDir: opts.BaseDir,
		claims: pvcInf.Lister(), volumes: pvInf.Lister(), pods: podInf.Lister(), classes: scInf.Lister(),
		synced: []cache.InformerSynced{pvcInf.Informer().HasSynced, pvInf.Informer().HasSynced,
			podInf.Informer().HasSynced, scInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "local_path_provisioner"}),
	}
	_, _ = pvcInf.Informer().AddEventHandler(reconcile.Handler(func(obj any) { reconcile.Enqueue(c.queue, obj) }))
	_, _ = pvInf.Informer().AddEventHandler(reconcile.Handler(c.enqueueVolumeClaim))
	_, _ = podInf.Informer().AddEventHandler(reconcile.Handler(c.enqueuePodClaims))
	return c
}

// enqueueVolumeClaim wakes the claim of one of our volumes, so a volume
// whose claim is gone gets reclaimed.
func (c *Controller) enqueueVolumeClaim(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pv, ok := obj.(*corev1.PersistentVolume)
	if ok && pv.Annotations[provisionedByAnn] == ProvisionerName && pv.Spec.ClaimRef != nil {
		c.queue.Add(pv.Spec.ClaimRef.Namespace + "/" + pv.Spec.ClaimRef.Name)
	}
}

// enqueuePodClaims wakes the claims of a scheduled pod: scheduling is what
// picks the node of a WaitForFirstConsumer claim.
func (c *Controller) enqueuePodClaims(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			c.queue.Add(pod.Namespace + "/" + v.PersistentVolumeClaim.ClaimName)
		}
	}
}

// Run provisions until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "localpath", c.queue, c.synced, workers, c.sync)
}
