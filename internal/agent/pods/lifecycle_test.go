package pods

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestInitContainersInOrder(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	pod.Spec.InitContainers = []v1.Container{{Name: "init1", Image: "busybox"}, {Name: "init2", Image: "busybox"}}
	h := newHarness(t, rt, pod)
	h.sync(pod)
	if len(h.containers("init2")) != 0 || len(h.containers("app")) != 0 {
		t.Fatal("init2 or app started before init1 finished")
	}
	got := h.pod(pod)
	if got.Status.Phase != v1.PodPending || got.Status.ContainerStatuses[0].State.Waiting.Reason != "PodInitializing" {
		t.Fatalf("status = %+v", got.Status)
	}
	if c := condition(got.Status.Conditions, v1.PodInitialized); c.Status != v1.ConditionFalse || c.Message != "containers with incomplete status: [init1 init2]" {
		t.Errorf("Initialized = %+v", c)
	}
	rt.SetExited(h.running("init1").Id, 1, "Error")
	h.sync(pod) // a failed init container is retried, the next one waits
	if len(h.containers("init2")) != 0 || h.running("init1").Metadata.Attempt != 1 {
		t.Fatal("init1 not retried before init2")
	}
	rt.SetExited(h.running("init1").Id, 0, "Completed")
	h.sync(pod)
	rt.SetExited(h.running("init2").Id, 0, "Completed")
	h.sync(pod)
	h.running("app")
	got = h.pod(pod)
	if c := condition(got.Status.Conditions, v1.PodInitialized); c.Status != v1.ConditionTrue {
		t.Errorf("Initialized = %+v", c)
	}
	if got.Status.InitContainerStatuses[1].State.Terminated == nil || got.Status.InitContainerStatuses[1].State.Terminated.Reason != "Completed" {
		t.Errorf("init2 status = %+v", got.Status.InitContainerStatuses[1])
	}
}

func TestSidecar(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyNever, "app")
	always := v1.ContainerRestartPolicyAlways
	pod.Spec.InitContainers = []v1.Container{{Name: "proxy", Image: "busybox", RestartPolicy: &always}, {Name: "setup", Image: "busybox"}}
	h := newHarness(t, rt, pod)
	h.probes.notStarted["container0002"] = true // the sidecar's startup probe has not passed
	h.sync(pod)
	h.sync(pod)
	if len(h.containers("setup")) != 0 {
		t.Fatal("setup started before the sidecar was started")
	}
	delete(h.probes.notStarted, "container0002")
	h.sync(pod)
	rt.SetExited(h.running("setup").Id, 0, "Completed")
	h.sync(pod)
	h.running("app")
	// The sidecar is restarted even under restartPolicy Never.
	rt.SetExited(h.running("proxy").Id, 1, "Error")
	h.sync(pod)
	if c := h.running("proxy"); c.Metadata.Attempt != 1 {
		t.Errorf("proxy attempt = %d", c.Metadata.Attempt)
	}
	// The app finishing finishes the pod and stops the sidecar.
	rt.SetExited(h.running("app").Id, 0, "Completed")
	h.sync(pod)
	if got := h.pod(pod).Status.Phase; got != v1.PodSucceeded {
		t.Fatalf("phase = %s", got)
	}
	for _, c := range rt.Containers() {
		if c.State == 1 {
			t.Errorf("container %s still running", c.Metadata.Name)
		}
	}
}

