package job

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersbatchv1 "k8s.io/client-go/listers/batch/v1"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/expectations"
	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options tunes the controller; the zero value is Kubernetes' behaviour.
type Options struct {
	// Clock defaults to the real clock.
	Clock clock.Clock
	// BackoffBase is the delay before replacing a pod after its first
	// failure (default 10 s); it doubles per failure up to BackoffMax
	// (default 6 min).
	BackoffBase, BackoffMax time.Duration
}

// Controller is the job controller ("job-controller").
type Controller struct {
	client      kubernetes.Interface
	recorder    record.EventRecorder
	clock       clock.Clock
	backoffBase time.Duration
	backoffMax  time.Duration
	jobs        listersbatchv1.JobLister
	pods        listerscorev1.PodLister
	synced      []cache.InformerSynced
	queue       workqueue.TypedRateLimitingInterface[string]
	expect      *expectations.Expectations
}

// New wires the controller to job and pod informers from factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = DefaultBackoffBase
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	jobs, pods := factory.Batch().V1().Jobs(), factory.Core().V1().Pods()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock,
		backoffBase: opts.BackoffBase, backoffMax: opts.BackoffMax,
		jobs: jobs.Lister(), pods: pods.Lister(),
		synced: []cache.InformerSynced{jobs.Informer().HasSynced, pods.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "job"}),
		expect: expectations.New(),
	}
	_, _ = jobs.Informer().AddEventHandler(reconcile.Handler(c.enqueueJob))
	_, _ = pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { c.podChanged(obj, 1, 0) },
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Pod).ResourceVersion != cur.(*corev1.Pod).ResourceVersion {
				c.podChanged(cur, 0, 0)
			}
		},
		DeleteFunc: func(obj any) { c.podChanged(obj, 0, 1) },
	})
	return c
}

func (c *Controller) enqueueJob(obj any) { reconcile.Enqueue(c.queue, obj) }

// podChanged maps a pod to its owning job and records what the informer saw.
func (c *Controller) podChanged(obj any, adds, dels int) {
	key, ok := reconcile.OwnerKey(obj, batchv1.SchemeGroupVersion.WithKind("Job"))
	if !ok {
		return
	}
	c.expect.Observe(key, adds, dels)
	c.queue.Add(key)
}

// Run syncs jobs with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "job", c.queue, c.synced, workers, c.sync)
}
