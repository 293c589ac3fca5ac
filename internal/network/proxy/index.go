package proxy

import (
	"maps"
	"slices"
	"strings"
)

// index is the table as the sum of its services' parts, changed a few
// services at a time without revisiting the others: an endpoint change
// then costs the Proxier that service's compile and a small diff, not a
// pass over thousands of services.
type index struct {
	frags map[string]*ruleset // by service namespace/name
	// claims holds, per map and key, the services wanting an element, in
	// service order: the first one's value is the element (two services
	// claiming one external IP and port), and a hairpin pair stays while
	// any endpoint of any service has that address.
	claims map[string]map[string][]claim
	rs     *ruleset // the sum
}

type claim struct{ svc, value string }

func newIndex() *index {
	x := &index{frags: map[string]*ruleset{}, claims: map[string]map[string][]claim{}, rs: newRuleset()}
	for _, m := range mapTypes {
		x.claims[m.name] = map[string][]claim{}
	}
	return x
}

// update replaces the parts of the given services (nil removes one) and
// returns the table before and after, restricted to what they touched, so
// renderDiff(before, after) is the transaction for the change.
func (x *index) update(frags map[string]*ruleset) (before, after *ruleset) {
	before, after = newRuleset(), newRuleset()
	touched := map[string]map[string]bool{}
	touch := func(f *ruleset) {
		for m, elems := range f.maps {
			if touched[m] == nil {
				touched[m] = map[string]bool{}
			}
			for k := range elems {
				touched[m][k] = true
			}
		}
	}
	for key, f := range frags {
		if old := x.frags[key]; old != nil {
			maps.Copy(before.chains, old.chains)
			maps.Copy(before.sets, old.sets)
			maps.Copy(before.dnat, old.dnat)
			touch(old)
		}
		if f != nil {
			maps.Copy(after.chains, f.chains)
			maps.Copy(after.sets, f.sets)
			maps.Copy(after.dnat, f.dnat)
			touch(f)
		}
	}
	for m, keys := range touched {
		for k := range keys {
			if v, ok := x.rs.maps[m][k]; ok {
				before.maps[m][k] = v
			}
		}
	}
	before.cidr = x.rs.cidr
	for key, f := range frags {
		x.replace(key, f)
	}
	x.rs.cidr = x.podCIDR()
	after.cidr = x.rs.cidr
	for m, keys := range touched {
		for k := range keys {
			if c := x.claims[m][k]; len(c) > 0 {
				x.rs.maps[m][k] = c[0].value
				after.maps[m][k] = c[0].value
			} else {
				delete(x.rs.maps[m], k)
			}
		}
	}
	return before, after
}

// fill builds a new index's table from every service's part: update
// without the before and after of a change, which a full sync never uses.
func (x *index) fill(frags map[string]*ruleset) {
	for key, f := range frags {
		x.replace(key, f)
	}
	x.rs.cidr = x.podCIDR()
	for m, elems := range x.claims {
		for k, c := range elems {
			if len(c) > 0 {
				x.rs.maps[m][k] = c[0].value
			}
		}
	}
}

// replace swaps one service's chains, sets and claims.
func (x *index) replace(key string, f *ruleset) {
	if old := x.frags[key]; old != nil {
		for c := range old.chains {
			delete(x.rs.chains, c)
		}
		for s := range old.sets {
			delete(x.rs.sets, s)
		}
		for m := range old.dnat {
			delete(x.rs.dnat, m)
		}
		for m, elems := range old.maps {
			for k := range elems {
				x.unclaim(m, k, key)
			}
		}
		delete(x.frags, key)
	}
	if f == nil {
		return
	}
	x.frags[key] = f
	maps.Copy(x.rs.chains, f.chains)
	maps.Copy(x.rs.sets, f.sets)
	maps.Copy(x.rs.dnat, f.dnat)
	for m, elems := range f.maps {
		for k, v := range elems {
			c := x.claims[m][k]
			i, _ := slices.BinarySearchFunc(c, key, func(c claim, svc string) int { return strings.Compare(c.svc, svc) })
			x.claims[m][k] = slices.Insert(c, i, claim{svc: key, value: v})
		}
	}
}

// podCIDR is the pod range the services were compiled for: the same for
// all of them, as a node has one; none without services, as a table
// compiled from scratch has.
func (x *index) podCIDR() string {
	for _, f := range x.frags {
		return f.cidr
	}
	return ""
}

func (x *index) unclaim(m, k, svc string) {
	c := slices.DeleteFunc(x.claims[m][k], func(c claim) bool { return c.svc == svc })
	if len(c) == 0 {
		delete(x.claims[m], k)
		return
	}
	x.claims[m][k] = c
}
