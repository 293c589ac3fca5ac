package dns

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// informerState watches Services and EndpointSlices and says when the
// index is stale. Events are coalesced into one pending rebuild: the
// rebuild reads the listers, so a burst of changes costs one rebuild.
type informerState struct {
	factory  informers.SharedInformerFactory
	services corelisters.ServiceLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced
	informer []cache.SharedIndexInformer
	stale    chan struct{}
}

func newInformerState(f informers.SharedInformerFactory) *informerState {
	svc := f.Core().V1().Services()
	sl := f.Discovery().V1().EndpointSlices()
	st := &informerState{
		factory:  f,
		services: svc.Lister(),
		slices:   sl.Lister(),
		informer: []cache.SharedIndexInformer{svc.Informer(), sl.Informer()},
		stale:    make(chan struct{}, 1),
	}
	for _, inf := range st.informer {
		st.synced = append(st.synced, inf.HasSynced)
	}
	return st
}

// sync hooks the event handlers, starts the factory, waits for the caches
// and builds the first index.
func (st *informerState) sync(ctx context.Context, refresh func(uint32) error) error {
	h := cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { st.markStale() },
		UpdateFunc: func(old, cur any) {
			// A resync redelivers an unchanged object: nothing to rebuild.
			o, err1 := meta.Accessor(old)
			c, err2 := meta.Accessor(cur)
			if err1 == nil && err2 == nil && o.GetResourceVersion() == c.GetResourceVersion() {
				return
			}
			st.markStale()
		},
		DeleteFunc: func(any) { st.markStale() },
	}
	for _, inf := range st.informer {
		if _, err := inf.AddEventHandler(h); err != nil {
			return fmt.Errorf("watch for cluster dns: %w", err)
		}
	}
	st.factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), st.synced...) {
		return errors.New("cluster dns: caches did not sync")
	}
	// The initial adds marked the index stale; this build covers them.
	select {
	case <-st.stale:
	default:
	}
	return refresh(1)
}

func (st *informerState) markStale() {
	select {
	case st.stale <- struct{}{}:
	default:
	}
}

// rebuildLoop rebuilds the index whenever it went stale, until ctx ends.
func (st *informerState) rebuildLoop(ctx context.Context, refresh func(uint32)) {
	serial := uint32(1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.stale:
		}
		serial++
		refresh(serial)
	}
}

func (st *informerState) list() ([]*corev1.Service, []*discoveryv1.EndpointSlice, error) {
	svcs, err := st.services.List(labels.Everything())
	if err != nil {
		return nil, nil, fmt.Errorf("list services: %w", err)
	}
	sl, err := st.slices.List(labels.Everything())
	if err != nil {
		return nil, nil, fmt.Errorf("list endpoint slices: %w", err)
	}
	return svcs, sl, nil
}
