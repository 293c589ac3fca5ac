package proxy

import (
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

func TestRenderDiff(t *testing.T) {
	web := service("default", "web", "10.0.0.5", nodePort(30080))
	base := State{Services: []*v1.Service{web}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}}
	oneReady := slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2"}, ep{ip: "10.244.2.2", notReady: true})
	sticky := service("default", "web", "10.0.0.5", nodePort(30080), affinity(60))
	stickier := service("default", "web", "10.0.0.5", nodePort(30080), affinity(90))
	for _, tc := range []struct {
		name     string
		old, new State
		want     []string
		notWant  []string
	}{{
		name: "nothing changed",
		old:  base, new: base,
	}, {
		name: "an endpoint leaving rewrites only its service's chain",
		old:  base,
		new:  State{Services: base.Services, EndpointSlices: []*discoveryv1.EndpointSlice{oneReady}},
		want: []string{
			"flush chain ip bosun-proxy " + webSvc + "\n",
			"add rule ip bosun-proxy " + webSvc + " meta l4proto tcp dnat to 10.244.1.2:8080\n",
			"delete element ip bosun-proxy hairpin { 10.244.2.2 . 10.244.2.2 }\n",
			"delete map ip bosun-proxy " + endpointMapName(webSvc) + "\n",
		},
		notWant: []string{"table", webExt, "cluster-ips", "nodeports"},
	}, {
		name: "an endpoint replaced by another only rewrites its element of the endpoint map",
		old:  base,
		new: State{Services: base.Services, EndpointSlices: []*discoveryv1.EndpointSlice{
			slice("default", "web", "web-1", 8080, ep{ip: "10.244.1.2"}, ep{ip: "10.244.3.2"})}},
		want: []string{
			"delete element ip bosun-proxy " + endpointMapName(webSvc) + " { 1 }\n",
			"add element ip bosun-proxy " + endpointMapName(webSvc) + " { 1 : 10.244.3.2 . 8080 }\n",
		},
		notWant: []string{"chain", "cluster-ips", "nodeports"},
	}, {
		name: "the last endpoint leaving turns the service into a reject",
		old:  base,
		new:  State{Services: base.Services},
		want: []string{
			"delete element ip bosun-proxy cluster-ips { 10.0.0.5 . tcp . 80 }\n",
			"add element ip bosun-proxy no-endpoint-services { 10.0.0.5 . tcp . 80 : goto reject-chain }\n",
			"add element ip bosun-proxy no-endpoint-nodeports { tcp . 30080 : goto reject-chain }\n",
			"flush chain ip bosun-proxy " + webSvc + "\ndelete chain ip bosun-proxy " + webSvc + "\n",
		},
	}, {
		name: "a new service adds its chains before its map elements",
		old:  State{},
		new:  base,
		want: []string{"add chain ip bosun-proxy " + webSvc + "\nadd rule"},
	}, {
		name: "a new affinity timeout replaces the sets",
		old:  State{Services: []*v1.Service{sticky}, EndpointSlices: base.EndpointSlices},
		new:  State{Services: []*v1.Service{stickier}, EndpointSlices: base.EndpointSlices},
		want: []string{
			"add set ip bosun-proxy " + affinitySet(webKey, "10.244.1.2:8080", 90) + " { type ipv4_addr; flags dynamic,timeout; timeout 90s; }\n",
			"delete set ip bosun-proxy " + affinitySet(webKey, "10.244.1.2:8080", 60) + "\n",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := RenderDiff(tc.old, tc.new)
			if len(tc.want) == 0 && got != "" {
				t.Fatalf("want no transaction, got\n%s", got)
			}
			checkScript(t, got, tc.want, tc.notWant)
		})
	}
}

func TestResyncReassertsEverything(t *testing.T) {
	s := State{Services: []*v1.Service{service("default", "web", "10.0.0.5", nodePort(30080))}, EndpointSlices: []*discoveryv1.EndpointSlice{twoReady}}
	rs := compile(s)
	got := renderDiff(rs, rs, true)
	for _, w := range []string{
		"add table ip bosun-proxy\n",
		"add chain ip bosun-proxy nat-prerouting { type nat hook prerouting priority dstnat; policy accept; }\n",
		"flush map ip bosun-proxy cluster-ips\nadd element ip bosun-proxy cluster-ips { 10.0.0.5 . tcp . 80 : goto " + webSvc + " }\n",
		"flush chain ip bosun-proxy " + webSvc + "\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	if strings.Contains(got, "delete") || strings.Contains(got, "flush set ip bosun-proxy aff") {
		t.Errorf("a resync must keep the table and its affinity sets:\n%s", got)
	}
}
