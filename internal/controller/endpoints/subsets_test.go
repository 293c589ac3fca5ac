package endpoints

//lint:file-ignore SA1019 the Endpoints API is deprecated but still served, and this controller is what keeps it filled.

import (
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func testPod(name, ip string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{
			Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func testService(target intstr.IntOrString) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: "10.0.0.10",
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: target, Protocol: corev1.ProtocolTCP}}},
	}
}

func TestBuildSubsets(t *testing.T) {
	now := metav1.Now()
	terminating := testPod("gone", "10.1.0.9", true)
	terminating.DeletionTimestamp = &now
	noIP := testPod("pending", "", false)
	finished := testPod("done", "10.1.0.8", false)
	finished.Spec.RestartPolicy = corev1.RestartPolicyNever
	finished.Status.Phase = corev1.PodSucceeded
	otherPort := testPod("other", "10.1.0.7", true)
	otherPort.Spec.Containers[0].Ports[0].ContainerPort = 9090

	tests := []struct {
		name       string
		target     intstr.IntOrString
		publish    bool
		pods       []*corev1.Pod
		wantReady  [][]string // per subset
		wantNot    [][]string
		wantPorts  []int32
		wantSubset int
	}{
		{name: "named port, ready and not ready", target: intstr.FromString("http"),
			pods:      []*corev1.Pod{testPod("b", "10.1.0.2", true), testPod("a", "10.1.0.1", true), testPod("c", "10.1.0.3", false)},
			wantReady: [][]string{{"10.1.0.1", "10.1.0.2"}}, wantNot: [][]string{{"10.1.0.3"}}, wantPorts: []int32{8080}},
		{name: "terminating, unaddressed and finished pods are left out", target: intstr.FromInt32(8080),
			pods:      []*corev1.Pod{testPod("a", "10.1.0.1", true), terminating, noIP, finished},
			wantReady: [][]string{{"10.1.0.1"}}, wantNot: [][]string{nil}, wantPorts: []int32{8080}},
		{name: "publishNotReadyAddresses makes every pod ready", target: intstr.FromInt32(8080), publish: true,
			pods:      []*corev1.Pod{testPod("c", "10.1.0.3", false), terminating},
			wantReady: [][]string{{"10.1.0.3", "10.1.0.9"}}, wantNot: [][]string{nil}, wantPorts: []int32{8080}},
		{name: "named ports resolving differently split subsets", target: intstr.FromString("http"),
			pods:      []*corev1.Pod{testPod("a", "10.1.0.1", true), otherPort},
			wantReady: [][]string{{"10.1.0.1"}, {"10.1.0.7"}}, wantNot: [][]string{nil, nil}, wantPorts: []int32{8080, 9090}},
		{name: "unresolvable named port drops the pod", target: intstr.FromString("grpc"),
			pods: []*corev1.Pod{testPod("a", "10.1.0.1", true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := testService(tt.target)
			svc.Spec.PublishNotReadyAddresses = tt.publish
			subsets, truncated := buildSubsets(svc, tt.pods)
			if truncated {
				t.Fatal("unexpected truncation")
			}
			if len(subsets) != len(tt.wantReady) {
				t.Fatalf("subsets = %+v, want %d", subsets, len(tt.wantReady))
			}
			for i, ss := range subsets {
				if got := ips(ss.Addresses); !equal(got, tt.wantReady[i]) {
					t.Errorf("subset %d ready = %v, want %v", i, got, tt.wantReady[i])
				}
				if got := ips(ss.NotReadyAddresses); !equal(got, tt.wantNot[i]) {
					t.Errorf("subset %d not ready = %v, want %v", i, got, tt.wantNot[i])
				}
				if len(ss.Ports) != 1 || ss.Ports[0].Port != tt.wantPorts[i] || ss.Ports[0].Name != "http" {
					t.Errorf("subset %d ports = %+v, want %d", i, ss.Ports, tt.wantPorts[i])
				}
			}
			if len(subsets) > 0 {
				a := subsets[0].Addresses[0]
				if a.NodeName == nil || *a.NodeName != "node-1" || a.TargetRef == nil || a.TargetRef.Kind != "Pod" {
					t.Errorf("address lacks nodeName or targetRef: %+v", a)
				}
			}
		})
	}
}

func TestBuildSubsetsHeadlessWithoutPorts(t *testing.T) {
	svc := testService(intstr.FromInt32(80))
	svc.Spec.ClusterIP = corev1.ClusterIPNone
	svc.Spec.Ports = nil
	subsets, _ := buildSubsets(svc, []*corev1.Pod{testPod("a", "10.1.0.1", true)})
	if len(subsets) != 1 || len(subsets[0].Ports) != 0 || len(subsets[0].Addresses) != 1 {
		t.Fatalf("subsets = %+v, want one portless subset", subsets)
	}
}

func TestBuildSubsetsCapsAddresses(t *testing.T) {
	var pods []*corev1.Pod
	for i := 0; i < maxAddresses+5; i++ {
		ip := "10.2." + itoa(i/250) + "." + itoa(i%250)
		pods = append(pods, testPod("p"+itoa(i), ip, i%2 == 0))
	}
	subsets, truncated := buildSubsets(testService(intstr.FromInt32(8080)), pods)
	if !truncated {
		t.Fatal("want truncation")
	}
	n := len(subsets[0].Addresses) + len(subsets[0].NotReadyAddresses)
	if n != maxAddresses || len(subsets[0].Addresses) != (maxAddresses+6)/2 {
		t.Fatalf("kept %d addresses (%d ready), want %d with every ready one", n, len(subsets[0].Addresses), maxAddresses)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func ips(a []corev1.EndpointAddress) []string {
	var out []string
	for _, x := range a {
		out = append(out, x.IP)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
