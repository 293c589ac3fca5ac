package ttlafterfinished

import (
	"context"
	"fmt"
	"log/slog"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// Controller is the ttl-after-finished controller.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.Clock
	jobs     listersbatchv1.JobLister
	synced   cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to a job informer from factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	inf := factory.Batch().V1().Jobs()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock,
		jobs: inf.Lister(), synced: inf.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "ttl_jobs_to_delete"}),
	}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, cur any) {
			if old.(*batchv1.Job).ResourceVersion != cur.(*batchv1.Job).ResourceVersion {
				c.enqueue(cur)
			}
		},
	})
	return c
}

func (c *Controller) enqueue(obj any) {
	job, ok := obj.(*batchv1.Job)
	if !ok || !needsCleanup(job) {
		return
	}
	if key, err := cache.MetaNamespaceKeyFunc(job); err == nil {
		c.queue.Add(key)
	}
}

// Run deletes expired jobs with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "ttlafterfinished", c.queue, []cache.InformerSynced{c.synced}, workers, c.sync)
}

// sync deletes the job if its TTL has run out, or requeues it for when it
// will. The TTL is checked again on a fresh read because a user may have
// raised it after the cache saw the job.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if left, ok := timeLeft(cached, c.clock.Now()); !ok || left > 0 {
		if ok {
			c.queue.AddAfter(key, left)
		}
		return nil
	}
	fresh, err := c.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get job %s: %w", key, err)
	}
	if left, ok := timeLeft(fresh, c.clock.Now()); !ok || left > 0 {
		if ok {
			c.queue.AddAfter(key, left)
		}
		return nil
	}
	// Foreground, as Kubernetes: the Job stays until the garbage collector
	// has removed its pods, so its end is the end of its pods too.
	policy := metav1.DeletePropagationForeground
	err = c.client.BatchV1().Jobs(ns).Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     &metav1.Preconditions{UID: &fresh.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete expired job %s: %w", key, err)
	}
	slog.Info("Deleted finished job past its TTL", "job", key)
	return nil
}
