package proxy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Render returns an nft script replacing the whole table with the rules
// for s in one transaction: declaring the table first makes the delete
// succeed when it does not exist yet, and nft applies the file atomically,
// so packets see either the old table or the new one.
func Render(s State) string {
	return renderFull(compile(s))
}

func renderFull(rs *ruleset) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table ip %[1]s\ndelete table ip %[1]s\ntable ip %[1]s {\n", TableName)
	for _, name := range slices.Sorted(maps.Keys(rs.sets)) {
		fmt.Fprintf(&b, "\tset %s { %s }\n", name, setSpec(rs.sets[name]))
	}
	for _, name := range slices.Sorted(maps.Keys(rs.dnat)) {
		m := rs.dnat[name]
		writeMapBlock(&b, m.named(name), m.elems)
	}
	// Endpoint chains before the chains jumping to them, and all of them
	// before the maps and fixed chains naming them.
	names := slices.SortedFunc(maps.Keys(rs.chains), chainOrder)
	for _, name := range names {
		writeChainBlock(&b, name, "", rs.chains[name])
	}
	for _, m := range mapTypes {
		writeMapBlock(&b, m, rs.maps[m.name])
	}
	for _, c := range fixedChains(rs.cidr) {
		writeChainBlock(&b, c.name, c.hook, c.rules)
	}
	b.WriteString("}\n")
	return b.String()
}

func writeMapBlock(b *strings.Builder, m named, elems map[string]string) {
	fmt.Fprintf(b, "\t%s %s { %s;", m.kind(), m.name, m.decl)
	if len(elems) > 0 {
		b.WriteString(" elements = {")
		for i, k := range slices.Sorted(maps.Keys(elems)) {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n\t\t")
			b.WriteString(m.element(k, elems[k]))
		}
		b.WriteString(" }")
	}
	b.WriteString(" }\n")
}

func writeChainBlock(b *strings.Builder, name, hook string, rules []string) {
	fmt.Fprintf(b, "\tchain %s {\n", name)
	if hook != "" {
		fmt.Fprintf(b, "\t\t%s\n", hook)
	}
	for _, r := range rules {
		b.WriteString("\t\t")
		b.WriteString(r)
		b.WriteString("\n")
	}
	b.WriteString("\t}\n")
}

func setSpec(timeout int32) string {
	return fmt.Sprintf("type ipv4_addr; flags dynamic,timeout; timeout %ds;", timeout)
}

// chainOrder sorts endpoint chains first, then service chains, then
// external chains (which jump to service chains), each by name.
func chainOrder(a, b string) int {
	if ra, rb := chainRank(a), chainRank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

func chainRank(name string) int {
	switch {
	case strings.HasPrefix(name, "ep-"):
		return 0
	case strings.HasPrefix(name, "svc-"):
		return 1
	default:
		return 2
	}
}
