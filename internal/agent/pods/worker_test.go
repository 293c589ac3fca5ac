package pods

import (
	"slices"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	v1 "k8s.io/api/core/v1"
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
	if ev := h.events(); !hasEvent(ev, "Warning Failed Error: ErrImagePull") {
		t.Errorf("events = %v", ev)
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
