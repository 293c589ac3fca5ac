package crd

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclientset "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apiextinformers "k8s.io/apiextensions-apiserver/pkg/client/informers/externalversions"
	apiextlisters "k8s.io/apiextensions-apiserver/pkg/client/listers/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Installer is what the API server does for the controller: serve a CRD's
// resources (replacing what was served for it before), stop serving them,
// and delete every stored object of them.
type Installer interface {
	InstallCustomResources(crdName string, rs []*registry.Resource) error
	RemoveCustomResources(crdName string)
	DeleteAllCustomResources(ctx context.Context, rs []*registry.Resource) error
}

// Controller accepts CRD names, installs the CRDs' resources into the API
// server, reports NamesAccepted and Established, and on deletion removes
// every custom resource before releasing the CRD's cleanup finalizer.
type Controller struct {
	client    apiextensionsclientset.Interface
	installer Installer
	factory   apiextinformers.SharedInformerFactory
	informer  cache.SharedIndexInformer
	lister    apiextlisters.CustomResourceDefinitionLister
	queue     workqueue.TypedRateLimitingInterface[string]
	builtins  []*registry.Resource
	now       func() time.Time
	log       *slog.Logger
	workers   int

	// installed remembers what was last installed per CRD name, so syncs
	// that only change status (including our own writes) neither recompile
	// rules nor make the API server swap handlers. Only the worker touches it.
	installed map[string]installation
}

// installation identifies what a CRD's resources were built from.
type installation struct {
	uid        string
	generation int64
	names      apiextv1.CustomResourceDefinitionNames
}

// Option configures a Controller.
type Option func(*Controller)

// WithBuiltins makes the built-in resources' names unavailable to CRDs of
// the same group. Resources with a Schema (custom resources) are ignored, so
// passing everything the API server serves is fine.
func WithBuiltins(rs []*registry.Resource) Option {
	return func(c *Controller) { c.builtins = rs }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *Controller) { c.log = l }
}

// WithClock sets the clock used for condition transition times (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *Controller) { c.now = now }
}

// NewController builds the controller on client's CRD informer. Run starts it.
func NewController(client apiextensionsclientset.Interface, installer Installer, opts ...Option) *Controller {
	factory := apiextinformers.NewSharedInformerFactory(client, 0)
	inf := factory.Apiextensions().V1().CustomResourceDefinitions()
	c := &Controller{
		client:    client,
		installer: installer,
		factory:   factory,
		informer:  inf.Informer(),
		lister:    inf.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "customresourcedefinitions"}),
		now:       time.Now,
		log:       slog.Default(),
		installed: map[string]installation{},
		// One worker: name acceptance compares against other CRDs' accepted
		// names, which two concurrent syncs could both miss.
		workers: 1,
	}
	for _, o := range opts {
		o(c)
	}
	c.log = c.log.With("controller", "customresourcedefinition")
	_, _ = c.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*apiextv1.CustomResourceDefinition)
			n, ok2 := cur.(*apiextv1.CustomResourceDefinition)
			if ok1 && ok2 && o.ResourceVersion == n.ResourceVersion {
				return // resync
			}
			c.enqueue(cur)
		},
		DeleteFunc: func(obj interface{}) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			c.enqueue(obj)
			// Names the deleted CRD held may now be free for others.
			if crd, ok := obj.(*apiextv1.CustomResourceDefinition); ok {
				c.enqueueGroup(crd.Spec.Group)
			}
		},
	})
	return c
}

func (c *Controller) enqueue(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

func (c *Controller) enqueueGroup(group string) {
	all, err := c.lister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, o := range all {
		if o.Spec.Group == group {
			c.queue.Add(o.Name)
		}
	}
}

// Run starts the informer and workers and blocks until ctx is done.
func (c *Controller) Run(ctx context.Context) {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	log := c.log
	log.Info("Starting CRD controller")
	c.factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.informer.HasSynced) {
		return
	}
	for i := 0; i < c.workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
	log.Info("Stopping CRD controller")
}

func (c *Controller) worker(ctx context.Context) {
	for c.next(ctx) {
	}
}

func (c *Controller) next(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic syncing crd %s: %v", key, r)
			}
		}()
		return c.sync(ctx, key)
	}()
	if err == nil {
		c.queue.Forget(key)
		return true
	}
	c.log.Error("Syncing CRD failed", "crd", key, "err", err)
	c.queue.AddRateLimited(key)
	return true
}

// Conditions' reasons and messages, as Kubernetes writes them.
const (
	reasonNoConflicts      = "NoConflicts"
	reasonNameConflict     = "NameConflict"
	reasonInitialNames     = "InitialNamesAccepted"
	reasonNotAccepted      = "NotAccepted"
	reasonInstallFailed    = "InstallationFailure"
	reasonDeleting         = "InstanceDeletionInProgress"
	reasonDeleteFailed     = "InstanceDeletionFailed"
	reasonDeleteDone       = "InstanceDeletionCompleted"
	messageNoConflicts     = "no conflicts found"
	messageInitialAccepted = "the initial names have been accepted"
)

