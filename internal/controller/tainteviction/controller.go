package tainteviction

import (
	"context"
	"reflect"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options tunes the controller.
type Options struct {
	// Clock reads the time; default the real clock.
	Clock clock.Clock
}

// Controller is the taint eviction controller.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.Clock

	pods    listerscorev1.PodLister
	podsIdx cache.Indexer
	nodes   listerscorev1.NodeLister
	synced  []cache.InformerSynced
	queue   workqueue.TypedRateLimitingInterface[string]

	// waiting holds pods with an eviction scheduled, and since when, so a
	// cancelled one gets its event and taints without timeAdded a start.
	mu      sync.Mutex
	waiting map[string]time.Time
}

const byNode = "tainteviction.nodeName"

// New wires the controller to pod and node informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	pods, nodes := factory.Core().V1().Pods(), factory.Core().V1().Nodes()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock,
		pods: pods.Lister(), podsIdx: pods.Informer().GetIndexer(), nodes: nodes.Lister(),
		synced: []cache.InformerSynced{pods.Informer().HasSynced, nodes.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 10*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "taint-eviction"}),
		waiting: map[string]time.Time{},
	}
	_ = pods.Informer().AddIndexers(cache.Indexers{byNode: func(obj any) ([]string, error) {
		return []string{obj.(*corev1.Pod).Spec.NodeName}, nil
	}})
	_, _ = pods.Informer().AddEventHandler(reconcile.Handler(c.enqueuePod))
	_, _ = nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueNodePods,
		UpdateFunc: func(old, cur any) {
			o, n := old.(*corev1.Node), cur.(*corev1.Node)
			if o.ResourceVersion != n.ResourceVersion && !reflect.DeepEqual(o.Spec.Taints, n.Spec.Taints) {
				c.enqueueNodePods(cur)
			}
		},
		DeleteFunc: c.enqueueNodePods,
	})
	return c
}

func (c *Controller) enqueuePod(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
		if key, err := cache.MetaNamespaceKeyFunc(p); err == nil {
			c.queue.Add(key)
		}
	}
}

// enqueueNodePods maps a node's taint change to every pod bound to it.
func (c *Controller) enqueueNodePods(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	pods, _ := c.podsIdx.ByIndex(byNode, n.Name)
	for _, p := range pods {
		c.enqueuePod(p)
	}
}

// Run evicts pods until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "tainteviction", c.queue, c.synced, workers, c.sync)
}
