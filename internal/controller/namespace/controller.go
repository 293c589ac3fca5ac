// Package namespace deletes the content of namespaces being deleted, then
// releases the namespace by removing its "kubernetes" finalizer, as the
// Kubernetes namespace controller does.
package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Resources lists the namespaced resources whose content must go before a
// namespace does (served resources change as CRDs come and go).
type Resources func() []schema.GroupVersionResource

// Controller is the namespace deletion controller.
type Controller struct {
	client    kubernetes.Interface
	dynamic   dynamic.Interface
	resources Resources
	lister    listerscorev1.NamespaceLister
	synced    cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to a namespace informer.
func New(client kubernetes.Interface, dyn dynamic.Interface, factory informers.SharedInformerFactory, resources Resources) *Controller {
	inf := factory.Core().V1().Namespaces()
	c := &Controller{
		client: client, dynamic: dyn, resources: resources,
		lister: inf.Lister(), synced: inf.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, 10*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "namespace"}),
	}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Namespace).ResourceVersion != cur.(*corev1.Namespace).ResourceVersion {
				c.enqueue(cur)
			}
		},
	})
	return c
}

func (c *Controller) enqueue(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// Run processes namespaces until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "namespace", c.queue, []cache.InformerSynced{c.synced}, workers, c.sync)
}

// errContentRemaining asks for a retry while objects (held by finalizers
// or grace periods) are still going away.
type errContentRemaining struct{ remaining map[string]int }

func (e errContentRemaining) Error() string { return fmt.Sprintf("content remaining: %v", e.remaining) }

// sync deletes everything in a terminating namespace and, once it is
// empty, removes the kubernetes finalizer so the namespace itself goes.
func (c *Controller) sync(ctx context.Context, name string) error {
	ns, err := c.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp == nil || !hasFinalizer(ns) {
		return nil
	}
	remaining := map[string]int{}
	for _, gvr := range c.resources() {
		ri := c.dynamic.Resource(gvr).Namespace(name)
		err := ri.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
			return fmt.Errorf("delete %s in %s: %w", gvr.Resource, name, err)
		}
		list, err := ri.List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
			return fmt.Errorf("list %s in %s: %w", gvr.Resource, name, err)
		}
		if err == nil && len(list.Items) > 0 {
			remaining[gvr.Resource] = len(list.Items)
		}
	}
	if len(remaining) > 0 {
		return errContentRemaining{remaining}
	}
	ns = ns.DeepCopy()
	var keep []corev1.FinalizerName
	for _, f := range ns.Spec.Finalizers {
		if f != corev1.FinalizerKubernetes {
			keep = append(keep, f)
		}
	}
	ns.Spec.Finalizers = keep
	if _, err := c.client.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("finalize namespace %s: %w", name, err)
	}
	slog.Info("Namespace emptied and finalized", "namespace", name)
	return nil
}

func hasFinalizer(ns *corev1.Namespace) bool {
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return true
		}
	}
	return false
}
