package nodeipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

const name = "node-ipam-controller"

// Options tunes the controller; zero values take the defaults named.
type Options struct {
	// ClusterCIDR is the IPv4 range node pod CIDRs are carved from.
	// Default "10.244.0.0/16".
	ClusterCIDR string
	// NodeCIDRMaskSize is the prefix length of each node's pod CIDR.
	// Default 24 (254 pods' addresses per node).
	NodeCIDRMaskSize int
}

// Controller assigns node pod CIDRs.
type Controller struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	nodes    listerscorev1.NodeLister
	synced   cache.InformerSynced
	queue    reconcile.Queue

	// alloc is nil when the options are invalid; optsErr says why.
	optsErr error
	mu      sync.Mutex
	alloc   *allocator
	held    map[string]netip.Prefix // node name → its block
	owner   map[netip.Prefix]string // block → node name
}

// New wires the controller to the node informer.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Controller {
	if opts.ClusterCIDR == "" {
		opts.ClusterCIDR = "10.244.0.0/16"
	}
	if opts.NodeCIDRMaskSize == 0 {
		opts.NodeCIDRMaskSize = 24
	}
	nodes := factory.Core().V1().Nodes()
	c := &Controller{
		client: client, recorder: recorder,
		nodes: nodes.Lister(), synced: nodes.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: name}),
		held: map[string]netip.Prefix{}, owner: map[netip.Prefix]string{},
	}
	c.alloc, c.optsErr = newAllocator(opts.ClusterCIDR, opts.NodeCIDRMaskSize)
	h := reconcile.Handler(func(obj any) { reconcile.Enqueue(c.queue, obj) })
	h.DeleteFunc = c.nodeDeleted
	if _, err := nodes.Informer().AddEventHandler(h); err != nil {
		utilruntime.HandleError(fmt.Errorf("%s: add node handler: %w", name, err))
	}
	return c
}

// Run claims the blocks nodes already hold before any worker hands one
// out, then assigns blocks until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDown()
	if c.optsErr != nil {
		slog.Error("Node IPAM controller not started", "err", c.optsErr)
		return
	}
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	if err := c.rebuild(); err != nil {
		slog.Error("Node IPAM controller not started", "err", err)
		return
	}
	slog.Info("Starting controller", "controller", name)
	reconcile.Workers(ctx, name, c.queue, workers, c.sync)
	<-ctx.Done()
	slog.Info("Stopping controller", "controller", name)
}

// rebuild marks every block a node holds as used; the set is kept only in
// memory, so this is how a restarted controller learns it.
func (c *Controller) rebuild() error {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range nodes {
		if n.Spec.PodCIDR != "" {
			c.claimLocked(n)
		}
	}
	return nil
}

// claimLocked records the block a node already has. A block outside the
// cluster CIDR, or one another node holds, was set by someone else; it is
// left alone rather than fought over, since podCIDR cannot change.
func (c *Controller) claimLocked(n *corev1.Node) {
	p, err := netip.ParsePrefix(n.Spec.PodCIDR)
	if err != nil {
		slog.Debug("Node pod CIDR not managed", "node", n.Name, "podCIDR", n.Spec.PodCIDR, "err", err)
		return
	}
	if other, ok := c.owner[p]; ok && other != n.Name {
		slog.Warn("Node pod CIDR already held by another node", "node", n.Name, "podCIDR", p, "holder", other)
		return
	}
	if err := c.alloc.occupy(p); err != nil {
		slog.Debug("Node pod CIDR not managed", "node", n.Name, "podCIDR", p, "err", err)
		return
	}
	if old, ok := c.held[n.Name]; ok && old != p {
		c.releaseLocked(n.Name)
	}
	c.held[n.Name], c.owner[p] = p, n.Name
}

// releaseLocked frees the block node holds, if any, and returns it.
func (c *Controller) releaseLocked(node string) (netip.Prefix, bool) {
	p, ok := c.held[node]
	if !ok {
		return p, false
	}
	c.alloc.release(p)
	delete(c.held, node)
	delete(c.owner, p)
	return p, true
}

// nodeDeleted frees the node's block and wakes the nodes still waiting
// for one, since only a deletion makes room in a full cluster CIDR.
func (c *Controller) nodeDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	n, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	c.mu.Lock()
	p, freed := c.releaseLocked(n.Name)
	c.mu.Unlock()
	if !freed {
		return
	}
	slog.Info("Released node pod CIDR", "node", n.Name, "podCIDR", p)
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	for _, w := range nodes {
		if w.Spec.PodCIDR == "" && w.Name != n.Name {
			c.queue.Add(w.Name)
		}
	}
}

// sync gives the node named key a block unless it has one.
func (c *Controller) sync(ctx context.Context, key string) error {
	n, err := c.nodes.Get(key)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	if n.Spec.PodCIDR != "" {
		c.claimLocked(n)
		c.mu.Unlock()
		return nil
	}
	// A block handed out before is patched again: the earlier patch may
	// have failed, or succeeded with the cache yet to show it.
	p, ok := c.held[n.Name]
	if !ok {
		p, err = c.alloc.allocate()
		if err == nil {
			c.held[n.Name], c.owner[p] = p, n.Name
		}
	}
	c.mu.Unlock()
	if errors.Is(err, errFull) {
		// Retrying cannot help until a node is deleted, which requeues
		// every node still waiting.
		c.recorder.Eventf(n, corev1.EventTypeNormal, "CIDRNotAvailable", "Node %s status is now: %s", n.Name, "CIDRNotAvailable")
		slog.Warn("No pod CIDR left for node", "node", n.Name, "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("allocate pod CIDR for node %s: %w", n.Name, err)
	}
	return c.patch(ctx, n.Name, p)
}

type cidrPatch struct {
	Spec struct {
		PodCIDR  string   `json:"podCIDR"`
		PodCIDRs []string `json:"podCIDRs"`
	} `json:"spec"`
}

func (c *Controller) patch(ctx context.Context, node string, p netip.Prefix) error {
	var body cidrPatch
	body.Spec.PodCIDR, body.Spec.PodCIDRs = p.String(), []string{p.String()}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode pod CIDR patch: %w", err)
	}
	_, err = c.client.CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType, b, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		c.mu.Lock()
		c.releaseLocked(node)
		c.mu.Unlock()
		return nil
	}
	if err != nil {
		return fmt.Errorf("set pod CIDR %s on node %s: %w", p, node, err)
	}
	slog.Info("Assigned node pod CIDR", "node", node, "podCIDR", p)
	return nil
}
