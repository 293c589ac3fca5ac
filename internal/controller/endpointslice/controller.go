package endpointslice

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	listersdiscoveryv1 "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/endpoints"
	workloop "github.com/bosun-dev/bosun/internal/controller/reconcile"
)

// Controller is the EndpointSlice controller.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	services listerscorev1.ServiceLister
	pods     listerscorev1.PodLister
	nodes    listerscorev1.NodeLister
	slices   listersdiscoveryv1.EndpointSliceLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to Service, Pod, Node and EndpointSlice informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder) *Controller {
	svcInf := factory.Core().V1().Services()
	podInf := factory.Core().V1().Pods()
	nodeInf := factory.Core().V1().Nodes()
	sliceInf := factory.Discovery().V1().EndpointSlices()
	c := &Controller{
		client: client, recorder: recorder,
		services: svcInf.Lister(), pods: podInf.Lister(), nodes: nodeInf.Lister(), slices: sliceInf.Lister(),
		synced: []cache.InformerSynced{svcInf.Informer().HasSynced, podInf.Informer().HasSynced,
			nodeInf.Informer().HasSynced, sliceInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "endpoint_slice"}),
	}
	_, _ = svcInf.Informer().AddEventHandler(workloop.Handler(c.enqueue))
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueuePodServices,
		UpdateFunc: func(old, cur any) {
			o, n := old.(*corev1.Pod), cur.(*corev1.Pod)
			if o.ResourceVersion == n.ResourceVersion {
				return
			}
			if !labels.Equals(o.Labels, n.Labels) {
				c.enqueuePodServices(o)
			}
			c.enqueuePodServices(n)
		},
		DeleteFunc: c.enqueuePodServices,
	})
	// Slices edited or deleted by someone else are put back.
	_, _ = sliceInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur any) {
			if old.(*discoveryv1.EndpointSlice).ResourceVersion != cur.(*discoveryv1.EndpointSlice).ResourceVersion {
				c.enqueueSliceService(cur)
			}
		},
		DeleteFunc: c.enqueueSliceService,
	})
	// A node's zone lands in every endpoint on it.
	_, _ = nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur any) {
			if zoneOf(old.(*corev1.Node)) != zoneOf(cur.(*corev1.Node)) {
				c.enqueueNodeServices(cur.(*corev1.Node).Name)
			}
		},
	})
	return c
}

func (c *Controller) enqueue(obj any) { workloop.Enqueue(c.queue, obj) }

func (c *Controller) enqueueSliceService(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || s.Labels[discoveryv1.LabelManagedBy] != managedBy || s.Labels[discoveryv1.LabelServiceName] == "" {
		return
	}
	c.queue.Add(s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName])
}

func (c *Controller) enqueuePodServices(obj any) {
	endpoints.EnqueueSelectingServices(c.services, c.queue, obj)
}

func (c *Controller) enqueueNodeServices(node string) {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return
	}
	for _, p := range pods {
		if p.Spec.NodeName == node {
			c.enqueuePodServices(p)
		}
	}
}

// enqueueLeftovers enqueues the Service of every managed slice once at
// start, so slices of Services deleted while no controller ran go away.
func (c *Controller) enqueueLeftovers() {
	slices, err := c.slices.List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelManagedBy: managedBy}))
	if err != nil {
		return
	}
	for _, s := range slices {
		c.enqueueSliceService(s)
	}
}

// Run syncs Services until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	c.enqueueLeftovers()
	workloop.Workers(ctx, "endpointslice", c.queue, workers, c.sync)
	<-ctx.Done()
}
