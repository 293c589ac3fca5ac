package garbagecollector

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/lru"
)

// ComponentName is the event source Kubernetes' garbage collector uses.
const ComponentName = "garbage-collector-controller"

// Options tune the collector; zero values take the defaults.
type Options struct {
	// DiscoveryPeriod is how often served resources are re-discovered, so
	// new custom resources get watched (also done when a CRD changes).
	// Default 30 s.
	DiscoveryPeriod time.Duration
	// Ignored resources are never watched. Default: Events (core and
	// events.k8s.io), which are numerous and never owners, as in Kubernetes.
	Ignored []schema.GroupResource
	// AbsentOwnerCacheSize bounds the memory of owners confirmed gone, which
	// spares a live read per dependent when many share one owner.
	// Default 500.
	AbsentOwnerCacheSize int
}

func (o Options) withDefaults() Options {
	if o.DiscoveryPeriod <= 0 {
		o.DiscoveryPeriod = 30 * time.Second
	}
	if o.Ignored == nil {
		o.Ignored = []schema.GroupResource{{Group: "", Resource: "events"}, {Group: "events.k8s.io", Resource: "events"}}
	}
	if o.AbsentOwnerCacheSize <= 0 {
		o.AbsentOwnerCacheSize = 500
	}
	return o
}

// Controller is the garbage collector.
type Controller struct {
	metadata  metadata.Interface
	discovery discovery.DiscoveryInterface
	mapper    *restmapper.DeferredDiscoveryRESTMapper
	recorder  record.EventRecorder
	opts      Options

	mu    sync.Mutex // guards graph
	graph *graph

	// The queues hold UIDs, not namespace/name keys: the graph is keyed by
	// UID and an owner may be cluster-scoped or of any kind.
	deleteQueue workqueue.TypedRateLimitingInterface[types.UID]
	orphanQueue workqueue.TypedRateLimitingInterface[types.UID]
	absent      *lru.Cache

	monitorsMu sync.Mutex // guards monitors
	monitors   map[schema.GroupVersionResource]*monitor
	rediscover chan struct{}
}

// New builds the collector. Nothing runs until Run. client is unused: every
// read and write goes through the metadata client, which serves custom
// resources too; it is taken so all controllers are built alike.
func New(client kubernetes.Interface, md metadata.Interface, dc discovery.DiscoveryInterface, recorder record.EventRecorder, opts Options) *Controller {
	opts = opts.withDefaults()
	limiter := func() workqueue.TypedRateLimiter[types.UID] {
		return workqueue.NewTypedItemExponentialFailureRateLimiter[types.UID](5*time.Millisecond, 30*time.Second)
	}
	return &Controller{
		metadata: md, discovery: dc, recorder: recorder, opts: opts,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
		graph:  newGraph(),
		deleteQueue: workqueue.NewTypedRateLimitingQueueWithConfig(limiter(),
			workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "garbage_collector_attempt_to_delete"}),
		orphanQueue: workqueue.NewTypedRateLimitingQueueWithConfig(limiter(),
			workqueue.TypedRateLimitingQueueConfig[types.UID]{Name: "garbage_collector_attempt_to_orphan"}),
		absent:     lru.New(opts.AbsentOwnerCacheSize),
		monitors:   map[schema.GroupVersionResource]*monitor{},
		rediscover: make(chan struct{}, 1),
	}
}

// Run watches every deletable resource, waits for the first sync, then
// collects garbage with the given number of workers per queue until ctx
// ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.deleteQueue.ShutDown()
	defer c.orphanQueue.ShutDown()
	if err := c.sync(ctx); err != nil {
		slog.Error("Garbage collector discovery failed; retrying", "err", err)
	}
	if !cache.WaitForNamedCacheSync(ComponentName, ctx.Done(), c.synced) {
		return
	}
	slog.Info("Garbage collector synced", "resources", c.monitorCount())
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for c.next(ctx, c.deleteQueue, c.attemptToDelete) {
			}
		}, time.Second)
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for c.next(ctx, c.orphanQueue, c.attemptToOrphan) {
			}
		}, time.Second)
	}
	tick := time.NewTicker(c.opts.DiscoveryPeriod)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-c.rediscover:
		}
		if err := c.sync(ctx); err != nil {
			slog.Error("Garbage collector discovery failed", "err", err)
		}
	}
}

func (c *Controller) next(ctx context.Context, q workqueue.TypedRateLimitingInterface[types.UID], sync func(context.Context, types.UID) error) bool {
	uid, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(uid)
	err := sync(ctx, uid)
	if err == nil {
		q.Forget(uid)
		return true
	}
	slog.Info("Garbage collector will retry", "uid", uid, "err", err.Error())
	q.AddRateLimited(uid)
	return true
}

// observe feeds an informer observation to the graph and queues the work
// it calls for.
func (c *Controller) observe(ch change) {
	c.mu.Lock()
	acts := c.graph.process(ch)
	c.mu.Unlock()
	c.enqueue(acts)
}

func (c *Controller) enqueue(acts []action) {
	for _, a := range acts {
		if a.kind == attemptOrphan {
			c.orphanQueue.Add(a.uid)
		} else {
			c.deleteQueue.Add(a.uid)
		}
	}
}

func (c *Controller) view(uid types.UID) (view, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.graph.view(uid)
}
