package routes

import (
	"net/netip"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// node is a Node named name with the given pod CIDRs (spec.podCIDRs when
// more than one) and InternalIP ip ("" for none).
func node(name, ip string, cidrs ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if len(cidrs) == 1 {
		n.Spec.PodCIDR = cidrs[0]
	} else if len(cidrs) > 1 {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = cidrs[0], cidrs
	}
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}}
	if ip != "" {
		n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: ip})
	}
	return n
}

func route(dst, via, node string) Route {
	return Route{Dst: netip.MustParsePrefix(dst), Via: netip.MustParseAddr(via), Node: node}
}

func TestDesired(t *testing.T) {
	tests := []struct {
		name      string
		nodes     []*corev1.Node
		want      []Route
		wantSkips []Skip
	}{
		{"own node skipped", []*corev1.Node{node("a", "192.168.1.1", "10.244.0.0/24")}, nil, nil},
		{"two others, sorted by destination", []*corev1.Node{
			node("c", "192.168.1.3", "10.244.2.0/24"),
			node("a", "192.168.1.1", "10.244.0.0/24"),
			node("b", "192.168.1.2", "10.244.1.0/24"),
		}, []Route{route("10.244.1.0/24", "192.168.1.2", "b"), route("10.244.2.0/24", "192.168.1.3", "c")}, nil},
		{"no pod CIDR or InternalIP yet", []*corev1.Node{
			node("a", "192.168.1.1", "10.244.0.0/24"),
			node("b", "", "10.244.1.0/24"),
			node("c", "192.168.1.3"),
		}, nil, []Skip{{Node: "b", Reason: ReasonNoInternalIP}, {Node: "c", Reason: ReasonNoPodCIDR}}},
		{"dual stack: IPv4 entries only, host bits masked", []*corev1.Node{
			node("b", "192.168.1.2", "fd00:1::/64", "10.244.1.9/24"),
		}, []Route{route("10.244.1.0/24", "192.168.1.2", "b")}, nil},
		{"IPv6-only node", []*corev1.Node{node("b", "192.168.1.2", "fd00:1::/64")},
			nil, []Skip{{Node: "b", Reason: ReasonNoPodCIDR}}},
		{"IPv6 InternalIP ignored", []*corev1.Node{func() *corev1.Node {
			n := node("b", "fd00::2", "10.244.1.0/24")
			n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "192.168.1.2"})
			return n
		}()}, []Route{route("10.244.1.0/24", "192.168.1.2", "b")}, nil},
		{"ExternalIP is no next hop", []*corev1.Node{func() *corev1.Node {
			n := node("b", "", "10.244.1.0/24")
			n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: "203.0.113.2"})
			return n
		}()}, nil, []Skip{{Node: "b", Reason: ReasonNoInternalIP}}},
		{"overlap with own CIDR and between others: first by name wins", []*corev1.Node{
			node("z", "192.168.1.9", "10.244.0.0/16"),
			node("c", "192.168.1.3", "10.244.1.0/24"),
			node("b", "192.168.1.2", "10.244.1.0/24"),
			node("a", "192.168.1.1", "10.244.0.0/24"),
		}, []Route{route("10.244.1.0/24", "192.168.1.2", "b")}, []Skip{
			{Node: "c", CIDR: "10.244.1.0/24", Reason: ReasonOverlap},
			{Node: "z", CIDR: "10.244.0.0/16", Reason: ReasonOverlap},
		}},
		{"own node absent from the list", []*corev1.Node{node("b", "192.168.1.2", "10.244.1.0/24")},
			[]Route{route("10.244.1.0/24", "192.168.1.2", "b")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, skips := Desired(tt.nodes, "a")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("routes = %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(skips, tt.wantSkips) {
				t.Errorf("skips = %v, want %v", skips, tt.wantSkips)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	b := route("10.244.1.0/24", "192.168.1.2", "b")
	c := route("10.244.2.0/24", "192.168.1.3", "c")
	cMoved := route("10.244.2.0/24", "192.168.1.4", "c")
	read := func(r Route) Route { r.Node = ""; return r }
	gone := read(route("10.244.7.0/24", "192.168.1.7", ""))
	noVia := Route{Dst: netip.MustParsePrefix("10.244.1.0/24")}
	tests := []struct {
		name             string
		desired, current []Route
		replace, remove  []Route
	}{
		{"empty", nil, nil, nil, nil},
		{"all new", []Route{b, c}, nil, []Route{b, c}, nil},
		{"in sync", []Route{b, c}, []Route{read(b), read(c)}, nil, nil},
		{"next hop moved", []Route{b, cMoved}, []Route{read(b), read(c)}, []Route{cMoved}, nil},
		{"node gone", []Route{b}, []Route{read(b), gone}, nil, []Route{gone}},
		{"route without a gateway replaced", []Route{b}, []Route{noVia}, []Route{b}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			replace, remove := Diff(tt.desired, tt.current)
			if !reflect.DeepEqual(replace, tt.replace) || !reflect.DeepEqual(remove, tt.remove) {
				t.Errorf("Diff = replace %v remove %v, want %v %v", replace, remove, tt.replace, tt.remove)
			}
		})
	}
}

func TestRelevant(t *testing.T) {
	base := node("b", "192.168.1.2", "10.244.1.0/24")
	heartbeat := base.DeepCopy()
	heartbeat.ResourceVersion = "7"
	heartbeat.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	tests := []struct {
		name string
		cur  *corev1.Node
		want bool
	}{
		{"heartbeat", heartbeat, false},
		{"pod CIDR assigned", node("b", "192.168.1.2", "10.244.2.0/24"), true},
		{"address changed", node("b", "192.168.1.5", "10.244.1.0/24"), true},
		{"address lost", node("b", "", "10.244.1.0/24"), true},
		{"IPv6 CIDR added", node("b", "192.168.1.2", "10.244.1.0/24", "fd00::/64"), false},
	}
	for _, tt := range tests {
		if got := relevant(base, tt.cur); got != tt.want {
			t.Errorf("%s: relevant = %v, want %v", tt.name, got, tt.want)
		}
	}
}
