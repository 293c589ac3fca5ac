package endpoints

//lint:file-ignore SA1019 the Endpoints API is deprecated but still served, and this controller is what keeps it filled.

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Controller is the endpoint controller.
type Controller struct {
	client    kubernetes.Interface
	recorder  record.EventRecorder
	services  listerscorev1.ServiceLister
	pods      listerscorev1.PodLister
	endpoints listerscorev1.EndpointsLister
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to Service, Pod and Endpoints informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder) *Controller {
	svcInf := factory.Core().V1().Services()
	podInf := factory.Core().V1().Pods()
	epInf := factory.Core().V1().Endpoints()
	c := &Controller{
		client: client, recorder: recorder,
		services: svcInf.Lister(), pods: podInf.Lister(), endpoints: epInf.Lister(),
		synced: []cache.InformerSynced{svcInf.Informer().HasSynced, podInf.Informer().HasSynced, epInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "endpoint"}),
	}
	_, _ = svcInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(old, cur any) { c.enqueueChanged(old, cur) },
		DeleteFunc: c.enqueue,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueuePodServices,
		UpdateFunc: func(old, cur any) {
			o, n := old.(*corev1.Pod), cur.(*corev1.Pod)
			if o.ResourceVersion == n.ResourceVersion {
				return
			}
			// Services selecting the old labels must drop the pod.
			if !labels.Equals(o.Labels, n.Labels) {
				c.enqueuePodServices(o)
			}
			c.enqueuePodServices(n)
		},
		DeleteFunc: c.enqueuePodServices,
	})
	// A deleted Endpoints object is written again by the next sync.
	_, _ = epInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: c.enqueue})
	return c
}

func (c *Controller) enqueueChanged(old, cur any) {
	if old.(*corev1.Service).ResourceVersion != cur.(*corev1.Service).ResourceVersion {
		c.enqueue(cur)
	}
}

func (c *Controller) enqueue(obj any) { reconcile.Enqueue(c.queue, obj) }

func (c *Controller) enqueuePodServices(obj any) { EnqueueSelectingServices(c.services, c.queue, obj) }

// EnqueueSelectingServices enqueues the key of every Service in the pod's
// namespace whose selector matches the pod's labels (obj is a pod or its
// deletion tombstone). The EndpointSlice controller reacts to pods the same way.
func EnqueueSelectingServices(services listerscorev1.ServiceLister, queue workqueue.TypedInterface[string], obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	svcs, err := services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, svc := range svcs {
		if svc.Spec.Selector != nil && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			queue.Add(pod.Namespace + "/" + svc.Name)
		}
	}
}

// enqueueLeftovers enqueues every Endpoints object once at start, so
// those whose Service went away while no controller ran are deleted.
func (c *Controller) enqueueLeftovers() {
	eps, err := c.endpoints.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ep := range eps {
		c.queue.Add(ep.Namespace + "/" + ep.Name)
	}
}

// Run syncs Services until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.enqueueLeftovers()
	reconcile.Workers(ctx, "endpoints", c.queue, workers, c.sync)
	<-ctx.Done()
}
