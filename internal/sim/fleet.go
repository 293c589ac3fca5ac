package sim

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// fleet is the set of simulated nodes one Run keeps alive.
type fleet struct {
	o      Options
	client kubernetes.Interface
	order  []*simNode
	nodes  map[string]*simNode
	// failFlag holds the nodes named by Options.Fail.
	failFlag map[string]bool

	nodeLister listerscorev1.NodeLister
	nodeQueue  workqueue.TypedRateLimitingInterface[string]
	podLister  listerscorev1.PodLister
	podIndex   cache.Indexer
	podQueue   workqueue.TypedRateLimitingInterface[string]
}

// simNode is one simulated kubelet's memory.
type simNode struct {
	name  string
	index int
	uid   types.UID

	mu    sync.Mutex
	lease *coordinationv1.Lease
	// dead mirrors whether the node is failed, so healing is noticed.
	dead bool

	ipsOnce sync.Once
	ips     *podIPs
}

func newFleet(client kubernetes.Interface, o Options) *fleet {
	f := &fleet{o: o, client: client, nodes: map[string]*simNode{}, failFlag: map[string]bool{}}
	for i := range o.Nodes {
		n := &simNode{name: nodeName(o.NamePrefix, i), index: i}
		f.order = append(f.order, n)
		f.nodes[n.name] = n
	}
	for _, name := range o.Fail {
		f.failFlag[name] = true
		if n := f.nodes[name]; n != nil {
			n.dead = true
		}
	}
	limiter := func() workqueue.TypedRateLimiter[string] {
		return workqueue.NewTypedItemExponentialFailureRateLimiter[string](10*time.Millisecond, 5*time.Second)
	}
	f.nodeQueue = workqueue.NewTypedRateLimitingQueueWithConfig(limiter(), workqueue.TypedRateLimitingQueueConfig[string]{Name: "sim-nodes"})
	f.podQueue = workqueue.NewTypedRateLimitingQueueWithConfig(limiter(), workqueue.TypedRateLimitingQueueConfig[string]{Name: "sim-pods"})
	return f
}

// failed says whether node acts as a dead kubelet: annotated fail "true",
// or named by --fail and not annotated "false".
func (f *fleet) failed(node *corev1.Node) bool {
	switch node.Annotations[AnnotationFail] {
	case "true":
		return true
	case "false":
		return false
	}
	return f.failFlag[node.Name]
}

// isDead is the failed state last seen for a node by name.
func (f *fleet) isDead(name string) bool {
	n := f.nodes[name]
	if n == nil {
		return true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dead
}

const byNode = "nodeName"

// watch adds the fleet's handlers: one shared pod informer for all nodes,
// filtered by node name, and the node informer for fail annotations.
func (f *fleet) watch(factory informers.SharedInformerFactory) {
	nodes := factory.Core().V1().Nodes()
	f.nodeLister = nodes.Lister()
	_, _ = nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { f.enqueueNode(obj) },
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Node).ResourceVersion != cur.(*corev1.Node).ResourceVersion {
				f.enqueueNode(cur)
			}
		},
	})
	pods := factory.Core().V1().Pods()
	f.podLister = pods.Lister()
	f.podIndex = pods.Informer().GetIndexer()
	_ = pods.Informer().AddIndexers(cache.Indexers{byNode: func(obj any) ([]string, error) {
		return []string{obj.(*corev1.Pod).Spec.NodeName}, nil
	}})
	_, _ = pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: f.enqueuePod,
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Pod).ResourceVersion != cur.(*corev1.Pod).ResourceVersion {
				f.enqueuePod(cur)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				if n := f.nodes[p.Spec.NodeName]; n != nil {
					f.podIPs(n).release(p.UID)
				}
			}
		},
	})
}

func (f *fleet) enqueueNode(obj any) {
	if n, ok := obj.(*corev1.Node); ok && f.nodes[n.Name] != nil {
		f.nodeQueue.Add(n.Name)
	}
}

func (f *fleet) enqueuePod(obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok || f.nodes[p.Spec.NodeName] == nil {
		return
	}
	if key, err := cache.MetaNamespaceKeyFunc(p); err == nil {
		f.podQueue.Add(key)
	}
}

// runLeases renews the Lease of every live node each LeaseInterval.
func (f *fleet) runLeases(ctx context.Context) {
	t := time.NewTicker(f.o.LeaseInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		live := slices.DeleteFunc(slices.Clone(f.order), func(n *simNode) bool { return f.isDead(n.name) })
		now := time.Now()
		err := parallel(ctx, live, 16, func(ctx context.Context, n *simNode) error {
			if err := f.renew(ctx, n, now); err != nil {
				slog.Warn("Lease not renewed", "node", n.name, "err", err)
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			slog.Warn("Lease renewal round failed", "err", err)
		}
	}
}

// runNodes posts node status when it is due or a node heals, and resyncs
// every node often enough to notice the report interval passing.
func (f *fleet) runNodes(ctx context.Context) {
	defer f.nodeQueue.ShutDown()
	go func() {
		t := time.NewTicker(min(f.o.StatusInterval, f.o.LeaseInterval))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				for _, n := range f.order {
					f.nodeQueue.Add(n.name)
				}
			}
		}
	}()
	for range 4 {
		go func() {
			for f.nextNode(ctx) {
			}
		}()
	}
	<-ctx.Done()
}

func (f *fleet) nextNode(ctx context.Context) bool {
	name, quit := f.nodeQueue.Get()
	if quit {
		return false
	}
	defer f.nodeQueue.Done(name)
	if err := f.syncNode(ctx, name); err != nil {
		slog.Warn("Node status not posted", "node", name, "err", err)
		f.nodeQueue.AddRateLimited(name)
		return true
	}
	f.nodeQueue.Forget(name)
	return true
}

// syncNode follows a node's fail annotation and keeps its status fresh.
func (f *fleet) syncNode(ctx context.Context, name string) error {
	n := f.nodes[name]
	node, err := f.nodeLister.Get(name)
	if err != nil {
		// A deleted node stays gone: kubelet would re-register on restart only.
		return nil
	}
	dead := f.failed(node)
	n.mu.Lock()
	healed, died := n.dead && !dead, !n.dead && dead
	n.dead = dead
	n.mu.Unlock()
	if died {
		slog.Info("Node failed: no more leases, status or pod progress", "node", name)
	}
	if dead {
		return nil
	}
	now := time.Now()
	if healed {
		slog.Info("Node healed", "node", name)
		if err := f.renew(ctx, n, now); err != nil {
			return err
		}
		pods, _ := f.podIndex.ByIndex(byNode, name)
		for _, p := range pods {
			f.enqueuePod(p)
		}
	}
	if needsStatus(node, now, f.o.StatusInterval) {
		return f.postStatus(ctx, node, now)
	}
	return nil
}
