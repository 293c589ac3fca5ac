package statefulset

import (
	"context"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersappsv1 "k8s.io/client-go/listers/apps/v1"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/history"
	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options tunes the controller.
type Options struct {
	// Clock defaults to the real clock; it times minReadySeconds.
	Clock clock.Clock
}

// Controller is the statefulset controller ("statefulset-controller").
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.Clock
	sets     listersappsv1.StatefulSetLister
	pods     listerscorev1.PodLister
	claims   listerscorev1.PersistentVolumeClaimLister
	history  history.Store
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to StatefulSet, pod, claim and revision informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	sets, pods := factory.Apps().V1().StatefulSets(), factory.Core().V1().Pods()
	claims, revs := factory.Core().V1().PersistentVolumeClaims(), factory.Apps().V1().ControllerRevisions()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock,
		sets: sets.Lister(), pods: pods.Lister(), claims: claims.Lister(),
		history: history.Store{Client: client, Lister: revs.Lister()},
		synced: []cache.InformerSynced{sets.Informer().HasSynced, pods.Informer().HasSynced,
			claims.Informer().HasSynced, revs.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "statefulset"}),
	}
	_, _ = sets.Informer().AddEventHandler(reconcile.Handler(c.enqueue))
	_, _ = pods.Informer().AddEventHandler(reconcile.Handler(c.podChanged))
	return c
}

func (c *Controller) enqueue(obj any) { reconcile.Enqueue(c.queue, obj) }

func (c *Controller) podChanged(obj any) {
	if key, ok := reconcile.OwnerKey(obj, controllerKind); ok {
		c.queue.Add(key)
	}
}

// Run syncs StatefulSets with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "statefulset", c.queue, c.synced, workers, c.sync)
}
