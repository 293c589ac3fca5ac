package routes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/reconcile"
)

const name = "pod-routes"

// syncKey is the queue's only key: every node change re-derives the whole
// route set, which is cheap next to the ip commands and never misses a
// route left over from a node deleted while the agent was down.
const syncKey = "routes"

// Config is what the controller needs; zero values take the defaults named.
type Config struct {
	// Factory provides the Nodes informer. Required; New registers the
	// informer, so call it before the factory is started (Run starts the
	// factory too, which is a no-op for informers already running).
	Factory informers.SharedInformerFactory
	// NodeName is this node: its pod CIDR is on the local bridge and gets
	// no route. Required.
	NodeName string
	// Log defaults to slog.Default().
	Log *slog.Logger
	// Run runs ip(8) where the routes live. Default IP (the caller's
	// network namespace).
	Run Runner
	// Resync is how often the routes are re-read and repaired even when no
	// Node changed (someone deleted one by hand). Default 1 minute.
	Resync time.Duration
}

// Controller keeps this node's routes to other nodes' pod CIDRs.
type Controller struct {
	cfg    Config
	log    *slog.Logger
	run    Runner
	nodes  listerscorev1.NodeLister
	synced cache.InformerSynced
	queue  reconcile.Queue

	// warned holds the next hop each node was last warned about as not
	// directly connected, so the warning comes once, not every sync.
	// Only the single worker touches it.
	warned map[string]netip.Addr
}

// New wires a controller to cfg.Factory's Nodes informer.
func New(cfg Config) *Controller {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Run == nil {
		cfg.Run = IP
	}
	if cfg.Resync <= 0 {
		cfg.Resync = time.Minute
	}
	nodes := cfg.Factory.Core().V1().Nodes()
	c := &Controller{
		cfg: cfg, log: cfg.Log.With("controller", name), run: cfg.Run,
		nodes: nodes.Lister(), synced: nodes.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: name}),
		warned: map[string]netip.Addr{},
	}
	enqueue := func(any) { c.queue.Add(syncKey) }
	if _, err := nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue,
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*corev1.Node)
			n, ok2 := cur.(*corev1.Node)
			if !ok1 || !ok2 || relevant(o, n) {
				enqueue(cur)
			}
		},
		DeleteFunc: enqueue,
	}); err != nil {
		utilruntime.HandleError(fmt.Errorf("%s: add node handler: %w", name, err))
	}
	return c
}

// Run keeps the routes in sync until ctx ends. The routes stay when it
// returns: pods keep talking across nodes while the agent restarts.
func (c *Controller) Run(ctx context.Context) error {
	defer c.queue.ShutDown()
	c.cfg.Factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return fmt.Errorf("%s: node cache did not sync: %w", name, ctx.Err())
	}
	c.log.Info("Starting pod route controller", "node", c.cfg.NodeName)
	c.queue.Add(syncKey)
	reconcile.Workers(ctx, name, c.queue, 1, c.sync)
	t := time.NewTicker(c.cfg.Resync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			c.queue.Add(syncKey)
		}
	}
}

// sync makes the kernel's routes with Proto exactly the desired ones.
func (c *Controller) sync(ctx context.Context, _ string) error {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	desired, skips := Desired(nodes, c.cfg.NodeName)
	for _, s := range skips {
		c.log.Debug("No pod route to node", "node", s.Node, "podCIDR", s.CIDR, "reason", s.Reason)
	}
	current, err := listOwn(ctx, c.run)
	if err != nil {
		return err
	}
	replace, remove := Diff(desired, current)
	var errs []error
	for _, r := range remove {
		if err := deleteRoute(ctx, c.run, r); err != nil {
			errs = append(errs, err)
			continue
		}
		c.log.Info("Removed pod route", "podCIDR", r.Dst, "via", r.Via)
	}
	if len(replace) > 0 {
		if err := c.warnNotAdjacent(ctx, replace); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range replace {
		if err := replaceRoute(ctx, c.run, r); err != nil {
			errs = append(errs, err)
			continue
		}
		c.log.Info("Routed pod CIDR", "node", r.Node, "podCIDR", r.Dst, "via", r.Via)
	}
	return errors.Join(errs...)
}

// warnNotAdjacent warns, once per node and next hop, about a route whose
// next hop is on no directly connected subnet: host-gw needs the nodes on
// one link, and the kernel will refuse the route until the address is.
func (c *Controller) warnNotAdjacent(ctx context.Context, routes []Route) error {
	subnets, err := connected(ctx, c.run)
	if err != nil {
		return err
	}
	for _, r := range routes {
		if slices.ContainsFunc(subnets, func(p netip.Prefix) bool { return p.Contains(r.Via) }) {
			delete(c.warned, r.Node)
			continue
		}
		if c.warned[r.Node] == r.Via {
			continue
		}
		c.warned[r.Node] = r.Via
		c.log.Warn("Node address is not on a directly connected subnet; host-gw pod routes need the nodes on one link",
			"node", r.Node, "via", r.Via, "podCIDR", r.Dst)
	}
	return nil
}
