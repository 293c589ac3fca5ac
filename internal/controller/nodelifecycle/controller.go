package nodelifecycle

import (
	"context"
	"log/slog"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscoordinationv1 "k8s.io/client-go/listers/coordination/v1"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options tunes the controller; zero values take the defaults named.
type Options struct {
	// NodeMonitorGracePeriod is how long a node may go without renewing
	// its Lease or posting status before it is marked Unknown. Default 40s.
	NodeMonitorGracePeriod time.Duration
	// NodeMonitorPeriod is how often every node is checked. Default 5s.
	NodeMonitorPeriod time.Duration
	// Clock reads the time; default the real clock.
	Clock clock.Clock
}

// Controller is the node lifecycle controller.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	opts     Options

	nodes    listerscorev1.NodeLister
	leases   listerscoordinationv1.LeaseLister
	pods     cache.Indexer
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	probesMu sync.Mutex
	probes   map[string]*probe
}

const byNode = "nodelifecycle.nodeName"

// New wires the controller to node, Lease and pod informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.NodeMonitorGracePeriod == 0 {
		opts.NodeMonitorGracePeriod = 40 * time.Second
	}
	if opts.NodeMonitorPeriod == 0 {
		opts.NodeMonitorPeriod = 5 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	nodes := factory.Core().V1().Nodes()
	leases := factory.Coordination().V1().Leases()
	pods := factory.Core().V1().Pods()
	c := &Controller{
		client: client, recorder: recorder, opts: opts,
		nodes: nodes.Lister(), leases: leases.Lister(), pods: pods.Informer().GetIndexer(),
		synced: []cache.InformerSynced{nodes.Informer().HasSynced, leases.Informer().HasSynced, pods.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 10*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "node-lifecycle"}),
		probes: map[string]*probe{},
	}
	_ = pods.Informer().AddIndexers(cache.Indexers{byNode: func(obj any) ([]string, error) {
		return []string{obj.(*corev1.Pod).Spec.NodeName}, nil
	}})
	_, _ = nodes.Informer().AddEventHandler(reconcile.Handler(c.enqueueNode))
	_, _ = leases.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueLease,
		UpdateFunc: func(old, cur any) {
			if old.(*coordinationv1.Lease).ResourceVersion != cur.(*coordinationv1.Lease).ResourceVersion {
				c.enqueueLease(cur)
			}
		},
	})
	return c
}

func (c *Controller) enqueueNode(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if n, ok := obj.(*corev1.Node); ok {
		c.queue.Add(n.Name)
	}
}

// enqueueLease maps a node Lease to its node, same name.
func (c *Controller) enqueueLease(obj any) {
	if l, ok := obj.(*coordinationv1.Lease); ok && l.Namespace == corev1.NamespaceNodeLease {
		c.queue.Add(l.Name)
	}
}

// Run checks nodes until ctx ends: on every change, and all of them every
// NodeMonitorPeriod, since silence produces no events.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	slog.Info("Starting node lifecycle controller", "gracePeriod", c.opts.NodeMonitorGracePeriod, "monitorPeriod", c.opts.NodeMonitorPeriod)
	reconcile.Workers(ctx, "nodelifecycle", c.queue, workers, c.sync)
	wait.UntilWithContext(ctx, func(context.Context) {
		nodes, err := c.nodes.List(labels.Everything())
		if err != nil {
			return
		}
		for _, n := range nodes {
			c.queue.Add(n.Name)
		}
	}, c.opts.NodeMonitorPeriod)
}
