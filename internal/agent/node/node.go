package node

import (
	"context"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Node keeps one Node object, its Lease and its status. Register it once,
// then Run it until the agent stops.
type Node struct {
	cfg Config
	// err is a configuration error found by New, returned by Register.
	err         error
	info        corev1.NodeSystemInfo
	recorder    record.EventRecorder
	broadcaster record.EventBroadcaster
	trigger     chan struct{}

	// lease is used by Run's lease loop only; cidrDone by whoever syncs
	// the status (Register, then Run's status loop).
	lease    *coordinationv1.Lease
	cidrDone bool

	mu  sync.Mutex
	uid types.UID
}

// New prepares a Node; configuration errors surface from Register.
func New(cfg Config) *Node {
	cfg, err := cfg.withDefaults()
	n := &Node{cfg: cfg, err: err, info: systemInfo(), recorder: cfg.Recorder, trigger: make(chan struct{}, 1)}
	if n.recorder == nil && cfg.Client != nil {
		n.broadcaster = record.NewBroadcaster(record.WithContext(context.Background()))
		n.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cfg.Client.CoreV1().Events("")})
		n.recorder = n.broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: cfg.NodeName})
	}
	return n
}

// ref is the Node as events name it: kubelet uses the node name as UID.
func (n *Node) ref() *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Node", Name: n.cfg.NodeName, UID: types.UID(n.cfg.NodeName)}
}

// Name is the registered node name (after defaulting).
func (n *Node) Name() string { return n.cfg.NodeName }

// UID is the Node object's UID, empty before Register.
func (n *Node) UID() types.UID { return n.getUID() }

func (n *Node) getUID() types.UID {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.uid
}

func (n *Node) setUID(uid types.UID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.uid = uid
}

// UpdateStatus asks Run to post the status now rather than at the next
// interval, e.g. when pressure or the network changed.
func (n *Node) UpdateStatus() {
	select {
	case n.trigger <- struct{}{}:
	default:
	}
}

// Run renews the Lease every RenewInterval and posts the status every
// StatusInterval (or when UpdateStatus asks), until ctx ends. The two run
// apart, so a hung container runtime delays the status but not the Lease
// (the agent is alive), as kubelet. Failures are logged and retried on the
// next tick.
func (n *Node) Run(ctx context.Context) {
	cfg := n.cfg
	if n.broadcaster != nil {
		defer n.broadcaster.Shutdown()
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		every(ctx, cfg.Clock, cfg.RenewInterval, nil, func() {
			if err := n.renewLease(ctx); err != nil && ctx.Err() == nil {
				cfg.Log.Warn("Lease not renewed", "node", cfg.NodeName, "err", err)
			}
		})
	})
	n.untilReady(ctx)
	every(ctx, cfg.Clock, cfg.StatusInterval, n.trigger, func() {
		if _, err := n.syncStatus(ctx); err != nil && ctx.Err() == nil {
			cfg.Log.Warn("Node status not updated", "node", cfg.NodeName, "err", err)
		}
	})
}

// Until the node is first Ready, its status is synced every
// fastStatusInterval for at most fastStatusFor, as kubelet's fast status
// update after start: a new node's network becomes ready moments after its
// podCIDR arrives, and a whole StatusInterval later would keep it NotReady
// for no reason.
const (
	fastStatusInterval = 200 * time.Millisecond
	fastStatusFor      = time.Minute
)

func (n *Node) untilReady(ctx context.Context) {
	deadline := n.cfg.Clock.Now().Add(fastStatusFor)
	for n.cfg.Clock.Now().Before(deadline) {
		ready, err := n.syncStatus(ctx)
		if ready && err == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-n.cfg.Clock.After(fastStatusInterval):
		}
	}
}

// every calls f now, then each interval and each time trigger fires,
// until ctx ends.
func every(ctx context.Context, c clock.WithTicker, interval time.Duration, trigger <-chan struct{}, f func()) {
	t := c.NewTicker(interval)
	defer t.Stop()
	for {
		f()
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		case <-trigger:
		}
	}
}
