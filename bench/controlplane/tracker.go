package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// tracker watches every pod and notes when each was first seen and first
// seen bound, which gives per-pod scheduling latency as a client sees it.
type tracker struct {
	mu     sync.Mutex
	seen   map[types.UID]time.Time
	bound  map[types.UID]time.Duration
	nBound map[string]int // bound pods by namespace
	store  cache.Store
}

func startTracker(ctx context.Context, c kubernetes.Interface) (*tracker, error) {
	t := &tracker{seen: map[types.UID]time.Time{}, bound: map[types.UID]time.Duration{}, nBound: map[string]int{}}
	factory := informers.NewSharedInformerFactory(c, 0)
	inf := factory.Core().V1().Pods().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { t.observe(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { t.observe(obj.(*corev1.Pod)) },
	})
	if err != nil {
		return nil, err
	}
	t.store = inf.GetStore()
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("pod informer did not sync")
	}
	return t, nil
}

func (t *tracker) observe(p *corev1.Pod) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	first, ok := t.seen[p.UID]
	if !ok {
		first = now
		t.seen[p.UID] = now
	}
	if _, done := t.bound[p.UID]; !done && p.Spec.NodeName != "" {
		t.bound[p.UID] = now.Sub(first)
		t.nBound[p.Namespace]++
	}
}

// boundIn is how many pods of namespace ns were seen bound.
func (t *tracker) boundIn(ns string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nBound[ns]
}

// latencies are the scheduling latencies of the pods of ns seen bound.
func (t *tracker) latencies(ns string) []time.Duration {
	var out []time.Duration
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, obj := range t.store.List() {
		p := obj.(*corev1.Pod)
		if d, ok := t.bound[p.UID]; ok && p.Namespace == ns {
			out = append(out, d)
		}
	}
	return out
}

// pods lists the pods of ns the informer holds.
func (t *tracker) pods(ns string) []*corev1.Pod {
	var out []*corev1.Pod
	for _, obj := range t.store.List() {
		if p := obj.(*corev1.Pod); p.Namespace == ns {
			out = append(out, p)
		}
	}
	return out
}
