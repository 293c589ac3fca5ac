package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// Config is what a Proxier needs.
type Config struct {
	// Informers is the agent's factory; the Proxier takes its Services and
	// EndpointSlices informers from it, so they are shared. The caller
	// starts the factory after New.
	Informers informers.SharedInformerFactory
	// NodeName decides which endpoints are local for traffic policy Local.
	NodeName string
	// ClusterCIDR is the pod range; ClusterIP traffic from outside it is
	// masqueraded. Empty masquerades none.
	ClusterCIDR string
	// MinSyncPeriod is the least time between two syncs, so a burst of
	// changes is applied as one transaction. Default 10 ms.
	MinSyncPeriod time.Duration
	// SyncPeriod is how often the whole table is re-asserted even without
	// changes, repairing it if something else edited it. Default 30 s.
	SyncPeriod time.Duration
	// Log defaults to slog.Default().
	Log *slog.Logger
	// Apply runs an nft script in the node's network namespace. Default
	// NFT (`nft -f -` in the caller's namespace).
	Apply func(ctx context.Context, script string) error
	// ForgetUDP deletes stale UDP conntrack entries in the node's network
	// namespace after a change is applied. Default ForgetUDP (the
	// caller's namespace).
	ForgetUDP func(flows []UDPFlow) error
}

// Proxier keeps the node's service table in sync with the API: each change
// is applied as one incremental nft transaction, recompiling only the
// services it touched; the first sync and any sync after a failure replace
// the whole table.
type Proxier struct {
	cfg      Config
	services corelisters.ServiceLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced
	log      *slog.Logger
	kick     chan struct{}
	ready    chan struct{}

	mu    sync.Mutex
	dirty map[string]bool // namespace/name of services to recompile

	// Owned by the Run goroutine: what the kernel holds, unless !valid
	// (before the first sync, after a failed one), which forces a full
	// replace built from the listers.
	table *index
	valid bool
}

// New registers the Proxier's handlers on the factory's informers.
func New(cfg Config) *Proxier {
	if cfg.MinSyncPeriod == 0 {
		cfg.MinSyncPeriod = 10 * time.Millisecond
	}
	if cfg.SyncPeriod == 0 {
		cfg.SyncPeriod = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Apply == nil {
		cfg.Apply = NFT
	}
	if cfg.ForgetUDP == nil {
		cfg.ForgetUDP = ForgetUDP
	}
	svcInf := cfg.Informers.Core().V1().Services()
	sliceInf := cfg.Informers.Discovery().V1().EndpointSlices()
	p := &Proxier{
		cfg:      cfg,
		services: svcInf.Lister(),
		slices:   sliceInf.Lister(),
		synced:   []cache.InformerSynced{svcInf.Informer().HasSynced, sliceInf.Informer().HasSynced},
		log:      cfg.Log.With("component", "proxy"),
		kick:     make(chan struct{}, 1),
		ready:    make(chan struct{}),
		dirty:    map[string]bool{},
		table:    newIndex(),
	}
	// Registration only fails on a stopped informer, which a factory the
	// caller has not shut down never has.
	_, _ = svcInf.Informer().AddEventHandler(p.serviceHandler())
	_, _ = sliceInf.Informer().AddEventHandler(p.sliceHandler())
	return p
}

// Ready is closed once the table has been applied for the first time.
func (p *Proxier) Ready() <-chan struct{} { return p.ready }

// Run syncs until ctx ends; the table stays in place (Cleanup removes it).
func (p *Proxier) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), p.synced...) {
		return fmt.Errorf("proxy: wait for informers: %w", ctx.Err())
	}
	resync := time.NewTicker(p.cfg.SyncPeriod)
	defer resync.Stop()
	backoff := time.Duration(0)
	all := false
	for {
		start := time.Now()
		if err := p.safeSync(ctx, all); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			backoff = min(max(2*backoff, 100*time.Millisecond), p.cfg.SyncPeriod)
			p.log.Error("Syncing services failed, retrying with the whole table", "err", err, "retryIn", backoff)
			p.valid = false
			time.AfterFunc(backoff, p.trigger)
		} else {
			backoff = 0
		}
		all = false
		select {
		case <-ctx.Done():
			return nil
		case <-p.kick:
		case <-resync.C:
			all = true
		}
		// Coalesce a burst of events into one transaction.
		if wait := p.cfg.MinSyncPeriod - time.Since(start); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
		}
	}
}

// changedKeys lists a few of the services a failed sync touched, for the log.
func changedKeys(dirty map[string]bool) []string {
	keys := make([]string, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 5 {
		keys = append(keys[:5], fmt.Sprintf("and %d more", len(keys)-5))
	}
	return keys
}

// safeSync turns a panic in a sync into an error, so one bad object does
// not take the node's service rules down with the agent.
func (p *Proxier) safeSync(ctx context.Context, all bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sync panicked: %v", r)
		}
	}()
	return p.sync(ctx, all)
}

// trigger asks Run for a sync without blocking; pending requests merge.
func (p *Proxier) trigger() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}