func TestGracefulDelete(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	pod.Spec.TerminationGracePeriodSeconds = new(int64(30))
	h := newHarness(t, rt, pod)
	logDir := t.TempDir()
	h.m.cfg.LogDir = logDir
	podLogs := filepath.Join(logDir, pod.Namespace+"_"+pod.Name+"_"+string(pod.UID), "app")
	if err := os.MkdirAll(podLogs, 0o755); err != nil {
		t.Fatal(err)
	}
	h.sync(pod)
	h.events()
	p := h.pod(pod)
	p.DeletionTimestamp = &metav1.Time{Time: h.clock.Now()}
	p.DeletionGracePeriodSeconds = new(int64(7))
	h.m.Update(p)
	if !h.syncWorker(p.UID) {
		t.Fatal("worker not finished after termination")
	}
	if !slices.Equal(rt.timeouts, []int64{7}) {
		t.Errorf("StopContainer timeouts = %v, want [7]", rt.timeouts)
	}
	if ev := h.events(); !hasEvent(ev, "Normal Killing Stopping container app") {
		t.Errorf("events = %v", ev)
	}
	if len(rt.Containers()) != 0 || len(rt.Sandboxes()) != 0 {
		t.Errorf("left %d containers, %d sandboxes", len(rt.Containers()), len(rt.Sandboxes()))
	}
	if len(h.volumes.torndown) != 1 {
		t.Error("volumes not torn down")
	}
	if _, err := os.Stat(filepath.Dir(podLogs)); !os.IsNotExist(err) {
		t.Errorf("pod log dir left behind: %v", err)
	}
	if _, err := h.client.CoreV1().Pods("default").Get(t.Context(), "web", metav1.GetOptions{}); err == nil {
		t.Error("pod object not deleted")
	}
}

func TestRestartPolicyPhases(t *testing.T) {
	tests := []struct {
		policy      v1.RestartPolicy
		exitCode    int32
		wantPhase   v1.PodPhase
		wantRestart bool
	}{
		{v1.RestartPolicyNever, 0, v1.PodSucceeded, false},
		{v1.RestartPolicyNever, 1, v1.PodFailed, false},
		{v1.RestartPolicyOnFailure, 0, v1.PodSucceeded, false},
		{v1.RestartPolicyOnFailure, 2, v1.PodRunning, true},
		{v1.RestartPolicyAlways, 0, v1.PodRunning, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			rt := &recordingRuntime{Runtime: fake.New()}
			pod := testPod(tt.policy, "app")
			h := newHarness(t, rt, pod)
			h.sync(pod)
			rt.SetExited(h.running("app").Id, tt.exitCode, "")
			h.sync(pod)
			if got := h.pod(pod).Status.Phase; got != tt.wantPhase {
				t.Errorf("phase = %s, want %s", got, tt.wantPhase)
			}
			if restarted := len(h.containers("app")) == 2; restarted != tt.wantRestart {
				t.Errorf("restarted = %v, want %v", restarted, tt.wantRestart)
			}
			if !tt.wantRestart {
				if sb := rt.Sandboxes()[0]; sb.State != 1 {
					t.Errorf("sandbox of a finished pod still ready")
				}
				if len(h.containers("app")) != 1 {
					t.Errorf("finished container removed")
				}
				h.sync(pod)
				if len(h.containers("app")) != 1 {
					t.Errorf("finished pod restarted")
				}
			}
		})
	}
}

func TestSandboxDiedIsRecreated(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	pod.Spec.InitContainers = []v1.Container{{Name: "init", Image: "busybox"}}
	h := newHarness(t, rt, pod)
	h.sync(pod)
	rt.SetExited(h.running("init").Id, 0, "Completed")
	h.sync(pod)
	h.running("app")
	if _, err := rt.StopPodSandbox(t.Context(), &runtimeapi.StopPodSandboxRequest{PodSandboxId: rt.Sandboxes()[0].Id}); err != nil {
		t.Fatal(err)
	}
	h.events()
	h.sync(pod)
	if ev := h.events(); !hasEvent(ev, "Normal SandboxChanged Pod sandbox changed, it will be killed and re-created.") {
		t.Errorf("events = %v", ev)
	}
	sbs := rt.Sandboxes()
	if len(sbs) != 2 || sbs[1].Metadata.Attempt != 1 || sbs[1].State != runtimeapi.PodSandboxState_SANDBOX_READY {
		t.Fatalf("sandboxes = %v", sbs)
	}
	// Initialization runs again in the new sandbox before the app restarts.
	if c := h.running("init"); c.Metadata.Attempt != 0 {
		t.Errorf("init attempt = %d", c.Metadata.Attempt)
	}
	if len(h.containers("app")) != 1 {
		t.Errorf("app restarted before init finished")
	}
}
