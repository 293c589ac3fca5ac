package endpointslice

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testPod(name string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	var n int
	_, _ = fmt.Sscanf(name, "p%d", &n)
	ip := fmt.Sprintf("10.1.%d.%d", n/250, n%250+1)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{
			Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func testService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "svc-uid"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: "10.0.0.10",
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}}},
	}
}

func pods(n int) []*corev1.Pod {
	var out []*corev1.Pod
	for i := 0; i < n; i++ {
		out = append(out, testPod(fmt.Sprintf("p%d", i), true))
	}
	return out
}

func noZone(string) string { return "" }

// settle applies a plan as the server would, naming created slices.
func settle(p plan, existing []*discoveryv1.EndpointSlice) []*discoveryv1.EndpointSlice {
	byName := map[string]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		byName[s.Name] = s
	}
	for i, s := range p.create {
		s = s.DeepCopy()
		s.Name = fmt.Sprintf("web-new%d-%d", len(byName), i)
		byName[s.Name] = s
	}
	for _, s := range p.update {
		byName[s.Name] = s
	}
	for _, s := range p.delete {
		delete(byName, s.Name)
	}
	var out []*discoveryv1.EndpointSlice
	for _, s := range byName {
		out = append(out, s)
	}
	return out
}

func sizes(slices []*discoveryv1.EndpointSlice) []int {
	var out []int
	for _, s := range slices {
		out = append(out, len(s.Endpoints))
	}
	return out
}

func TestReconcile(t *testing.T) {
	svc := testService()
	tmpl := template(svc)
	run := func(existing []*discoveryv1.EndpointSlice, ps []*corev1.Pod) plan {
		return reconcile(existing, desired(svc, ps, noZone), tmpl)
	}

	t.Run("first sync creates one slice", func(t *testing.T) {
		p := run(nil, pods(3))
		if len(p.create) != 1 || len(p.update)+len(p.delete) != 0 || len(p.create[0].Endpoints) != 3 {
			t.Fatalf("plan = %d/%d/%d, want one create of 3", len(p.create), len(p.update), len(p.delete))
		}
		s := p.create[0]
		if *s.Ports[0].Port != 8080 || s.AddressType != discoveryv1.AddressTypeIPv4 || s.GenerateName != "web-" ||
			s.Labels[discoveryv1.LabelServiceName] != "web" || s.Labels[discoveryv1.LabelManagedBy] != managedBy ||
			s.OwnerReferences[0].UID != "svc-uid" {
			t.Fatalf("slice metadata wrong: %+v", s)
		}
	})

	t.Run("no pods makes a placeholder", func(t *testing.T) {
		p := run(nil, nil)
		if len(p.create) != 1 || len(p.create[0].Endpoints) != 0 || len(p.create[0].Ports) != 0 {
			t.Fatalf("plan = %+v, want one empty placeholder", p)
		}
		// And a placeholder that exists is left alone.
		if p2 := run(settle(p, nil), nil); len(p2.create)+len(p2.update)+len(p2.delete) != 0 {
			t.Fatalf("second plan = %+v, want nothing", p2)
		}
	})

	t.Run("steady state writes nothing", func(t *testing.T) {
		existing := settle(run(nil, pods(150)), nil)
		if p := run(existing, pods(150)); len(p.create)+len(p.update)+len(p.delete) != 0 {
			t.Fatalf("plan = %d/%d/%d, want nothing", len(p.create), len(p.update), len(p.delete))
		}
	})

	t.Run("250 pods make slices of at most 100", func(t *testing.T) {
		p := run(nil, pods(250))
		if got := sizes(p.create); len(got) != 3 || got[0] != 100 || got[1] != 100 || got[2] != 50 {
			t.Fatalf("created sizes = %v", got)
		}
	})

	t.Run("a new pod goes into free room, a full slice is untouched", func(t *testing.T) {
		existing := settle(run(nil, pods(150)), nil)
		p := run(existing, pods(151))
		if len(p.create) != 0 || len(p.update) != 1 || len(p.update[0].Endpoints) != 51 || len(p.delete) != 0 {
			t.Fatalf("plan = %d/%d/%d sizes %v", len(p.create), len(p.update), len(p.delete), sizes(p.update))
		}
	})

	t.Run("replacing one pod updates one slice in place", func(t *testing.T) {
		existing := settle(run(nil, pods(3)), nil)
		next := append(pods(3)[1:], testPod("p9", true))
		p := run(existing, next)
		if len(p.create)+len(p.delete) != 0 || len(p.update) != 1 {
			t.Fatalf("plan = %d/%d/%d", len(p.create), len(p.update), len(p.delete))
		}
		var names []string
		for _, ep := range p.update[0].Endpoints {
			names = append(names, ep.TargetRef.Name)
		}
		if fmt.Sprint(names) != "[p1 p2 p9]" {
			t.Fatalf("endpoints = %v, want kept order then the new pod", names)
		}
	})

	t.Run("a port change reuses the slice", func(t *testing.T) {
		existing := settle(run(nil, pods(2)), nil)
		svc2 := testService()
		svc2.Spec.Ports[0].TargetPort = intstr.FromInt32(9000)
		p := reconcile(existing, desired(svc2, pods(2), noZone), template(svc2))
		if len(p.create)+len(p.delete) != 0 || len(p.update) != 1 || *p.update[0].Ports[0].Port != 9000 {
			t.Fatalf("plan = %d/%d/%d", len(p.create), len(p.update), len(p.delete))
		}
	})

	t.Run("emptied extra slices are deleted", func(t *testing.T) {
		first := run(nil, pods(150))
		var keep []*corev1.Pod
		for _, ep := range first.create[0].Endpoints[:10] {
			keep = append(keep, testPod(ep.TargetRef.Name, true))
		}
		p := run(settle(first, nil), keep)
		if len(p.create) != 0 || len(p.delete) != 1 || len(p.update) != 1 {
			t.Fatalf("plan = %d/%d/%d", len(p.create), len(p.update), len(p.delete))
		}
	})
}

func TestEndpointConditions(t *testing.T) {
	now := metav1.Now()
	terminating := testPod("p1", true)
	terminating.DeletionTimestamp = &now
	notReady := testPod("p2", false)
	tests := []struct {
		name                          string
		pod                           *corev1.Pod
		publish                       bool
		ready, serving, terminatingOK bool
	}{
		{"ready", testPod("p0", true), false, true, true, false},
		{"not ready", notReady, false, false, false, false},
		{"terminating but serving", terminating, false, false, true, true},
		{"publishNotReadyAddresses", notReady, true, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := testService()
			svc.Spec.PublishNotReadyAddresses = tt.publish
			ep := endpoint(svc, tt.pod, "10.1.0.1", func(string) string { return "zone-a" })
			c := ep.Conditions
			if *c.Ready != tt.ready || *c.Serving != tt.serving || *c.Terminating != tt.terminatingOK {
				t.Fatalf("conditions ready=%v serving=%v terminating=%v", *c.Ready, *c.Serving, *c.Terminating)
			}
			if *ep.Zone != "zone-a" || *ep.NodeName != "node-1" || ep.TargetRef.Name != tt.pod.Name {
				t.Fatalf("endpoint = %+v", ep)
			}
		})
	}
}
