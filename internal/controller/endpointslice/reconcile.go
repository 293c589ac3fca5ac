package endpointslice

import (
	"sort"

	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

// plan is what sync must write to turn the existing slices into the desired ones.
type plan struct {
	create []*discoveryv1.EndpointSlice
	update []*discoveryv1.EndpointSlice
	delete []*discoveryv1.EndpointSlice
}

// reconcile fits the desired endpoints into the existing slices with as
// few writes as possible: endpoints stay in the slice that has them, new
// ones fill free room before new slices are made, and a slice is written
// only when its content changes. tmpl carries the metadata (labels, owner,
// generateName) every slice must have.
func reconcile(existing []*discoveryv1.EndpointSlice, groups map[string]*group, tmpl *discoveryv1.EndpointSlice) plan {
	var p plan
	newSlice := func(ports []discoveryv1.EndpointPort) *discoveryv1.EndpointSlice {
		s := tmpl.DeepCopy()
		s.Ports = ports
		return s
	}
	sort.Slice(existing, func(i, j int) bool { return existing[i].Name < existing[j].Name })
	placed := map[string]map[string]bool{} // port key -> pod names already in a slice
	byKey := map[string][]*discoveryv1.EndpointSlice{}
	var spare []*discoveryv1.EndpointSlice // slices of port sets no longer wanted
	for _, old := range existing {
		key := portsKey(old.Ports)
		g, ok := groups[key]
		if !ok {
			spare = append(spare, old.DeepCopy())
			continue
		}
		s := old.DeepCopy()
		s.Endpoints = s.Endpoints[:0]
		if placed[key] == nil {
			placed[key] = map[string]bool{}
		}
		for _, ep := range old.Endpoints {
			name := podName(ep)
			want, ok := g.endpoints[name]
			if !ok || placed[key][name] {
				continue
			}
			placed[key][name] = true
			s.Endpoints = append(s.Endpoints, want)
		}
		byKey[key] = append(byKey[key], s)
	}

	var keys []string
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var fresh []*discoveryv1.EndpointSlice
	for _, key := range keys {
		g := groups[key]
		var names []string
		for name := range g.endpoints {
			if !placed[key][name] {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		slices := byKey[key]
		for _, name := range names {
			s := roomIn(slices)
			if s == nil && len(spare) > 0 {
				// Reuse an unwanted slice rather than delete one and create another.
				s, spare = spare[0], spare[1:]
				s.Ports, s.Endpoints = g.ports, nil
				slices = append(slices, s)
			}
			if s == nil {
				s = newSlice(g.ports)
				slices = append(slices, s)
				fresh = append(fresh, s)
			}
			s.Endpoints = append(s.Endpoints, g.endpoints[name])
		}
		byKey[key] = slices
	}

	isFresh := map[*discoveryv1.EndpointSlice]bool{}
	for _, s := range fresh {
		isFresh[s] = true
		p.create = append(p.create, s)
	}
	oldByName := map[string]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		oldByName[s.Name] = s
	}
	var kept []*discoveryv1.EndpointSlice
	for _, key := range keys {
		for _, s := range byKey[key] {
			if isFresh[s] {
				continue
			}
			if len(s.Endpoints) == 0 {
				spare = append(spare, s)
				continue
			}
			kept = append(kept, s)
		}
	}
	// A Service with no endpoints keeps one empty placeholder slice, so
	// consumers can tell "no endpoints" from "not yet processed".
	if len(kept) == 0 && len(fresh) == 0 {
		if len(spare) > 0 {
			s := spare[0]
			spare = spare[1:]
			s.Ports, s.Endpoints = []discoveryv1.EndpointPort{}, nil
			kept = append(kept, s)
		} else {
			p.create = append(p.create, newSlice([]discoveryv1.EndpointPort{}))
		}
	}
	for _, s := range kept {
		stamp(s, tmpl)
		if changed(oldByName[s.Name], s) {
			p.update = append(p.update, s)
		}
	}
	p.delete = spare
	return p
}

func roomIn(slices []*discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
	for _, s := range slices {
		if len(s.Endpoints) < maxEndpoints {
			return s
		}
	}
	return nil
}

func podName(ep discoveryv1.Endpoint) string {
	if ep.TargetRef != nil {
		return ep.TargetRef.Name
	}
	return ""
}

func changed(old, cur *discoveryv1.EndpointSlice) bool {
	return !apiequality.Semantic.DeepEqual(old.Endpoints, cur.Endpoints) ||
		!apiequality.Semantic.DeepEqual(old.Ports, cur.Ports) ||
		!apiequality.Semantic.DeepEqual(old.Labels, cur.Labels) ||
		!apiequality.Semantic.DeepEqual(old.OwnerReferences, cur.OwnerReferences) ||
		old.AddressType != cur.AddressType
}

// stamp gives a kept slice the template's labels, owner and address type,
// in case someone edited them.
func stamp(s, tmpl *discoveryv1.EndpointSlice) {
	s.Labels = map[string]string{}
	for k, v := range tmpl.Labels {
		s.Labels[k] = v
	}
	s.OwnerReferences = tmpl.DeepCopy().OwnerReferences
	s.AddressType = tmpl.AddressType
}
