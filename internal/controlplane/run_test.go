package controlplane_test

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/controlplane"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// Two control planes elect one leader; when it stops, the other takes over.
func TestLeaderElection(t *testing.T) {
	env := testenv.Start(t, "")
	leases := env.Client.CoordinationV1().Leases(metav1.NamespaceSystem)
	start := func(id string) (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = controlplane.Run(ctx, controlplane.Config{REST: env.Config, Scheduler: true, Identity: id,
				LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond})
		}()
		return func() { cancel(); <-done }
	}
	holder := func() string {
		l, err := leases.Get(context.Background(), "kube-scheduler", metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}
	waitFor := func(want ...string) string {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			h := holder()
			for _, w := range want {
				if h == w {
					return h
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("lease holder %q, want one of %v", holder(), want)
		return ""
	}
	stopA := start("a")
	waitFor("a")
	stopB := start("b")
	defer stopB()
	time.Sleep(time.Second) // b campaigns against a valid lease
	if h := holder(); h != "a" {
		t.Fatalf("holder %q while a runs, want a", h)
	}
	stopA()
	waitFor("b")
}