// sync brings one CRD's serving and status in line with its spec. A CRD
// that disappears mid-sync (the lister lags behind its final deletion) is
// simply no longer served.
func (c *Controller) sync(ctx context.Context, key string) error {
	err := c.syncCRD(ctx, key)
	if apierrors.IsNotFound(err) {
		c.remove(key)
		return nil
	}
	return err
}

func (c *Controller) syncCRD(ctx context.Context, key string) error {
	log := c.log
	cur, err := c.lister.Get(key)
	if apierrors.IsNotFound(err) {
		c.remove(key)
		return nil
	}
	if err != nil {
		return err
	}
	crd := cur.DeepCopy()
	if crd.DeletionTimestamp != nil {
		return c.finalize(ctx, crd)
	}
	log.Info("Running reconcile", "crd", key)

	others, err := c.lister.List(labels.Everything())
	if err != nil {
		return err
	}
	status := crd.Status.DeepCopy()
	if msg := nameConflict(crd, others, c.builtins); msg != "" {
		c.setCondition(status, apiextv1.NamesAccepted, apiextv1.ConditionFalse, reasonNameConflict, msg)
	} else {
		status.AcceptedNames = crd.Spec.Names
		c.setCondition(status, apiextv1.NamesAccepted, apiextv1.ConditionTrue, reasonNoConflicts, messageNoConflicts)
	}
	if sv := storageVersion(crd); sv != "" && !contains(status.StoredVersions, sv) {
		status.StoredVersions = append(status.StoredVersions, sv)
	}

	if status.AcceptedNames.Plural == "" {
		c.setCondition(status, apiextv1.Established, apiextv1.ConditionFalse, reasonNotAccepted, "not all names are accepted")
		_, err := c.writeStatus(ctx, crd, status)
		return err
	}
	want := installation{uid: string(crd.UID), generation: crd.Generation, names: status.AcceptedNames}
	if have, ok := c.installed[crd.Name]; ok && reflect.DeepEqual(have, want) {
		c.setCondition(status, apiextv1.Established, apiextv1.ConditionTrue, reasonInitialNames, messageInitialAccepted)
		_, err := c.writeStatus(ctx, crd, status)
		return err
	}
	serving := crd.DeepCopy()
	serving.Spec.Names = status.AcceptedNames
	rs, err := Resources(serving)
	if err != nil {
		// The CRD passed validation but cannot be served (a conversion
		// webhook, say); retrying will not help until it changes, so report
		// it on the condition and wait for the next update.
		log.Error("CRD cannot be served", "crd", key, "err", err)
		c.setCondition(status, apiextv1.Established, apiextv1.ConditionFalse, reasonInstallFailed, err.Error())
		_, err := c.writeStatus(ctx, crd, status)
		return err
	}
	if err := c.installer.InstallCustomResources(crd.Name, rs); err != nil {
		return fmt.Errorf("install resources of crd %s: %w", key, err)
	}
	c.installed[crd.Name] = want
	c.setCondition(status, apiextv1.Established, apiextv1.ConditionTrue, reasonInitialNames, messageInitialAccepted)
	_, err = c.writeStatus(ctx, crd, status)
	return err
}

// writeStatus writes status if it differs from what crd has and returns
// the CRD as stored afterwards.
func (c *Controller) writeStatus(ctx context.Context, crd *apiextv1.CustomResourceDefinition, status *apiextv1.CustomResourceDefinitionStatus) (*apiextv1.CustomResourceDefinition, error) {
	if equality.Semantic.DeepEqual(&crd.Status, status) {
		return crd, nil
	}
	out := crd.DeepCopy()
	out.Status = *status
	updated, err := c.client.ApiextensionsV1().CustomResourceDefinitions().UpdateStatus(ctx, out, metav1.UpdateOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, err
		}
		return nil, fmt.Errorf("update status of crd %s: %w", crd.Name, err)
	}
	return updated, nil
}

// setCondition sets a condition, keeping its transition time unless the
// status flips.
func (c *Controller) setCondition(s *apiextv1.CustomResourceDefinitionStatus, t apiextv1.CustomResourceDefinitionConditionType, st apiextv1.ConditionStatus, reason, msg string) {
	for i := range s.Conditions {
		cond := &s.Conditions[i]
		if cond.Type != t {
			continue
		}
		if cond.Status != st {
			cond.LastTransitionTime = metav1.NewTime(c.now())
		}
		cond.Status, cond.Reason, cond.Message = st, reason, msg
		return
	}
	s.Conditions = append(s.Conditions, apiextv1.CustomResourceDefinitionCondition{
		Type: t, Status: st, Reason: reason, Message: msg, LastTransitionTime: metav1.NewTime(c.now()),
	})
}
