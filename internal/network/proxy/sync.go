package proxy

import (
	"context"
	"fmt"
	"maps"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// sync applies the services changed since the last sync as one
// incremental transaction; all rebuilds the whole table from the listers
// and re-asserts every object of it.
func (p *Proxier) sync(ctx context.Context, all bool) error {
	p.mu.Lock()
	dirty := p.dirty
	p.dirty = map[string]bool{}
	p.mu.Unlock()
	if !p.valid || all {
		return p.syncAll(ctx, all)
	}
	frags := make(map[string]*ruleset, len(dirty))
	for key := range dirty {
		f, err := p.compile(key)
		if err != nil {
			return err
		}
		frags[key] = f
	}
	stale := p.staleUDP(frags)
	before, after := p.table.update(frags)
	if script := renderDiff(before, after, false); script != "" {
		if err := p.cfg.Apply(ctx, script); err != nil {
			return fmt.Errorf("apply services %v: %w", changedKeys(dirty), err)
		}
	}
	p.forget(stale)
	return nil
}

// staleUDP lists the conntrack entries that replacing these services'
// parts leaves stale.
func (p *Proxier) staleUDP(frags map[string]*ruleset) []UDPFlow {
	var flows []UDPFlow
	for key, f := range frags {
		flows = append(flows, staleUDP(p.table.frags[key], f)...)
	}
	return flows
}

// forget deletes stale UDP conntrack entries once the new rules are in;
// failing leaves entries to idle out, which is no reason to fail the sync.
func (p *Proxier) forget(flows []UDPFlow) {
	if len(flows) == 0 {
		return
	}
	if err := p.cfg.ForgetUDP(flows); err != nil {
		p.log.Error("Forgetting stale UDP conntrack entries failed", "err", err, "flows", len(flows))
	}
}

// syncAll builds the table from the listers: a full replace when the
// kernel's table is unknown, else a re-assertion keeping affinity sets.
func (p *Proxier) syncAll(ctx context.Context, all bool) error {
	svcs, err := p.services.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list services: %w", err)
	}
	sl, err := p.slices.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("list endpoint slices: %w", err)
	}
	frags := compileAll(State{NodeName: p.cfg.NodeName, ClusterCIDR: p.cfg.ClusterCIDR, Services: svcs, EndpointSlices: sl})
	changed := maps.Clone(frags)
	for key := range p.table.frags {
		if _, ok := frags[key]; !ok {
			changed[key] = nil
		}
	}
	stale := p.staleUDP(changed)
	fresh := newIndex()
	fresh.fill(frags)
	script := renderFull(fresh.rs)
	if p.valid && all {
		script = renderDiff(p.table.rs, fresh.rs, true)
	}
	if err := p.cfg.Apply(ctx, script); err != nil {
		return fmt.Errorf("apply all %d services: %w", len(svcs), err)
	}
	p.table, p.valid = fresh, true
	p.forget(stale)
	select {
	case <-p.ready:
	default:
		close(p.ready)
		p.log.Info("Service rules applied", "services", len(svcs))
	}
	return nil
}

// compile builds one service's part from the listers; nil when the
// service is gone.
func (p *Proxier) compile(key string) (*ruleset, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, fmt.Errorf("service key %q: %w", key, err)
	}
	svc, err := p.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get service %s: %w", key, err)
	}
	sel := labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name})
	sl, err := p.slices.EndpointSlices(ns).List(sel)
	if err != nil {
		return nil, fmt.Errorf("list endpoint slices of service %s: %w", key, err)
	}
	return compileService(svc, sl, p.cfg.NodeName, p.cfg.ClusterCIDR), nil
}
