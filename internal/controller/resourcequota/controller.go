package resourcequota

import (
	"context"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Options configures the controller.
type Options struct {
	// ResyncPeriod is how often every quota is recomputed even without
	// changes (catching missed events); 0 means Kubernetes' 5 minutes.
	ResyncPeriod time.Duration
	// Clock decides when a deleted pod's grace period has run out; nil
	// means the real clock.
	Clock clock.PassiveClock
}

// Controller is the resource quota controller.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.PassiveClock
	resync   time.Duration
	quotas   listerscorev1.ResourceQuotaLister
	pods     listerscorev1.PodLister
	services listerscorev1.ServiceLister
	pvcs     listerscorev1.PersistentVolumeClaimLister
	counters map[string]counter
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to quota informers and those of every resource it counts.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.ResyncPeriod == 0 {
		opts.ResyncPeriod = 5 * time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	quotaInf := factory.Core().V1().ResourceQuotas()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock, resync: opts.ResyncPeriod,
		quotas:   quotaInf.Lister(),
		pods:     factory.Core().V1().Pods().Lister(),
		services: factory.Core().V1().Services().Lister(),
		pvcs:     factory.Core().V1().PersistentVolumeClaims().Lister(),
		counters: counters(factory),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "resourcequota_primary"}),
	}
	// A quota coming or going changes the "resourcequotas" count of its neighbours.
	_, _ = quotaInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueNamespace,
		DeleteFunc: c.enqueueNamespace,
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.ResourceQuota).ResourceVersion != cur.(*corev1.ResourceQuota).ResourceVersion {
				c.enqueue(cur)
			}
		},
	})
	c.synced = append(c.synced, quotaInf.Informer().HasSynced)
	// Usage changes when counted objects come and go; for these kinds also
	// when they change (a pod finishing, a Service changing type, a claim growing).
	withUpdates := map[cache.SharedIndexInformer]bool{
		factory.Core().V1().Pods().Informer():                   true,
		factory.Core().V1().Services().Informer():               true,
		factory.Core().V1().PersistentVolumeClaims().Informer(): true,
	}
	for _, inf := range informersOf(factory) {
		h := cache.ResourceEventHandlerFuncs{AddFunc: c.enqueueNamespace, DeleteFunc: c.enqueueNamespace}
		if withUpdates[inf] {
			h.UpdateFunc = func(old, cur any) {
				o, _ := meta.Accessor(old)
				n, _ := meta.Accessor(cur)
				if o != nil && n != nil && o.GetResourceVersion() != n.GetResourceVersion() {
					c.enqueueNamespace(cur)
				}
			}
		}
		_, _ = inf.AddEventHandler(h)
		c.synced = append(c.synced, inf.HasSynced)
	}
	return c
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// enqueueNamespace enqueues every quota in the namespace of obj.
func (c *Controller) enqueueNamespace(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	quotas, err := c.quotas.ResourceQuotas(m.GetNamespace()).List(labels.Everything())
	if err != nil {
		return
	}
	for _, q := range quotas {
		c.queue.Add(q.Namespace + "/" + q.Name)
	}
}

func (c *Controller) enqueueAll(context.Context) {
	quotas, err := c.quotas.List(labels.Everything())
	if err != nil {
		return
	}
	for _, q := range quotas {
		c.queue.Add(q.Namespace + "/" + q.Name)
	}
}

// Run syncs quotas until ctx ends, recomputing all of them every resync period.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	go wait.UntilWithContext(ctx, c.enqueueAll, c.resync)
	<-ctx.Done()
}

func (c *Controller) worker(ctx context.Context) {
	for c.next(ctx) {
	}
}

func (c *Controller) next(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		slog.Info("Syncing resource quota failed, retrying", "resourcequota", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}
