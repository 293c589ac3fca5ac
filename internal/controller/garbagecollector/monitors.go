package garbagecollector

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
)

// monitor is a metadata-only informer over one resource.
type monitor struct {
	informer cache.SharedIndexInformer
	stop     context.CancelFunc
}

var crdResource = schema.GroupResource{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}

// sync re-discovers the deletable resources and starts or stops monitors
// to match.
func (c *Controller) sync(ctx context.Context) error {
	want, err := c.deletableResources()
	if err != nil && len(want) == 0 {
		return err
	}
	c.mapper.Reset()
	c.monitorsMu.Lock()
	defer c.monitorsMu.Unlock()
	for gvr, m := range c.monitors {
		// After a partial discovery, a missing resource may belong to the
		// group that failed: keep watching it until a full answer.
		if _, ok := want[gvr]; !ok && err == nil {
			m.stop()
			delete(c.monitors, gvr)
			slog.Info("Garbage collector stopped watching", "resource", gvr.String())
		}
	}
	for gvr, gvk := range want {
		if _, ok := c.monitors[gvr]; ok {
			continue
		}
		c.monitors[gvr] = c.startMonitor(ctx, gvr, gvk)
	}
	return err
}

// deletableResources lists the preferred version of every resource that
// supports list, watch and delete, less the ignored ones.
func (c *Controller) deletableResources() (map[schema.GroupVersionResource]schema.GroupVersionKind, error) {
	lists, err := discovery.ServerPreferredResources(c.discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, fmt.Errorf("discover resources: %w", err)
	}
	out := map[schema.GroupVersionResource]schema.GroupVersionKind{}
	for _, list := range lists {
		gv, perr := schema.ParseGroupVersion(list.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range list.APIResources {
			if slices.Contains(c.opts.Ignored, gv.WithResource(r.Name).GroupResource()) || !supports(r, "list", "watch", "delete") {
				continue
			}
			out[gv.WithResource(r.Name)] = gv.WithKind(r.Kind)
		}
	}
	if err != nil {
		return out, fmt.Errorf("discover resources: %w", err)
	}
	return out, nil
}

func supports(r metav1.APIResource, verbs ...string) bool {
	for _, v := range verbs {
		if !slices.Contains(r.Verbs, v) {
			return false
		}
	}
	return true
}

func (c *Controller) startMonitor(ctx context.Context, gvr schema.GroupVersionResource, gvk schema.GroupVersionKind) *monitor {
	ctx, cancel := context.WithCancel(ctx)
	inf := metadatainformer.NewFilteredMetadataInformer(c.metadata, gvr, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	// Only identity, owners and deletion state matter; dropping labels,
	// annotations and managed fields keeps 10,000s of objects cheap.
	_ = inf.SetTransform(slim)
	apiVersion, kind := gvk.GroupVersion().String(), gvk.Kind
	observe := func(obj any, deleted bool) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		m, ok := obj.(*metav1.PartialObjectMetadata)
		if !ok {
			return
		}
		c.observe(change{
			deleted: deleted,
			ref:     objectRef{APIVersion: apiVersion, Kind: kind, Namespace: m.Namespace, Name: m.Name, UID: m.UID},
			gvr:     gvr, owners: m.OwnerReferences, deleting: m.DeletionTimestamp != nil, finalizers: m.Finalizers,
			resourceVersion: m.ResourceVersion,
		})
		if gvr.GroupResource() == crdResource {
			select {
			case c.rediscover <- struct{}{}:
			default:
			}
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { observe(obj, false) },
		UpdateFunc: func(old, cur any) {
			if old.(*metav1.PartialObjectMetadata).ResourceVersion != cur.(*metav1.PartialObjectMetadata).ResourceVersion {
				observe(cur, false)
			}
		},
		DeleteFunc: func(obj any) { observe(obj, true) },
	})
	go inf.RunWithContext(ctx)
	slog.Info("Garbage collector watching", "resource", gvr.String())
	return &monitor{informer: inf, stop: cancel}
}

func slim(obj any) (any, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil
	}
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		DeletionTimestamp: m.DeletionTimestamp, OwnerReferences: m.OwnerReferences, Finalizers: m.Finalizers,
	}}, nil
}

// synced reports whether every current monitor has listed its resource.
func (c *Controller) synced() bool {
	c.monitorsMu.Lock()
	defer c.monitorsMu.Unlock()
	for _, m := range c.monitors {
		if !m.informer.HasSynced() {
			return false
		}
	}
	return true
}

func (c *Controller) monitorCount() int {
	c.monitorsMu.Lock()
	defer c.monitorsMu.Unlock()
	return len(c.monitors)
}
