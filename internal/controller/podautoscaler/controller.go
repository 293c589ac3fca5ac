package podautoscaler

import (
	"context"
	"log/slog"
	"sync"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersautoscalingv2 "k8s.io/client-go/listers/autoscaling/v2"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Options configures the autoscaler. Scales, Mapper and Metrics are
// required (see Clients); the rest default to Kubernetes' values.
type Options struct {
	Scales  scale.ScalesGetter
	Mapper  meta.RESTMapper
	Metrics MetricsSource
	// Clock drives windows and policies; nil means the real clock.
	Clock clock.Clock
	// SyncPeriod is how often each autoscaler is evaluated (default 15 s).
	SyncPeriod time.Duration
	// Tolerance is the usage ratio band around 1.0 that causes no scaling (default 0.1).
	Tolerance float64
	// DownscaleStabilization is the scale-down window of autoscalers whose
	// behavior does not set one (default 5 min).
	DownscaleStabilization time.Duration
	// CPUInitializationPeriod (default 5 min) and InitialReadinessDelay
	// (default 30 s) decide when a starting pod's cpu sample is trusted.
	CPUInitializationPeriod time.Duration
	InitialReadinessDelay   time.Duration
}

// Controller is the horizontal pod autoscaler.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	opts     Options
	calc     calculator
	hpas     listersautoscalingv2.HorizontalPodAutoscalerLister
	pods     listerscorev1.PodLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]

	mu      sync.Mutex
	history map[string]history // by autoscaler key
}

// New wires the autoscaler to HPA and Pod informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.SyncPeriod == 0 {
		opts.SyncPeriod = 15 * time.Second
	}
	if opts.Tolerance == 0 {
		opts.Tolerance = 0.1
	}
	if opts.DownscaleStabilization == 0 {
		opts.DownscaleStabilization = 5 * time.Minute
	}
	if opts.CPUInitializationPeriod == 0 {
		opts.CPUInitializationPeriod = 5 * time.Minute
	}
	if opts.InitialReadinessDelay == 0 {
		opts.InitialReadinessDelay = 30 * time.Second
	}
	hpaInf := factory.Autoscaling().V2().HorizontalPodAutoscalers()
	podInf := factory.Core().V1().Pods()
	c := &Controller{
		client: client, recorder: recorder, opts: opts,
		calc:    calculator{tolerance: opts.Tolerance, cpuInitialization: opts.CPUInitializationPeriod, readinessDelay: opts.InitialReadinessDelay},
		hpas:    hpaInf.Lister(),
		pods:    podInf.Lister(),
		synced:  []cache.InformerSynced{hpaInf.Informer().HasSynced, podInf.Informer().HasSynced},
		history: map[string]history{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "horizontalpodautoscaler"}),
	}
	_, _ = hpaInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, cur any) {
			// Our own status writes would otherwise re-evaluate at once;
			// only spec changes deserve that.
			if old.(*autoscalingv2.HorizontalPodAutoscaler).Generation != cur.(*autoscalingv2.HorizontalPodAutoscaler).Generation {
				c.enqueue(cur)
			}
		},
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				c.mu.Lock()
				delete(c.history, key)
				c.mu.Unlock()
			}
		},
	})
	return c
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// Run evaluates autoscalers every sync period until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
}

func (c *Controller) worker(ctx context.Context) {
	for c.next(ctx) {
	}
}

// next evaluates one autoscaler and schedules its next evaluation a sync
// period later, failed or not: metrics that are missing now will not
// appear sooner by asking faster.
func (c *Controller) next(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	exists, err := c.sync(ctx, key)
	if err != nil {
		slog.Info("Autoscaler not evaluated", "horizontalpodautoscaler", key, "err", err)
	}
	c.queue.Forget(key)
	if exists {
		c.queue.AddAfter(key, c.opts.SyncPeriod)
	}
	return true
}
