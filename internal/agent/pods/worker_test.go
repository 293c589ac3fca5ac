package pods

import (
	"slices"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func count(calls []string, method string) int {
	n := 0
	for _, c := range calls {
		if c == method {
			n++
		}
	}
	return n
}

func TestStartAndAdopt(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app", "log")
	h := newHarness(t, rt, pod)
	h.sync(pod)

	calls := rt.Calls()
	if count(calls, "RunPodSandbox") != 1 || count(calls, "CreateContainer") != 2 || count(calls, "StartContainer") != 2 {
		t.Fatalf("calls = %v", calls)
	}
	got := h.pod(pod)
	if got.Status.Phase != v1.PodRunning || got.Status.PodIP == "" || got.Status.HostIP != "192.0.2.1" {
		t.Fatalf("status = %+v", got.Status)
	}
	for _, cs := range got.Status.ContainerStatuses {
		if cs.State.Running == nil || !cs.Ready || cs.ContainerID == "" {
			t.Errorf("container status %+v", cs)
		}
	}
	if c := condition(got.Status.Conditions, v1.PodReady); c == nil || c.Status != v1.ConditionTrue {
		t.Errorf("Ready = %+v", c)
	}
	ev := h.events()
	if !hasEvent(ev, "Normal Created Created container: app") || !hasEvent(ev, "Normal Started Started container app") {
		t.Errorf("events = %v", ev)
	}

	// A new agent over the same runtime adopts what runs.
	before := len(rt.Calls())
	h.m = h.manager()
	h.sync(pod)
	after := rt.Calls()[before:]
	for _, c := range []string{"RunPodSandbox", "CreateContainer", "StartContainer", "StopContainer", "StopPodSandbox"} {
		if slices.Contains(after, c) {
			t.Errorf("adoption called %s: %v", c, after)
		}
	}
}

func TestCrashLoopBackOff(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	h := newHarness(t, rt, pod)
	h.sync(pod)
	rt.SetExited(h.running("app").Id, 1, "Error")
	h.sync(pod) // the first exit restarts at once
	c := h.running("app")
	if c.Metadata.Attempt != 1 {
		t.Fatalf("attempt = %d, want 1", c.Metadata.Attempt)
	}
	rt.SetExited(c.Id, 1, "Error")
	h.events()
	h.sync(pod)
	st := h.pod(pod).Status.ContainerStatuses[0]
	wantMsg := "back-off 10s restarting failed container=app pod=web_default(uid-1)"
	if st.State.Waiting == nil || st.State.Waiting.Reason != "CrashLoopBackOff" || st.State.Waiting.Message != wantMsg {
		t.Fatalf("state = %+v", st.State)
	}
	if st.RestartCount != 1 || st.LastTerminationState.Terminated == nil || st.LastTerminationState.Terminated.ExitCode != 1 {
		t.Errorf("restartCount %d lastState %+v", st.RestartCount, st.LastTerminationState)
	}
	if h.pod(pod).Status.Phase != v1.PodRunning {
		t.Errorf("phase = %s", h.pod(pod).Status.Phase)
	}
	if ev := h.events(); !hasEvent(ev, "Warning BackOff Back-off restarting failed container app in pod web_default(uid-1)") {
		t.Errorf("events = %v", ev)
	}
	h.clock.Step(11 * time.Second)
	h.sync(pod)
	if c := h.running("app"); c.Metadata.Attempt != 2 {
		t.Fatalf("attempt = %d, want 2", c.Metadata.Attempt)
	}
	if n := len(h.containers("app")); n != 2 {
		t.Errorf("%d containers kept, want the running one and the last exited", n)
	}
	rt.SetExited(h.running("app").Id, 1, "Error")
	h.sync(pod)
	if w := h.pod(pod).Status.ContainerStatuses[0].State.Waiting; w == nil || w.Message != "back-off 20s restarting failed container=app pod=web_default(uid-1)" {
		t.Errorf("waiting = %+v", w)
	}
}

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

func TestLivenessRestart(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	h := newHarness(t, rt, pod)
	h.sync(pod)
	h.events()
	h.probes.liveFailed[h.running("app").Id] = true
	h.sync(pod)
	if c := h.running("app"); c.Metadata.Attempt != 1 {
		t.Fatalf("attempt = %d, want 1", c.Metadata.Attempt)
	}
	if ev := h.events(); !hasEvent(ev, "Normal Killing Container app failed liveness probe, will be restarted") {
		t.Errorf("events = %v", ev)
	}
	if st := h.pod(pod).Status.ContainerStatuses[0]; st.RestartCount != 1 || st.LastTerminationState.Terminated == nil {
		t.Errorf("status = %+v", st)
	}
}

func TestSandboxFailureRetried(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	h := newHarness(t, rt, pod)
	rt.FailNext("RunPodSandbox", errString("cni plugin not initialized"))
	h.sync(pod)
	if ev := h.events(); !hasEvent(ev, "Warning FailedCreatePodSandBox Failed to create pod sandbox: run sandbox of pod default/web: cni plugin not initialized") {
		t.Errorf("events = %v", ev)
	}
	if w := h.pod(pod).Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "ContainerCreating" {
		t.Errorf("waiting = %+v", w)
	}
	h.sync(pod) // within the back-off: no new attempt
	if n := count(rt.Calls(), "RunPodSandbox"); n != 1 {
		t.Errorf("RunPodSandbox called %d times within the back-off", n)
	}
	h.clock.Step(2 * time.Second)
	h.sync(pod)
	h.running("app")
}

type errString string

func (e errString) Error() string { return string(e) }

func condition(conds []v1.PodCondition, t v1.PodConditionType) *v1.PodCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

func TestStartFailuresBecomeWaitingReasons(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	h := newHarness(t, rt, pod)
	h.images.err = pullError{reason: "ErrImagePull", msg: `failed to pull and unpack image "busybox": not found`}
	h.sync(pod)
	if w := h.pod(pod).Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "ErrImagePull" || w.Message != h.images.err.Error() {
		t.Errorf("waiting = %+v", w)
	}
	h.images.err = nil
	h.builder.err = errString(`configmap "cfg" not found`)
	h.sync(pod)
	if w := h.pod(pod).Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "CreateContainerConfigError" || w.Message != `configmap "cfg" not found` {
		t.Errorf("waiting = %+v", w)
	}
	if ev := h.events(); !hasEvent(ev, `Warning Failed Error: configmap "cfg" not found`) {
		t.Errorf("events = %v", ev)
	}
	h.builder.err = nil
	h.sync(pod)
	h.running("app")
	if st := h.pod(pod).Status; st.Phase != v1.PodRunning || st.ContainerStatuses[0].State.Running == nil {
		t.Errorf("status = %+v", st)
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
