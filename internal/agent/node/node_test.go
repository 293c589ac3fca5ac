package node

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"github.com/bosun-dev/bosun/internal/version"
)

type harness struct {
	client   *kubefake.Clientset
	cri      *fake.Runtime
	recorder *record.FakeRecorder
	clock    *clocktesting.FakeClock
	cidrs    []string
	node     *Node
}

func newHarness(t *testing.T, objects ...runtime.Object) *harness {
	t.Helper()
	h := &harness{
		client:   kubefake.NewClientset(objects...),
		cri:      fake.New(),
		recorder: record.NewFakeRecorder(100),
		clock:    clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
	h.cri.AddImage("registry.local/pause:3.10")
	h.node = New(Config{
		Client: h.client, NodeName: "n1", NodeIP: "10.0.0.5", Hostname: "host-1",
		Labels:  map[string]string{"role": "worker"},
		Runtime: h.cri, Images: h.cri,
		Capacity: func() (corev1.ResourceList, error) {
			return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")}, nil
		},
		PodCIDRReady: func(cidr string) { h.cidrs = append(h.cidrs, cidr) },
		Recorder:     h.recorder, Clock: h.clock,
	})
	return h
}

func (h *harness) events() []string {
	var out []string
	for {
		select {
		case e := <-h.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func (h *harness) get(t *testing.T) *corev1.Node {
	t.Helper()
	n, err := h.client.CoreV1().Nodes().Get(context.Background(), "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRegisterCreatesNode(t *testing.T) {
	h := newHarness(t)
	if err := h.node.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := h.get(t)
	for k, v := range map[string]string{"kubernetes.io/hostname": "host-1", "kubernetes.io/os": "linux", "beta.kubernetes.io/os": "linux", "role": "worker"} {
		if n.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, n.Labels[k], v)
		}
	}
	if !hasTaint(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}) {
		t.Errorf("taints = %v, want not-ready NoSchedule", n.Spec.Taints)
	}
	st := n.Status
	if st.NodeInfo.ContainerRuntimeVersion != "fake://1.0.0" || st.NodeInfo.KubeletVersion != version.GitVersion() || st.NodeInfo.OperatingSystem != "linux" {
		t.Errorf("nodeInfo = %+v", st.NodeInfo)
	}
	if want := []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.5"}, {Type: corev1.NodeHostName, Address: "host-1"}}; !slices.Equal(st.Addresses, want) {
		t.Errorf("addresses = %v", st.Addresses)
	}
	if st.DaemonEndpoints.KubeletEndpoint.Port != 10250 {
		t.Errorf("kubelet port = %d", st.DaemonEndpoints.KubeletEndpoint.Port)
	}
	if p, m := st.Capacity[corev1.ResourcePods], st.Allocatable[corev1.ResourceMemory]; p.Value() != 110 || m.Cmp(resource.MustParse("3996Mi")) != 0 {
		t.Errorf("capacity %v allocatable %v", st.Capacity, st.Allocatable)
	}
	if len(st.Images) != 1 || st.Images[0].Names[0] != "registry.local/pause:3.10" {
		t.Errorf("images = %v", st.Images)
	}
	if r := find(st.Conditions, corev1.NodeReady); r == nil || r.Status != corev1.ConditionTrue {
		t.Errorf("ready = %+v", r)
	}
	want := []string{"Normal Starting Starting kubelet.", "Normal NodeHasSufficientMemory Node n1 status is now: NodeHasSufficientMemory",
		"Normal NodeHasNoDiskPressure Node n1 status is now: NodeHasNoDiskPressure", "Normal NodeHasSufficientPID Node n1 status is now: NodeHasSufficientPID"}
	if got := h.events(); !slices.Equal(got, want) {
		t.Errorf("events\n%q\nwant\n%q", got, want)
	}
	if h.node.UID() != n.UID {
		t.Errorf("uid %q, want %q", h.node.UID(), n.UID)
	}
}

func TestRegisterAdoptsExistingNode(t *testing.T) {
	existing := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "u1", Labels: map[string]string{"keep": "me", "role": "old"}},
		Spec:       corev1.NodeSpec{PodCIDR: "10.244.1.0/24", Taints: []corev1.Taint{{Key: "custom", Effect: corev1.TaintEffectNoSchedule}}},
	}
	h := newHarness(t, existing)
	ctx := context.Background()
	if err := h.node.Register(ctx); err != nil {
		t.Fatal(err)
	}
	n := h.get(t)
	if n.Spec.PodCIDR != "10.244.1.0/24" || len(n.Spec.Taints) != 1 {
		t.Errorf("spec changed: %+v", n.Spec)
	}
	if n.Labels["keep"] != "me" || n.Labels["role"] != "worker" || n.Labels["kubernetes.io/hostname"] != "host-1" {
		t.Errorf("labels = %v", n.Labels)
	}
	if h.node.UID() != "u1" {
		t.Errorf("uid = %q", h.node.UID())
	}
	if _, err := h.node.syncStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.cidrs, []string{"10.244.1.0/24"}) {
		t.Errorf("PodCIDRReady calls = %v, want one", h.cidrs)
	}
}

func TestStatusFollowsRuntimeNetwork(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.node.Register(ctx); err != nil {
		t.Fatal(err)
	}
	h.events()
	readyAt := find(h.get(t).Status.Conditions, corev1.NodeReady).LastTransitionTime

	h.cri.NetworkReady = false
	h.clock.Step(10 * time.Second)
	if _, err := h.node.syncStatus(ctx); err != nil {
		t.Fatal(err)
	}
	r := find(h.get(t).Status.Conditions, corev1.NodeReady)
	if r.Status != corev1.ConditionFalse || r.Reason != "KubeletNotReady" ||
		!strings.HasPrefix(r.Message, "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady") {
		t.Errorf("ready = %+v", r)
	}
	if r.LastTransitionTime.Equal(&readyAt) {
		t.Error("transition time did not move")
	}
	if got := h.events(); !slices.Equal(got, []string{"Normal NodeNotReady Node n1 status is now: NodeNotReady"}) {
		t.Errorf("events = %q", got)
	}

	h.cri.NetworkReady = true
	h.clock.Step(10 * time.Second)
	if _, err := h.node.syncStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if r := find(h.get(t).Status.Conditions, corev1.NodeReady); r.Status != corev1.ConditionTrue || !r.LastHeartbeatTime.Time.Equal(h.clock.Now()) {
		t.Errorf("ready = %+v", r)
	}
}

func TestStatusConflictIsRetried(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.node.Register(ctx); err != nil {
		t.Fatal(err)
	}
	conflicts := 0
	h.client.PrependReactor("update", "nodes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" && conflicts == 0 {
			conflicts++
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "nodes"}, "n1", nil)
		}
		return false, nil, nil
	})
	h.clock.Step(10 * time.Second)
	if _, err := h.node.syncStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if r := find(h.get(t).Status.Conditions, corev1.NodeReady); conflicts != 1 || !r.LastHeartbeatTime.Time.Equal(h.clock.Now()) {
		t.Errorf("conflicts %d, heartbeat %v", conflicts, r.LastHeartbeatTime)
	}
}

func TestLeaseRenewal(t *testing.T) {
	h := newHarness(t, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "u1"}})
	ctx := context.Background()
	if err := h.node.Register(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.node.renewLease(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Step(10 * time.Second)
	if err := h.node.renewLease(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := h.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *l.Spec.HolderIdentity != "n1" || *l.Spec.LeaseDurationSeconds != 40 || !l.Spec.RenewTime.Time.Equal(h.clock.Now()) {
		t.Errorf("lease spec = %+v", l.Spec)
	}
	if len(l.OwnerReferences) != 1 || l.OwnerReferences[0].Kind != "Node" || l.OwnerReferences[0].UID != "u1" {
		t.Errorf("owner = %+v", l.OwnerReferences)
	}
	var verbs []string
	for _, a := range h.client.Actions() {
		if a.GetResource().Resource == "leases" {
			verbs = append(verbs, a.GetVerb())
		}
	}
	if want := []string{"get", "create", "update", "get"}; !slices.Equal(verbs, want) {
		t.Errorf("lease actions %v, want %v", verbs, want)
	}
}

// A node name given to the agent acts as kubelet's --hostname-override: it
// is also the hostname label and address, so two agents on one host are
// two topology domains.
func TestHostnameDefaultsToNodeName(t *testing.T) {
	r := fake.New()
	for _, tc := range []struct{ nodeName, hostname, wantHostname string }{
		{nodeName: "node-a", wantHostname: "node-a"},
		{nodeName: "node-a", hostname: "box", wantHostname: "box"},
	} {
		cfg, err := Config{Client: kubefake.NewClientset(), Runtime: r, Images: r, NodeName: tc.nodeName, Hostname: tc.hostname, NodeIP: "10.0.0.1"}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Hostname != tc.wantHostname || cfg.NodeName != tc.nodeName {
			t.Errorf("node %q hostname %q: got node %q hostname %q, want hostname %q", tc.nodeName, tc.hostname, cfg.NodeName, cfg.Hostname, tc.wantHostname)
		}
	}
}

func TestUntilReadyPostsSoonAfterTheNetwork(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.cri.NetworkReady = false
	if err := h.node.Register(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); h.node.untilReady(ctx) }()
	for !h.clock.HasWaiters() {
		time.Sleep(time.Millisecond)
	}
	h.cri.NetworkReady = true
	h.clock.Step(fastStatusInterval)
	<-done
	if r := find(h.get(t).Status.Conditions, corev1.NodeReady); r.Status != corev1.ConditionTrue {
		t.Errorf("ready = %+v, want True one fast interval after the network", r)
	}
}
