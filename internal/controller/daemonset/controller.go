package daemonset

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersappsv1 "k8s.io/client-go/listers/apps/v1"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/expectations"
	"github.com/bosun-dev/bosun/internal/controller/history"
	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options tunes the controller.
type Options struct {
	// Clock defaults to the real clock; it times minReadySeconds.
	Clock clock.Clock
}

// Controller is the daemonset controller ("daemonset-controller").
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.Clock
	sets     listersappsv1.DaemonSetLister
	pods     listerscorev1.PodLister
	nodes    listerscorev1.NodeLister
	history  history.Store
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	expect   *expectations.Expectations
	backoff  *failureBackoff
}

// New wires the controller to DaemonSet, pod, node and revision informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	sets, pods := factory.Apps().V1().DaemonSets(), factory.Core().V1().Pods()
	nodes, revs := factory.Core().V1().Nodes(), factory.Apps().V1().ControllerRevisions()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock,
		sets: sets.Lister(), pods: pods.Lister(), nodes: nodes.Lister(),
		history: history.Store{Client: client, Lister: revs.Lister()},
		synced: []cache.InformerSynced{sets.Informer().HasSynced, pods.Informer().HasSynced,
			nodes.Informer().HasSynced, revs.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "daemonset"}),
		expect:  expectations.New(),
		backoff: newFailureBackoff(),
	}
	_, _ = sets.Informer().AddEventHandler(reconcile.Handler(c.enqueue))
	_, _ = pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { c.podChanged(obj, 1, 0) },
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Pod).ResourceVersion != cur.(*corev1.Pod).ResourceVersion {
				c.podChanged(cur, 0, 0)
			}
		},
		DeleteFunc: func(obj any) { c.podChanged(obj, 0, 1) },
	})
	// Any node change may change where daemons belong.
	_, _ = nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueAll,
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Node).ResourceVersion != cur.(*corev1.Node).ResourceVersion && nodeMatters(old.(*corev1.Node), cur.(*corev1.Node)) {
				c.enqueueAll(cur)
			}
		},
		DeleteFunc: c.enqueueAll,
	})
	return c
}

// nodeMatters skips heartbeat-only node updates, which are most of them.
func nodeMatters(old, cur *corev1.Node) bool {
	return !labels.Equals(old.Labels, cur.Labels) || len(old.Spec.Taints) != len(cur.Spec.Taints) ||
		old.Spec.Unschedulable != cur.Spec.Unschedulable || !taintsEqual(old.Spec.Taints, cur.Spec.Taints)
}

func taintsEqual(a, b []corev1.Taint) bool {
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}

func (c *Controller) enqueue(obj any) { reconcile.Enqueue(c.queue, obj) }

func (c *Controller) enqueueAll(any) {
	all, err := c.sets.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range all {
		c.enqueue(ds)
	}
}

func (c *Controller) podChanged(obj any, adds, dels int) {
	key, ok := reconcile.OwnerKey(obj, controllerKind)
	if !ok {
		return
	}
	c.expect.Observe(key, adds, dels)
	c.queue.Add(key)
}

// Run syncs DaemonSets with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "daemonset", c.queue, c.synced, workers, c.sync)
}
