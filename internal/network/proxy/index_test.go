package proxy

import (
	"fmt"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

func TestIndexFirstServiceWinsASharedAddress(t *testing.T) {
	withIP := func(name string) *v1.Service {
		return service("default", name, "", func(s *v1.Service) { s.Spec.ClusterIP = "10.0.0.9"; s.Spec.ExternalIPs = []string{"192.0.2.1"} })
	}
	a, b := withIP("a"), withIP("b")
	b.Spec.ClusterIP = "10.0.0.10"
	sl := func(svc string) *discoveryv1.EndpointSlice {
		return slice("default", svc, svc+"-1", 80, ep{ip: "10.244.1.2"})
	}
	x := newIndex()
	x.update(map[string]*ruleset{
		"default/b": compileService(b, []*discoveryv1.EndpointSlice{sl("b")}, "", ""),
		"default/a": compileService(a, []*discoveryv1.EndpointSlice{sl("a")}, "", ""),
	})
	key := "192.0.2.1 . tcp . 80"
	if got := x.rs.maps[mapExternalIPs][key]; got != "goto "+serviceChain("default/a/tcp/http") {
		t.Fatalf("shared address goes to %q, want service a", got)
	}
	_, after := x.update(map[string]*ruleset{"default/a": nil})
	if got := after.maps[mapExternalIPs][key]; got != "goto "+serviceChain("default/b/tcp/http") {
		t.Fatalf("after a is gone the address goes to %q, want service b", got)
	}
	if _, ok := x.rs.maps[setHairpin]["10.244.1.2 . 10.244.1.2"]; !ok {
		t.Fatal("the hairpin pair left with a while b still uses the address")
	}
}

// TestIndexMatchesWholeCompiles changes a few services at a time: the
// index must hold what compiling everything again gives, and its
// transaction must be the one diffing two whole compiles gives.
func TestIndexMatchesWholeCompiles(t *testing.T) {
	x := newIndex()
	prev := State{NodeName: "node-a", ClusterCIDR: testCIDR}
	x.update(compileAll(prev))
	cur := bigState(30, 3)
	for step := range 12 {
		next := State{NodeName: cur.NodeName, ClusterCIDR: cur.ClusterCIDR}
		for i, s := range cur.Services {
			switch {
			case step%3 == 0 && i%7 == step%7:
				continue // service removed
			case step%3 == 1 && i%5 == 0:
				s = service(s.Namespace, s.Name, s.Spec.ClusterIP, nodePort(int32(31000+i)), affinity(int32(10+step)))
			}
			next.Services = append(next.Services, s)
		}
		for i, sl := range cur.EndpointSlices {
			if i%4 == step%4 {
				sl = slice(sl.Namespace, sl.Labels[discoveryv1.LabelServiceName], sl.Name, 8080,
					ep{ip: fmt.Sprintf("10.244.200.%d", step%3+1), node: "node-a"}, ep{ip: "10.244.201.1"})
			}
			next.EndpointSlices = append(next.EndpointSlices, sl)
		}
		changed := map[string]*ruleset{}
		nextFrags := compileAll(next)
		for k := range x.frags {
			if _, ok := nextFrags[k]; !ok {
				changed[k] = nil
			}
		}
		for k, f := range nextFrags {
			if !reflect.DeepEqual(f, x.frags[k]) {
				changed[k] = f
			}
		}
		before, after := x.update(changed)
		if got, want := renderDiff(before, after, false), RenderDiff(prev, next); got != want {
			t.Fatalf("step %d: incremental transaction\n%s\nwant\n%s", step, got, want)
		}
		if !reflect.DeepEqual(x.rs, compile(next)) {
			t.Fatalf("step %d: the index differs from a whole compile", step)
		}
		prev, cur = next, bigState(30, 3)
	}
}
