package cronjob

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersbatchv1 "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options tunes the controller.
type Options struct {
	// Clock defaults to the real clock.
	Clock clock.Clock
}

// Controller is the cronjob controller ("cronjob-controller").
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.Clock
	cronJobs listersbatchv1.CronJobLister
	jobs     listersbatchv1.JobLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to CronJob and Job informers from factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	cjs, jobs := factory.Batch().V1().CronJobs(), factory.Batch().V1().Jobs()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock,
		cronJobs: cjs.Lister(), jobs: jobs.Lister(),
		synced: []cache.InformerSynced{cjs.Informer().HasSynced, jobs.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "cronjob"}),
	}
	_, _ = cjs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, cur any) {
			if old.(*batchv1.CronJob).ResourceVersion != cur.(*batchv1.CronJob).ResourceVersion {
				c.enqueue(cur)
			}
		},
	})
	_, _ = jobs.Informer().AddEventHandler(reconcile.Handler(c.jobChanged))
	return c
}

func (c *Controller) enqueue(obj any) { reconcile.Enqueue(c.queue, obj) }

// jobChanged enqueues the CronJob that controls a job.
func (c *Controller) jobChanged(obj any) {
	if key, ok := reconcile.OwnerKey(obj, batchv1.SchemeGroupVersion.WithKind("CronJob")); ok {
		c.queue.Add(key)
	}
}

// Run syncs CronJobs with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "cronjob", c.queue, c.synced, workers, c.syncAndWake)
}

// syncAndWake syncs key and, on success, requeues it for the next schedule
// time sync computed, since no informer event marks that moment.
func (c *Controller) syncAndWake(ctx context.Context, key string) error {
	requeue, err := c.sync(ctx, key)
	if err == nil && requeue > 0 {
		c.queue.AddAfter(key, requeue)
	}
	return err
}
