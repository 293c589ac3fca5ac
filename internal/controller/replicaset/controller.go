package replicaset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersappsv1 "k8s.io/client-go/listers/apps/v1"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

const (
	// burstReplicas caps the creates or deletes of one sync, so one huge
	// ReplicaSet cannot starve the others of API server capacity.
	burstReplicas = 500
	// inFlight bounds concurrent pod creates or deletes of one sync.
	inFlight = 32
)

var controllerKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

// Controller is the ReplicaSet controller.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.Clock

	rsLister  listersappsv1.ReplicaSetLister
	podLister listerscorev1.PodLister
	podIndex  cache.Indexer
	synced    []cache.InformerSynced

	expectations *expectations
	queue        workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to the factory's ReplicaSet and Pod informers.
// The recorder should be created for the component "replicaset-controller".
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder) *Controller {
	rsInf := factory.Apps().V1().ReplicaSets()
	podInf := factory.Core().V1().Pods()
	c := &Controller{
		client:    client,
		recorder:  recorder,
		clock:     clock.RealClock{},
		rsLister:  rsInf.Lister(),
		podLister: podInf.Lister(),
		podIndex:  podInf.Informer().GetIndexer(),
		synced:    []cache.InformerSynced{rsInf.Informer().HasSynced, podInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "replicaset"}),
	}
	c.expectations = newExpectations(c.clock)
	if err := addControllerIndex(podInf.Informer()); err != nil {
		utilruntime.HandleError(fmt.Errorf("add pod owner index: %w", err))
	}
	_, _ = rsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: c.updateRS,
		DeleteFunc: c.deleteRS,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	})
	return c
}

// Run waits for the caches, then syncs ReplicaSets with the given number of
// workers until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "replicaset", c.queue, c.synced, workers, c.sync)
}

func (c *Controller) enqueue(obj any) { reconcile.Enqueue(c.queue, obj) }

func (c *Controller) updateRS(old, cur any) {
	if old.(*appsv1.ReplicaSet).ResourceVersion == cur.(*appsv1.ReplicaSet).ResourceVersion {
		return
	}
	c.enqueue(cur)
}

func (c *Controller) deleteRS(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.expectations.forget(key)
	c.queue.Add(key)
}

// podKey names a pod in expectations.
func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }
