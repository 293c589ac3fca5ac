package node_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"github.com/bosun-dev/bosun/internal/agent/node"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// The test sits outside package node because testenv's server embeds the
// agent, which imports node.

// switchableNetwork is the fake runtime with a network the test can take
// down while Run reads its status concurrently.
type switchableNetwork struct {
	*fake.Runtime
	down atomic.Bool
}

func (s *switchableNetwork) Status(context.Context, *runtimeapi.StatusRequest, ...grpc.CallOption) (*runtimeapi.StatusResponse, error) {
	network := &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Status: true}
	if s.down.Load() {
		network = &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Reason: "NetworkPluginNotReady", Message: "cni plugin not initialized"}
	}
	return &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true}, network}}}, nil
}

func TestAgainstAPIServer(t *testing.T) {
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt := &switchableNetwork{Runtime: fake.New()}
	n := node.New(node.Config{
		Client: env.Client, NodeName: "it-node", NodeIP: "10.0.0.9", Hostname: "it-node",
		Runtime: rt, Images: rt,
		Capacity: func() (corev1.ResourceList, error) {
			return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("2Gi")}, nil
		},
		StatusInterval: 100 * time.Millisecond, RenewInterval: 100 * time.Millisecond,
	})
	if err := n.Register(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	defer func() { cancel(); <-done }()

	leases := env.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	var first time.Time
	waitFor(t, "lease created and owned by the node", func() bool {
		l, err := leases.Get(ctx, "it-node", metav1.GetOptions{})
		if err != nil || l.Spec.RenewTime == nil || len(l.OwnerReferences) != 1 || l.OwnerReferences[0].UID != n.UID() {
			return false
		}
		first = l.Spec.RenewTime.Time
		return true
	})
	waitFor(t, "lease renewed", func() bool {
		l, err := leases.Get(ctx, "it-node", metav1.GetOptions{})
		return err == nil && l.Spec.RenewTime.Time.After(first)
	})
	ready := func(want corev1.ConditionStatus) func() bool {
		return func() bool {
			got, err := env.Client.CoreV1().Nodes().Get(ctx, "it-node", metav1.GetOptions{})
			if err != nil {
				return false
			}
			for _, c := range got.Status.Conditions {
				if c.Type == corev1.NodeReady {
					return c.Status == want
				}
			}
			return false
		}
	}
	waitFor(t, "node Ready", ready(corev1.ConditionTrue))
	rt.down.Store(true)
	waitFor(t, "node NotReady when the runtime network is down", ready(corev1.ConditionFalse))
	rt.down.Store(false)
	waitFor(t, "node Ready again", ready(corev1.ConditionTrue))
	waitFor(t, "NodeNotReady event posted", func() bool {
		evs, err := env.Client.CoreV1().Events(metav1.NamespaceDefault).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		for _, e := range evs.Items {
			if e.Reason == "NodeNotReady" && e.Source.Component == "kubelet" && e.InvolvedObject.Name == "it-node" {
				return true
			}
		}
		return false
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
