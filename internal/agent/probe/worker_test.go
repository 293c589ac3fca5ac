package probe

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

// scripted answers exec probes from a settable exit code.
type scripted struct {
	mu   sync.Mutex
	exit int32
	runs int
}

func (s *scripted) set(code int32) { s.mu.Lock(); s.exit = code; s.mu.Unlock() }

func (s *scripted) exec(string, []string) (*runtimeapi.ExecSyncResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs++
	if s.exit != 0 {
		return &runtimeapi.ExecSyncResponse{ExitCode: s.exit, Stdout: []byte("boom")}, nil
	}
	return &runtimeapi.ExecSyncResponse{}, nil
}

type harness struct {
	m        *Manager
	clock    *clocktesting.FakeClock
	script   *scripted
	recorder *record.FakeRecorder
	pod      *v1.Pod
	status   *v1.PodStatus
	id       string
	changes  chan types.UID
}

func newHarness(t *testing.T, c v1.Container) *harness {
	rt := fake.New()
	h := &harness{clock: clocktesting.NewFakeClock(time.Unix(1000, 0)), script: &scripted{}, recorder: record.NewFakeRecorder(100), changes: make(chan types.UID, 100)}
	rt.ExecSyncFunc = h.script.exec
	h.id = "containerd://" + runningContainer(t, rt)
	h.m = NewManager(rt, h.recorder, h.clock, func(uid types.UID) { h.changes <- uid })
	h.pod = &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1"}, Spec: v1.PodSpec{Containers: []v1.Container{c}}}
	h.status = &v1.PodStatus{PodIP: "10.1.0.5", ContainerStatuses: []v1.ContainerStatus{{
		Name: c.Name, ContainerID: h.id,
		State: v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: metav1.NewTime(h.clock.Now())}},
	}}}
	t.Cleanup(h.m.Stop)
	return h
}

// worker returns the (not started) worker Update would run, for stepping by hand.
func (h *harness) worker(kind Kind) *worker {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.m.workers[resultKey{runtimeID(h.id), kind}]
}

func execProbe(initialDelay, success, failure int32) *v1.Probe {
	return &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"check"}}},
		InitialDelaySeconds: initialDelay, PeriodSeconds: 10, SuccessThreshold: success, FailureThreshold: failure}
}

