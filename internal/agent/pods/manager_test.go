package pods

import (
	"context"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunUpdateKill(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	h := newHarness(t, rt, pod)
	h.m.Update(pod) // before Run: started by Run
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	phase := func() v1.PodPhase {
		p, err := h.client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return ""
		}
		return p.Status.Phase
	}
	eventually(t, "pod running", func() bool { return phase() == v1.PodRunning })

	// An exit is noticed on the periodic resync.
	id := h.running("app").Id
	rt.SetExited(id, 1, "Error")
	eventually(t, "restart", func() bool {
		h.clock.Step(resyncPeriod)
		for _, c := range h.containers("app") {
			if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING && c.Id != id {
				return true
			}
		}
		return false
	})

	h.m.Kill(h.pod(pod), "Evicted", "The node was low on resource: memory.")
	eventually(t, "pod failed", func() bool { return phase() == v1.PodFailed })
	got := h.pod(pod)
	if got.Status.Reason != "Evicted" || got.Status.Message != "The node was low on resource: memory." {
		t.Errorf("reason %q message %q", got.Status.Reason, got.Status.Message)
	}
	for _, c := range rt.Containers() {
		if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			t.Errorf("container %s still running", c.Id)
		}
	}
	if sb := rt.Sandboxes(); sb[0].State == runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Error("sandbox still ready")
	}

	h.m.Delete(got)
	eventually(t, "cleanup", func() bool { return len(rt.Sandboxes()) == 0 && len(rt.Containers()) == 0 })
	eventually(t, "worker gone", func() bool {
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		return len(h.m.workers) == 0
	})
}

func TestRemoveOrphans(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	h := newHarness(t, rt, pod)
	h.sync(pod)
	kept := testPod(v1.RestartPolicyAlways, "app")
	kept.Name, kept.UID = "kept", "uid-2"
	if _, err := h.client.CoreV1().Pods("default").Create(t.Context(), kept, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.sync(kept)

	// A new agent learns only of "kept": "web" was deleted while it was down.
	h.m = h.manager()
	h.m.Update(h.pod(kept))
	if err := h.m.RemoveOrphans(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !h.syncWorker(pod.UID) {
		t.Fatal("orphan worker not finished")
	}
	for _, sb := range rt.Sandboxes() {
		if sb.Labels[labelPodUID] != "uid-2" {
			t.Errorf("orphan sandbox %s left", sb.Id)
		}
	}
	if len(rt.Sandboxes()) != 1 || len(h.containers("app")) != 1 {
		t.Errorf("kept pod lost: %d sandboxes, %d containers", len(rt.Sandboxes()), len(h.containers("app")))
	}
}
