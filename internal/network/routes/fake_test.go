package routes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// fakeIP is an in-memory main routing table behind a Runner: it answers the
// few ip commands the package runs, as the kernel would.
type fakeIP struct {
	mu     sync.Mutex
	links  []netip.Prefix
	routes map[netip.Prefix]fakeRoute
	calls  []string // mutating commands, in order
}

type fakeRoute struct {
	via   netip.Addr
	proto string
}

func newFakeIP(links ...string) *fakeIP {
	f := &fakeIP{routes: map[netip.Prefix]fakeRoute{}}
	for _, l := range links {
		f.links = append(f.links, netip.MustParsePrefix(l))
	}
	return f
}

func (f *fakeIP) add(dst, via, proto string) {
	f.routes[netip.MustParsePrefix(dst)] = fakeRoute{netip.MustParseAddr(via), proto}
}

func (f *fakeIP) run(_ context.Context, args ...string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cmd := strings.Join(args, " ")
	switch {
	case cmd == "-j -4 route show table main proto "+Proto:
		var out []map[string]string
		for _, dst := range f.sorted() {
			if r := f.routes[dst]; r.proto == Proto {
				out = append(out, map[string]string{"dst": dst.String(), "gateway": r.via.String()})
			}
		}
		return json.Marshal(out)
	case cmd == "-j -4 route show table main scope link":
		var out []map[string]string
		for _, l := range f.links {
			out = append(out, map[string]string{"dst": l.String(), "dev": "eth0"})
		}
		return json.Marshal(out)
	case len(args) == 7 && args[0] == "route" && args[1] == "replace" && args[3] == "via" && args[5] == "proto":
		f.calls = append(f.calls, cmd)
		via := netip.MustParseAddr(args[4])
		if !slices.ContainsFunc(f.links, func(p netip.Prefix) bool { return p.Contains(via) }) {
			return nil, errors.New("Error: Nexthop has invalid gateway.")
		}
		f.routes[netip.MustParsePrefix(args[2])] = fakeRoute{via, args[6]}
		return nil, nil
	case len(args) == 5 && args[0] == "route" && args[1] == "del" && args[3] == "proto":
		f.calls = append(f.calls, cmd)
		dst := netip.MustParsePrefix(args[2])
		if r, ok := f.routes[dst]; !ok || r.proto != args[4] {
			return nil, errors.New("RTNETLINK answers: No such process")
		}
		delete(f.routes, dst)
		return nil, nil
	}
	return nil, fmt.Errorf("fake ip: unexpected command %q", cmd)
}

func (f *fakeIP) sorted() []netip.Prefix {
	var dsts []netip.Prefix
	for d := range f.routes {
		dsts = append(dsts, d)
	}
	slices.SortFunc(dsts, comparePrefix)
	return dsts
}

// table is the routes as "dst via proto" lines, sorted.
func (f *fakeIP) table() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range f.sorted() {
		r := f.routes[d]
		out = append(out, d.String()+" via "+r.via.String()+" "+r.proto)
	}
	return out
}

// takeCalls returns the mutating commands run since the last call.
func (f *fakeIP) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}