// register records the container without starting worker goroutines, so a
// test drives step itself.
func (h *harness) register() {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	c := &h.pod.Spec.Containers[0]
	id := runtimeID(h.id)
	h.m.podIPs[h.pod.UID] = h.status.PodIP
	h.m.containers[id] = &containerInfo{podUID: h.pod.UID, name: c.Name, hasStartup: c.StartupProbe != nil, hasReadiness: c.ReadinessProbe != nil}
	for kind, spec := range map[Kind]*v1.Probe{Startup: c.StartupProbe, Liveness: c.LivenessProbe, Readiness: c.ReadinessProbe} {
		if spec == nil {
			continue
		}
		w := &worker{m: h.m, kind: kind, podUID: h.pod.UID, ref: &v1.ObjectReference{Namespace: "ns", Name: "p"}, container: *c, spec: spec,
			containerID: h.id, startedAt: h.clock.Now(), lastResult: initialResult(kind), cancel: func() {}, done: make(chan struct{})}
		close(w.done)
		h.m.results[resultKey{id, kind}] = w.lastResult
		h.m.workers[resultKey{id, kind}] = w
	}
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

func TestReadinessThresholds(t *testing.T) {
	h := newHarness(t, v1.Container{Name: "app", ReadinessProbe: execProbe(5, 2, 2)})
	h.register()
	w := h.worker(Readiness)
	ctx := context.Background()
	if h.m.Ready(h.id) {
		t.Fatal("ready before any probe")
	}
	w.step(ctx) // within initialDelaySeconds: not run
	if h.script.runs != 0 {
		t.Fatalf("probe ran during the initial delay")
	}
	h.clock.Step(5 * time.Second)
	w.step(ctx)
	if h.m.Ready(h.id) {
		t.Fatal("ready after 1 success with successThreshold 2")
	}
	w.step(ctx)
	if !h.m.Ready(h.id) {
		t.Fatal("not ready after 2 successes")
	}
	h.script.set(1)
	w.step(ctx)
	if !h.m.Ready(h.id) {
		t.Fatal("unready after 1 failure with failureThreshold 2")
	}
	w.step(ctx)
	if h.m.Ready(h.id) {
		t.Fatal("still ready after 2 failures")
	}
	if ev := h.events(); len(ev) != 2 || ev[0] != "Warning Unhealthy Readiness probe failed: boom" {
		t.Errorf("events = %q", ev)
	}
	if failed, _ := h.m.LivenessFailed(h.id); failed {
		t.Error("readiness failure counted as liveness failure")
	}
	if n := len(h.changes); n != 2 {
		t.Errorf("onChange called %d times, want 2", n)
	}
}

func TestStartupGatesLiveness(t *testing.T) {
	h := newHarness(t, v1.Container{Name: "app", StartupProbe: execProbe(0, 1, 2), LivenessProbe: execProbe(0, 1, 1)})
	h.register()
	ctx := context.Background()
	startup, liveness := h.worker(Startup), h.worker(Liveness)
	h.script.set(1)
	liveness.step(ctx)
	if h.script.runs != 0 {
		t.Fatal("liveness probed before startup succeeded")
	}
	startup.step(ctx)
	if h.m.Started(h.id) || h.m.Ready(h.id) {
		t.Fatal("started after a failed startup probe")
	}
	h.script.set(0)
	startup.step(ctx)
	if !h.m.Started(h.id) || !h.m.Ready(h.id) {
		t.Fatal("not started/ready after startup success (no readiness probe)")
	}
	runs := h.script.runs
	startup.step(ctx)
	if h.script.runs != runs {
		t.Error("startup probe kept running after success")
	}
	h.script.set(1)
	liveness.step(ctx)
	failed, msg := h.m.LivenessFailed(h.id)
	if !failed || msg != "Container app failed liveness probe, will be restarted" {
		t.Errorf("LivenessFailed = %v %q", failed, msg)
	}
	runs = h.script.runs
	liveness.step(ctx)
	if h.script.runs != runs {
		t.Error("liveness kept probing a container about to be restarted")
	}
}

func TestStartupFailure(t *testing.T) {
	h := newHarness(t, v1.Container{Name: "app", StartupProbe: execProbe(0, 1, 2)})
	h.register()
	h.script.set(1)
	w := h.worker(Startup)
	w.step(context.Background())
	w.step(context.Background())
	failed, msg := h.m.LivenessFailed(h.id)
	if !failed || msg != "Container app failed startup probe, will be restarted" {
		t.Errorf("LivenessFailed = %v %q", failed, msg)
	}
	if ev := h.events(); len(ev) != 2 || !strings.HasPrefix(ev[0], "Warning Unhealthy Startup probe failed: boom") {
		t.Errorf("events = %q", ev)
	}
}

func TestManagerWorkers(t *testing.T) {
	h := newHarness(t, v1.Container{Name: "app", ReadinessProbe: execProbe(0, 1, 1), LivenessProbe: execProbe(0, 1, 1)})
	h.m.Update(h.pod, h.status)
	waitFor(t, "ready", func() bool { return h.m.Ready(h.id) })
	if got := <-h.changes; got != "uid-1" {
		t.Errorf("onChange(%q)", got)
	}
	// The next failure only shows after the period elapses on the clock.
	h.script.set(1)
	waitFor(t, "workers waiting on the clock", func() bool { return h.clock.HasWaiters() })
	h.clock.Step(10 * time.Second)
	waitFor(t, "unready", func() bool { return !h.m.Ready(h.id) })
	waitFor(t, "liveness failed", func() bool { failed, _ := h.m.LivenessFailed(h.id); return failed })

	// A new container (restart) starts from scratch: not ready until probed.
	h.script.set(0)
	h.status.ContainerStatuses[0].ContainerID = "containerd://replacement"
	h.m.Update(h.pod, h.status)
	if h.m.Ready("containerd://" + runtimeID(h.id)) {
		t.Error("old container still ready")
	}
	h.m.Remove(h.pod.UID)
	if h.m.Started("containerd://replacement") || len(h.m.workers) != 0 {
		t.Error("Remove left state behind")
	}
}

func TestNoProbes(t *testing.T) {
	h := newHarness(t, v1.Container{Name: "app"})
	if h.m.Ready(h.id) || h.m.Started(h.id) {
		t.Error("unknown container ready or started")
	}
	h.m.Update(h.pod, h.status)
	if !h.m.Ready(h.id) || !h.m.Started(h.id) {
		t.Error("running container without probes not ready")
	}
	h.status.ContainerStatuses[0].State = v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 0}}
	h.m.Update(h.pod, h.status)
	if h.m.Ready(h.id) {
		t.Error("exited container ready")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
