package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Queue is the rate-limited key queue a controller feeds from its handlers.
type Queue = workqueue.TypedRateLimitingInterface[string]

// Sync reconciles the object named by key; a non-nil error requeues the key
// with backoff.
type Sync func(ctx context.Context, key string) error

// Run waits for the caches, then syncs keys from queue with the given
// number of workers until ctx ends; it shuts the queue down on return.
func Run(ctx context.Context, name string, queue Queue, synced []cache.InformerSynced, workers int, sync Sync) {
	defer utilruntime.HandleCrash()
	defer queue.ShutDown()
	slog.Info("Starting controller", "controller", name)
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return
	}
	Workers(ctx, name, queue, workers, sync)
	<-ctx.Done()
	slog.Info("Stopping controller", "controller", name)
}

// Workers starts n workers on queue and returns at once, for controllers
// whose Run has more to do than wait (seed keys after the caches sync,
// drive a second queue or a periodic scan).
func Workers(ctx context.Context, name string, queue Queue, n int, sync Sync) {
	worker := func(ctx context.Context) {
		for next(ctx, name, queue, sync) {
		}
	}
	for range n {
		go wait.UntilWithContext(ctx, worker, time.Second)
	}
}

func next(ctx context.Context, name string, queue Queue, sync Sync) bool {
	key, quit := queue.Get()
	if quit {
		return false
	}
	defer queue.Done(key)
	err := recovered(ctx, key, sync)
	if err == nil {
		queue.Forget(key)
		return true
	}
	if apierrors.IsConflict(err) {
		// Routine: the cache lagged behind a write; the retry reads it fresh.
		slog.Debug("Requeue after conflict", "controller", name, "key", key, "err", err)
	} else {
		slog.Info("Requeue after error", "controller", name, "key", key, "err", err)
	}
	queue.AddRateLimited(key)
	return true
}

// recovered turns a panic in one sync into an error so that one bad object
// cannot stop the worker or the process.
func recovered(ctx context.Context, key string, sync Sync) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sync %s panicked: %v", key, r)
		}
	}()
	return sync(ctx, key)
}

// Enqueue adds the namespace/name key of obj, which may be a deletion
// tombstone, to queue.
func Enqueue(queue Queue, obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	queue.Add(key)
}

// Handler calls fn on every add and delete, and on updates that changed
// the object: a periodic resync redelivers unchanged objects, which would
// only repeat a sync that already ran.
func Handler(fn func(obj any)) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: fn,
		UpdateFunc: func(old, cur any) {
			if old.(metav1.Object).GetResourceVersion() != cur.(metav1.Object).GetResourceVersion() {
				fn(cur)
			}
		},
		DeleteFunc: fn,
	}
}
