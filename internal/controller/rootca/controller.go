package rootca

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

const (
	// ConfigMapName and DataKey are where pods find the CA.
	ConfigMapName = "kube-root-ca.crt"
	DataKey       = "ca.crt"

	descriptionKey = "kubernetes.io/description"
	description    = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Options configures the publisher.
type Options struct {
	// CACert is the cluster CA bundle, PEM encoded.
	CACert []byte
}

// Controller is the root CA certificate publisher.
type Controller struct {
	client     kubernetes.Interface
	recorder   record.EventRecorder
	ca         string
	namespaces listerscorev1.NamespaceLister
	configMaps listerscorev1.ConfigMapLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
}

// New wires the publisher to Namespace and ConfigMap informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	nsInf := factory.Core().V1().Namespaces()
	cmInf := factory.Core().V1().ConfigMaps()
	c := &Controller{
		client: client, recorder: recorder, ca: string(opts.CACert),
		namespaces: nsInf.Lister(), configMaps: cmInf.Lister(),
		synced: []cache.InformerSynced{nsInf.Informer().HasSynced, cmInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "root_ca_cert_publisher"}),
	}
	_, _ = nsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { c.queue.Add(obj.(*corev1.Namespace).Name) },
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Namespace).ResourceVersion != cur.(*corev1.Namespace).ResourceVersion {
				c.queue.Add(cur.(*corev1.Namespace).Name)
			}
		},
	})
	_, _ = cmInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.ConfigMap).ResourceVersion != cur.(*corev1.ConfigMap).ResourceVersion {
				c.enqueueConfigMap(cur)
			}
		},
		DeleteFunc: c.enqueueConfigMap,
	})
	return c
}

func (c *Controller) enqueueConfigMap(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == ConfigMapName {
		c.queue.Add(cm.Namespace)
	}
}

// Run syncs namespaces until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	reconcile.Run(ctx, "rootca", c.queue, c.synced, workers, c.sync)
}
