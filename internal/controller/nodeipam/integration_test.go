package nodeipam_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/nodeipam"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// runController runs a fresh controller against the server until the
// returned stop is called.
func runController(client kubernetes.Interface) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(client, 0)
	c := nodeipam.New(client, factory, record.NewFakeRecorder(100), nodeipam.Options{ClusterCIDR: "10.100.0.0/22"})
	done := make(chan struct{})
	go func() { c.Run(ctx, 2); close(done) }()
	factory.Start(ctx.Done())
	return func() { cancel(); <-done; factory.Shutdown() }
}

func podCIDR(t *testing.T, client kubernetes.Interface, name string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, err := client.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.Spec.PodCIDR != "" {
			if len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != n.Spec.PodCIDR {
				t.Fatalf("node %s podCIDR %q podCIDRs %v", name, n.Spec.PodCIDR, n.Spec.PodCIDRs)
			}
			return n.Spec.PodCIDR
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s never got a pod CIDR", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func createNode(t *testing.T, client kubernetes.Interface, name string) {
	t.Helper()
	if _, err := client.CoreV1().Nodes().Create(context.Background(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestAgainstServer assigns blocks through a real API server, survives a
// controller restart without handing a block out twice, and reuses a
// deleted node's block once the cluster CIDR is otherwise full.
func TestAgainstServer(t *testing.T) {
	env := testenv.Start(t, "")
	client := env.Client
	stop := runController(client)
	got := map[string]string{}
	for _, n := range []string{"n1", "n2"} {
		createNode(t, client, n)
		got[n] = podCIDR(t, client, n)
	}
	stop()

	stop = runController(client)
	defer func() { stop() }()
	for _, n := range []string{"n3", "n4"} {
		createNode(t, client, n)
		got[n] = podCIDR(t, client, n)
	}
	seen := map[string]string{}
	for n, cidr := range got {
		if other, dup := seen[cidr]; dup {
			t.Fatalf("%s and %s both got %s (all: %v)", n, other, cidr, got)
		}
		seen[cidr] = n
	}

	// A /22 holds four /24s: n5 waits until n2 is deleted, then gets its block.
	createNode(t, client, "n5")
	if err := client.CoreV1().Nodes().Delete(context.Background(), "n2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if cidr := podCIDR(t, client, "n5"); cidr != got["n2"] {
		t.Fatalf("n5 got %s, want n2's freed %s", cidr, got["n2"])
	}
}
