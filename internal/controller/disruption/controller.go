package disruption

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersappsv1 "k8s.io/client-go/listers/apps/v1"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	listerspolicyv1 "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Options configures the controller.
type Options struct {
	// Clock times disruptedPods expiry; nil means the real clock.
	Clock clock.Clock
}

// Controller is the disruption controller.
type Controller struct {
	client       kubernetes.Interface
	recorder     record.EventRecorder
	clock        clock.Clock
	budgets      listerspolicyv1.PodDisruptionBudgetLister
	pods         listerscorev1.PodLister
	rcs          listerscorev1.ReplicationControllerLister
	replicaSets  listersappsv1.ReplicaSetLister
	deployments  listersappsv1.DeploymentLister
	statefulSets listersappsv1.StatefulSetLister
	synced       []cache.InformerSynced
	queue        workqueue.TypedRateLimitingInterface[string]
	// stale holds pods whose DisruptionTarget condition may need withdrawing.
	stale workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to budget and pod informers and to the
// listers of the controllers whose scale gives expectedPods.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	pdbInf := factory.Policy().V1().PodDisruptionBudgets()
	podInf := factory.Core().V1().Pods()
	rcInf := factory.Core().V1().ReplicationControllers()
	rsInf := factory.Apps().V1().ReplicaSets()
	dInf := factory.Apps().V1().Deployments()
	ssInf := factory.Apps().V1().StatefulSets()
	c := &Controller{
		client: client, recorder: recorder, clock: opts.Clock,
		budgets: pdbInf.Lister(), pods: podInf.Lister(), rcs: rcInf.Lister(),
		replicaSets: rsInf.Lister(), deployments: dInf.Lister(), statefulSets: ssInf.Lister(),
		synced: []cache.InformerSynced{pdbInf.Informer().HasSynced, podInf.Informer().HasSynced, rcInf.Informer().HasSynced,
			rsInf.Informer().HasSynced, dInf.Informer().HasSynced, ssInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "disruption"}),
		stale: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "disruption_recheck"}),
	}
	_, _ = pdbInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, cur any) {
			if old.(*policyv1.PodDisruptionBudget).ResourceVersion != cur.(*policyv1.PodDisruptionBudget).ResourceVersion {
				c.enqueue(cur)
			}
		},
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			c.enqueuePodBudgets(obj)
			c.enqueueStale(obj)
		},
		UpdateFunc: func(old, cur any) {
			o, n := old.(*corev1.Pod), cur.(*corev1.Pod)
			if o.ResourceVersion == n.ResourceVersion {
				return
			}
			if !labels.Equals(o.Labels, n.Labels) {
				c.enqueuePodBudgets(o)
			}
			c.enqueuePodBudgets(n)
			c.enqueueStale(n)
		},
		DeleteFunc: c.enqueuePodBudgets,
	})
	return c
}

func (c *Controller) enqueue(obj any) { reconcile.Enqueue(c.queue, obj) }

func (c *Controller) enqueuePodBudgets(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	pdbs, err := c.budgets.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, pdb := range pdbs {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err == nil && sel.Matches(labels.Set(pod.Labels)) {
			c.queue.Add(pdb.Namespace + "/" + pdb.Name)
		}
	}
}

// Run syncs budgets until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer c.stale.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	reconcile.Workers(ctx, "disruption", c.queue, workers, c.sync)
	reconcile.Workers(ctx, "disruption-stale", c.stale, workers, c.syncStale)
	<-ctx.Done()
}
