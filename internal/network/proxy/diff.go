package proxy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// RenderDiff returns an nft transaction turning the table for old, already
// in the kernel, into the table for new, touching only what changed: a
// single endpoint update rewrites one service's chains and map elements
// instead of thousands of chains. It returns "" when nothing changed.
func RenderDiff(old, new State) string {
	return renderDiff(compile(old), compile(new), false)
}

// renderDiff writes the transaction from old to new. With all set it
// re-asserts every chain, set and map of new whether it changed or not —
// the periodic resync repairing a table someone else edited — while
// keeping the affinity sets' contents, which deleting the table would lose.
//
// The order matters within the transaction: new sets and (empty) chains
// first so rules can name them; then the rules; then the map elements;
// then removed chains are flushed before any is deleted, since removed
// chains and old map elements may still point at each other.
func renderDiff(old, new *ruleset, all bool) string {
	var b strings.Builder
	t := TableName
	if all {
		fmt.Fprintf(&b, "add table ip %s\n", t)
		for _, m := range mapTypes {
			fmt.Fprintf(&b, "add %s ip %s %s { %s; }\n", m.kind(), t, m.name, m.decl)
		}
		for _, c := range fixedChains(new.cidr) {
			addChain(&b, c.name, c.hook)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(new.sets)) {
		if _, had := old.sets[name]; all || !had {
			fmt.Fprintf(&b, "add set ip %s %s { %s }\n", t, name, setSpec(new.sets[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(new.dnat)) {
		if _, had := old.dnat[name]; all || !had {
			fmt.Fprintf(&b, "add map ip %s %s { %s; }\n", t, name, new.dnat[name].named(name).decl)
		}
	}
	names := slices.SortedFunc(maps.Keys(new.chains), chainOrder)
	var rewrite []string
	for _, name := range names {
		oldRules, had := old.chains[name]
		switch {
		case all || !had:
			addChain(&b, name, "")
			rewrite = append(rewrite, name)
		case !slices.Equal(oldRules, new.chains[name]):
			rewrite = append(rewrite, name)
		}
	}
	for _, name := range rewrite {
		if _, had := old.chains[name]; had || all {
			fmt.Fprintf(&b, "flush chain ip %s %s\n", t, name)
		}
		for _, r := range new.chains[name] {
			fmt.Fprintf(&b, "add rule ip %s %s %s\n", t, name, r)
		}
	}
	for _, m := range mapTypes {
		writeMapDiff(&b, m, old.maps[m.name], new.maps[m.name], all)
	}
	for _, name := range slices.Sorted(maps.Keys(new.dnat)) {
		m := new.dnat[name]
		writeMapDiff(&b, m.named(name), old.dnat[name].elems, m.elems, all)
	}
	oldFixed := fixedChains(old.cidr)
	for i, c := range fixedChains(new.cidr) {
		if all || !slices.Equal(c.rules, oldFixed[i].rules) {
			fmt.Fprintf(&b, "flush chain ip %s %s\n", t, c.name)
			for _, r := range c.rules {
				fmt.Fprintf(&b, "add rule ip %s %s %s\n", t, c.name, r)
			}
		}
	}
	var removed []string
	for name := range old.chains {
		if _, keep := new.chains[name]; !keep {
			removed = append(removed, name)
		}
	}
	slices.Sort(removed)
	for _, name := range removed {
		fmt.Fprintf(&b, "flush chain ip %s %s\n", t, name)
	}
	for _, name := range removed {
		fmt.Fprintf(&b, "delete chain ip %s %s\n", t, name)
	}
	for _, name := range slices.Sorted(maps.Keys(old.sets)) {
		if _, keep := new.sets[name]; !keep {
			fmt.Fprintf(&b, "delete set ip %s %s\n", t, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(old.dnat)) {
		if _, keep := new.dnat[name]; !keep {
			fmt.Fprintf(&b, "delete map ip %s %s\n", t, name)
		}
	}
	return b.String()
}

func writeMapDiff(b *strings.Builder, m named, old, new map[string]string, all bool) {
	if all {
		fmt.Fprintf(b, "flush %s ip %s %s\n", m.kind(), TableName, m.name)
		old = nil
	}
	var del, add []string
	for k, v := range old {
		if nv, keep := new[k]; !keep || nv != v {
			del = append(del, k)
		}
	}
	for k, v := range new {
		if ov, had := old[k]; !had || ov != v {
			add = append(add, m.element(k, v))
		}
	}
	if len(del) > 0 {
		slices.Sort(del)
		fmt.Fprintf(b, "delete element ip %s %s { %s }\n", TableName, m.name, strings.Join(del, ", "))
	}
	if len(add) > 0 {
		slices.Sort(add)
		fmt.Fprintf(b, "add element ip %s %s { %s }\n", TableName, m.name, strings.Join(add, ", "))
	}
}

// addChain declares a chain; a base chain's hook is part of its declaration.
func addChain(b *strings.Builder, name, hook string) {
	if hook != "" {
		fmt.Fprintf(b, "add chain ip %s %s { %s }\n", TableName, name, hook)
		return
	}
	fmt.Fprintf(b, "add chain ip %s %s\n", TableName, name)
}
