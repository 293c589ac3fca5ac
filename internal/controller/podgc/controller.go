package podgc

import (
	"context"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Options tunes the collector; zero values take the defaults named.
type Options struct {
	// TerminatedPodThreshold is how many Succeeded or Failed pods may
	// exist before the oldest are deleted. Default 12500; negative: never.
	TerminatedPodThreshold int
	// Period is how often pods are collected. Default 20s.
	Period time.Duration
	// Quarantine is how long a node must be missing before its pods are
	// orphans, so a node still being registered does not lose them. Default 40s.
	Quarantine time.Duration
	// Clock reads the time; default the real clock.
	Clock clock.Clock
}

// Controller is the pod garbage collector.
type Controller struct {
	client kubernetes.Interface
	opts   Options
	pods   listerscorev1.PodLister
	nodes  listerscorev1.NodeLister
	synced []cache.InformerSynced

	// missing holds when each vanished node was first noticed missing.
	mu      sync.Mutex
	missing map[string]time.Time
}

// New wires the collector to pod and node informers. The recorder keeps
// the controllers' common shape; Kubernetes' pod GC records no events.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, _ record.EventRecorder, opts Options) *Controller {
	if opts.TerminatedPodThreshold == 0 {
		opts.TerminatedPodThreshold = 12500
	}
	if opts.Period == 0 {
		opts.Period = 20 * time.Second
	}
	if opts.Quarantine == 0 {
		opts.Quarantine = 40 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	pods, nodes := factory.Core().V1().Pods(), factory.Core().V1().Nodes()
	return &Controller{
		client: client, opts: opts,
		pods: pods.Lister(), nodes: nodes.Lister(),
		synced:  []cache.InformerSynced{pods.Informer().HasSynced, nodes.Informer().HasSynced},
		missing: map[string]time.Time{},
	}
}

// Run collects every Period until ctx ends, with up to workers deletions
// in flight.
func (c *Controller) Run(ctx context.Context, workers int) {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	slog.Info("Starting pod garbage collector", "terminatedPodThreshold", c.opts.TerminatedPodThreshold, "period", c.opts.Period)
	wait.UntilWithContext(ctx, func(ctx context.Context) { c.gc(ctx, max(workers, 1)) }, c.opts.Period)
}

// gc runs one collection over the listers' view.
func (c *Controller) gc(ctx context.Context, workers int) {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	byName := make(map[string]*corev1.Node, len(nodes))
	for _, n := range nodes {
		byName[n.Name] = n
	}
	doomed := c.terminated(pods)
	doomed = append(doomed, c.orphaned(ctx, pods, byName)...)
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			continue
		}
		if p.Spec.NodeName == "" {
			doomed = append(doomed, victim{pod: p, why: "terminating and never scheduled"})
		} else if n := byName[p.Spec.NodeName]; n != nil && outOfService(n) {
			doomed = append(doomed, victim{pod: p, why: "terminating on an out-of-service node"})
		}
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	seen := map[types.UID]bool{}
	for _, v := range doomed {
		// A terminated orphan qualifies twice; one deletion is enough.
		if seen[v.pod.UID] {
			continue
		}
		seen[v.pod.UID] = true
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := c.delete(ctx, v); err != nil {
				slog.Warn("Pod not collected", "pod", v.pod.Namespace+"/"+v.pod.Name, "err", err)
			}
		})
	}
	wg.Wait()
}
