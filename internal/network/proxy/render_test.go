package proxy

import (
	"regexp"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

var (
	webKey   = portKey("default", "web", "tcp", "http", 80)
	webSvc   = serviceChain(webKey)
	webExt   = externalChain(webKey)
	twoReady = slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2", node: "node-a"}, ep{ip: "10.244.2.2", node: "node-b"})
)

// renderCase is a State and what its table must and must not contain.
type renderCase struct {
	name    string
	state   State
	want    []string
	notWant []string
}

// clusterCases are about ClusterIP traffic and choosing endpoints.
var clusterCases = []renderCase{{
	name:  "cluster IP load-balances over ready endpoints",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5")}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{
		"10.0.0.5 . tcp . 80 : goto " + webSvc,
		"meta l4proto tcp dnat ip to numgen random mod 2 map @" + endpointMapName(webSvc) + "\n",
		"map " + endpointMapName(webSvc) + " { typeof numgen random mod 1 : ip daddr . tcp dport; elements = {\n\t\t0 : 10.244.1.2 . 8080,\n\t\t1 : 10.244.2.2 . 8080 } }",
		"ip saddr . ip daddr @hairpin masquerade",
		"10.244.1.2 . 10.244.1.2",
	},
	notWant: []string{"jump mark-for-masquerade\n\t\tgoto", webExt},
}, {
	name: "only endpoints that may be on this node get a hairpin pair",
	state: State{NodeName: "node-a", Services: []*v1.Service{service("default", "web", "10.0.0.5")}, EndpointSlices: []*discoveryv1.EndpointSlice{
		slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2", node: "node-a"}, ep{ip: "10.244.2.2", node: "node-b"}, ep{ip: "10.244.3.2"}),
	}},
	want:    []string{"10.244.1.2 . 10.244.1.2", "10.244.3.2 . 10.244.3.2", "2 : 10.244.3.2 . 8080"},
	notWant: []string{"10.244.2.2 . 10.244.2.2"},
}, {
	name: "traffic from outside the cluster CIDR is masqueraded",
	state: State{ClusterCIDR: testCIDR, Services: []*v1.Service{service("default", "web", "10.0.0.5")},
		EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{"ip saddr != 10.244.0.0/16 ip daddr . meta l4proto . th dport @cluster-ips jump mark-for-masquerade\n" +
		"\t\tip daddr . meta l4proto . th dport vmap @cluster-ips\n"},
}, {
	name: "not-ready and terminating endpoints are left out",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5")}, EndpointSlices: []*discoveryv1.EndpointSlice{
		slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2"}, ep{ip: "10.244.1.3", notReady: true}, ep{ip: "10.244.1.4", terminating: true, serves: true}),
	}},
	want:    []string{"meta l4proto tcp dnat to 10.244.1.2:8080"},
	notWant: []string{"10.244.1.3", "10.244.1.4"},
}, {
	name: "serving terminating endpoints are used when none is ready",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5")}, EndpointSlices: []*discoveryv1.EndpointSlice{
		slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.3", notReady: true}, ep{ip: "10.244.1.4", terminating: true, serves: true}, ep{ip: "10.244.1.5", terminating: true}),
	}},
	want:    []string{"meta l4proto tcp dnat to 10.244.1.4:8080"},
	notWant: []string{"10.244.1.3", "10.244.1.5", "reject-chain\n"},
}, {
	name: "a named target port resolves per slice and a duplicate address counts once",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5")}, EndpointSlices: []*discoveryv1.EndpointSlice{
		slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2"}, ep{ip: "10.244.1.3", notReady: true}),
		slice("default", "web", "web-2", 9090, ep{ip: "10.244.2.2"}),
		slice("default", "web", "web-3", 8080, ep{ip: "10.244.1.2", notReady: true}, ep{ip: "10.244.1.3"}),
	}},
	want: []string{"numgen random mod 3 map @" + endpointMapName(webSvc) + "\n",
		"elements = {\n\t\t0 : 10.244.1.2 . 8080,\n\t\t1 : 10.244.1.3 . 8080,\n\t\t2 : 10.244.2.2 . 9090 }"},
}, {
	name: "session affinity records clients per endpoint and looks them up first",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5", affinity(0))},
		EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{
		"set " + affinitySet(webKey, "10.244.1.2:8080", 10800) + " { type ipv4_addr; flags dynamic,timeout; timeout 10800s; }",
		"ip saddr @" + affinitySet(webKey, "10.244.2.2:8080", 10800) + " goto " + endpointChain(webKey, "10.244.2.2:8080"),
		"numgen random mod 2 vmap { 0 : goto " + endpointChain(webKey, "10.244.1.2:8080"),
		"update @" + affinitySet(webKey, "10.244.1.2:8080", 10800) + " { ip saddr }\n\t\tmeta l4proto tcp dnat to 10.244.1.2:8080",
	},
}, {
	name: "session affinity timeout comes from the config",
	state: State{Services: []*v1.Service{service("default", "web", "10.0.0.5", affinity(60))},
		EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}},
	want: []string{"timeout 60s;"},
}}

// renderCases are the semantics Render must have, each a State and what
// its table must and must not contain.
var renderCases = append(clusterCases, externalCases...)

func TestRender(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			got := Render(tc.state)
			if !strings.HasPrefix(got, "table ip bosun-proxy\ndelete table ip bosun-proxy\ntable ip bosun-proxy {\n") {
				t.Errorf("the script does not replace the table atomically:\n%.200s", got)
			}
			checkScript(t, got, tc.want, tc.notWant)
			if again := Render(tc.state); again != got {
				t.Error("Render is not deterministic")
			}
		})
	}
}

// nftName is what nft's scanner accepts as an identifier.
var nftName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9/\-_.]*$`)

func TestNamesAreStableAndValid(t *testing.T) {
	key := portKey("my-namespace.x", "a-very-long-service-name-of-sixty-three-characters-xxxxxxxxxxx", "sctp", "", 65535)
	if key != "my-namespace.x/a-very-long-service-name-of-sixty-three-characters-xxxxxxxxxxx/sctp/65535" {
		t.Errorf("port key %q", key)
	}
	names := []string{serviceChain(key), externalChain(key), endpointChain(key, "10.244.255.254:65535"), affinitySet(key, "10.244.255.254:65535", 10800)}
	for _, n := range names {
		if !nftName.MatchString(n) || len(n) > 255 {
			t.Errorf("invalid nft name %q", n)
		}
	}
	if serviceChain(key) != names[0] || serviceChain(webKey) == names[0] {
		t.Error("chain names are not a function of the port key")
	}
	if affinitySet(key, "10.244.255.254:65535", 60) == names[3] {
		t.Error("a new affinity timeout must make a new set")
	}
}

// checkScript reports each of want missing from an nft script and each of
// notWant present.
func checkScript(t *testing.T, got string, want, notWant []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	for _, w := range notWant {
		if strings.Contains(got, w) {
			t.Errorf("unexpected %q in\n%s", w, got)
		}
	}
}
