package proxy

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/bosun-dev/bosun/internal/network/cni"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// TestRenderedTablesLoad proves the generated syntax with the real nft.
func TestRenderedTablesLoad(t *testing.T) {
	needRoot(t)
	ns := newNetns(t)
	for _, tc := range renderCases {
		cmd := exec.Command("nsenter", "--net=/run/netns/"+ns, "nft", "-c", "-f", "-")
		cmd.Stdin = strings.NewReader(Render(tc.state))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: nft -c rejects the table: %v\n%s", tc.name, err, out)
		}
	}
}

// TestDiffsReachTheSameTable applies a chain of states incrementally in one
// namespace and from scratch in another: the kernel must end up holding
// the same table either way, and so after a resync.
func TestDiffsReachTheSameTable(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	inc, fresh := newNetns(t), newNetns(t)
	states := []State{{}}
	for _, tc := range renderCases {
		states = append(states, tc.state)
	}
	sticky := service("default", "web", "10.0.0.5", nodePort(30080), affinity(30))
	states = append(states,
		State{Services: []*v1.Service{sticky}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
		State{Services: []*v1.Service{sticky}, EndpointSlices: []*discoveryv1.EndpointSlice{
			slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2"})}},
		bigState(20, 3), State{})
	if err := nftIn(inc)(ctx, Render(states[0])); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(states); i++ {
		if err := nftIn(inc)(ctx, RenderDiff(states[i-1], states[i])); err != nil {
			t.Fatalf("diff to state %d: %v\n%s", i, err, RenderDiff(states[i-1], states[i]))
		}
		if err := nftIn(fresh)(ctx, Render(states[i])); err != nil {
			t.Fatalf("state %d: %v", i, err)
		}
		if got, want := listTable(t, inc), listTable(t, fresh); !slices.Equal(got, want) {
			t.Fatalf("state %d: incremental table differs from a fresh one:\n%s\n---- fresh:\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		rs := compile(states[i])
		if err := nftIn(inc)(ctx, renderDiff(rs, rs, true)); err != nil {
			t.Fatalf("resync of state %d: %v", i, err)
		}
		if got, want := listTable(t, inc), listTable(t, fresh); !slices.Equal(got, want) {
			t.Fatalf("state %d: table after resync differs from a fresh one", i)
		}
	}
}

// listTable is the table's listing as sorted items, so two tables holding
// the same chains, rules and elements in another order compare equal.
func listTable(t *testing.T, ns string) []string {
	t.Helper()
	out := run(t, "nsenter", "--net=/run/netns/"+ns, "nft", "list", "table", "ip", TableName)
	var items []string
	for _, l := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			items = append(items, l)
		}
	}
	slices.Sort(items)
	return items
}

func TestCleanup(t *testing.T) {
	needRoot(t)
	ns := newNetns(t)
	ctx := context.Background()
	if err := nftIn(ns)(ctx, Render(renderCases[0].state)); err != nil {
		t.Fatal(err)
	}
	err := inNetns(ns, func() error {
		for range 2 { // a missing table is fine
			if err := Cleanup(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nsenter", "--net=/run/netns/"+ns, "nft", "list", "tables").CombinedOutput(); err != nil || strings.Contains(string(out), TableName) {
		t.Fatalf("table left after Cleanup: %v %s", err, out)
	}
}

// prepareNode sets in the caller's namespace what the agent sets for
// Service traffic on a node.
func prepareNode() error {
	if err := cni.EnableForwarding(); err != nil {
		return err
	}
	return cni.EnableBridgeNetfilter()
}
