package pods

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func running(name, id string, attempt uint32, at time.Time) containerState {
	return containerState{ID: id, Name: name, Attempt: attempt, RestartCount: int32(attempt), State: runtimeapi.ContainerState_CONTAINER_RUNNING,
		CreatedAt: at, StartedAt: at, ImageRef: "sha256:abc"}
}

func exited(name, id string, attempt uint32, code int32, reason string, at time.Time) containerState {
	c := running(name, id, attempt, at)
	c.State, c.ExitCode, c.Reason, c.FinishedAt = runtimeapi.ContainerState_CONTAINER_EXITED, code, reason, at.Add(time.Second)
	return c
}

func readySandbox() []sandboxState {
	return []sandboxState{{ID: "s1", Ready: true, CreatedAt: t0, IPs: []string{"10.244.0.5"}}}
}

func TestPodStatus(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	tests := []struct {
		name     string
		pod      func(*v1.Pod)
		rt       runtimePod
		waiting  map[string]waiting
		unready  map[string]bool
		terminal bool
		check    func(t *testing.T, st v1.PodStatus)
	}{
		{
			name: "nothing created yet",
			rt:   runtimePod{},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodPending)
				wantWaiting(t, st.ContainerStatuses[0], "ContainerCreating", "")
				wantCond(t, st, v1.PodReadyToStartContainers, v1.ConditionFalse, "", "")
				wantCond(t, st, v1.ContainersReady, v1.ConditionFalse, "ContainersNotReady", "containers with unready status: [app side]")
				if st.PodIP != "" || st.HostIP != "192.0.2.1" || st.QOSClass != v1.PodQOSBestEffort {
					t.Errorf("ips %q %q qos %s", st.PodIP, st.HostIP, st.QOSClass)
				}
			},
		},
		{
			name: "running and ready",
			rt:   runtimePod{Sandboxes: readySandbox(), Containers: []containerState{running("app", "c1", 0, t0), running("side", "c2", 0, t0)}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodRunning)
				wantCond(t, st, v1.PodReady, v1.ConditionTrue, "", "")
				cs := st.ContainerStatuses[0]
				if cs.ContainerID != "containerd://c1" || !cs.Ready || !*cs.Started || cs.ImageID != "sha256:abc" || cs.Image != "busybox" {
					t.Errorf("status = %+v", cs)
				}
				if st.PodIP != "10.244.0.5" || len(st.PodIPs) != 1 {
					t.Errorf("pod ips = %v", st.PodIPs)
				}
			},
		},
		{
			name:    "one unready",
			rt:      runtimePod{Sandboxes: readySandbox(), Containers: []containerState{running("app", "c1", 0, t0), running("side", "c2", 0, t0)}},
			unready: map[string]bool{"c2": true},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodRunning)
				wantCond(t, st, v1.ContainersReady, v1.ConditionFalse, "ContainersNotReady", "containers with unready status: [side]")
				wantCond(t, st, v1.PodReady, v1.ConditionFalse, "ContainersNotReady", "containers with unready status: [side]")
			},
		},
		{
			name: "crash loop keeps the exit as last state",
			rt: runtimePod{Sandboxes: readySandbox(), Containers: []containerState{
				exited("app", "c3", 1, 2, "Error", t0.Add(time.Minute)), exited("app", "c1", 0, 1, "Error", t0), running("side", "c2", 0, t0)}},
			waiting: map[string]waiting{"app": {Reason: "CrashLoopBackOff", Message: "back-off 10s restarting failed container=app pod=web_default(uid-1)"}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodRunning)
				cs := st.ContainerStatuses[0]
				wantWaiting(t, cs, "CrashLoopBackOff", "back-off 10s restarting failed container=app pod=web_default(uid-1)")
				if cs.RestartCount != 1 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 2 {
					t.Errorf("status = %+v", cs)
				}
			},
		},
		{
			name: "never: one failed, one succeeded",
			pod:  func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyNever },
			rt: runtimePod{Sandboxes: readySandbox(), Containers: []containerState{
				exited("app", "c1", 0, 0, "Completed", t0), exited("side", "c2", 0, 137, "OOMKilled", t0)}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodFailed)
				wantCond(t, st, v1.ContainersReady, v1.ConditionFalse, "PodFailed", "")
				wantCond(t, st, v1.PodReady, v1.ConditionFalse, "PodFailed", "")
				if term := st.ContainerStatuses[1].State.Terminated; term == nil || term.Reason != "OOMKilled" || term.FinishedAt.Time != t0.Add(time.Second) {
					t.Errorf("terminated = %+v", term)
				}
			},
		},
		{
			name: "onFailure: all succeeded",
			pod:  func(p *v1.Pod) { p.Spec.RestartPolicy = v1.RestartPolicyOnFailure },
			rt: runtimePod{Sandboxes: readySandbox(), Containers: []containerState{
				exited("app", "c1", 0, 0, "", t0), exited("side", "c2", 0, 0, "", t0)}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodSucceeded)
				wantCond(t, st, v1.PodReady, v1.ConditionFalse, "PodCompleted", "")
				wantCond(t, st, v1.PodInitialized, v1.ConditionTrue, "PodCompleted", "")
				if st.ContainerStatuses[0].State.Terminated.Reason != "Completed" {
					t.Errorf("reason = %s", st.ContainerStatuses[0].State.Terminated.Reason)
				}
			},
		},
		{
			name: "init container running",
			pod: func(p *v1.Pod) {
				p.Spec.InitContainers = []v1.Container{{Name: "init", Image: "busybox"}}
			},
			rt: runtimePod{Sandboxes: readySandbox(), Containers: []containerState{running("init", "i1", 0, t0)}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodPending)
				wantWaiting(t, st.ContainerStatuses[0], "PodInitializing", "")
				wantCond(t, st, v1.PodInitialized, v1.ConditionFalse, "ContainersNotInitialized", "containers with incomplete status: [init]")
			},
		},
		{
			name: "init container failed under Never",
			pod: func(p *v1.Pod) {
				p.Spec.RestartPolicy = v1.RestartPolicyNever
				p.Spec.InitContainers = []v1.Container{{Name: "init", Image: "busybox"}}
			},
			rt:    runtimePod{Sandboxes: readySandbox(), Containers: []containerState{exited("init", "i1", 0, 3, "Error", t0)}},
			check: func(t *testing.T, st v1.PodStatus) { wantPhase(t, st, v1.PodFailed) },
		},
		{
			name: "sidecar counts for readiness",
			pod: func(p *v1.Pod) {
				p.Spec.InitContainers = []v1.Container{{Name: "proxy", Image: "envoy", RestartPolicy: &always}}
			},
			rt: runtimePod{Sandboxes: readySandbox(), Containers: []containerState{
				running("proxy", "p1", 0, t0), running("app", "c1", 0, t0), running("side", "c2", 0, t0)}},
			unready: map[string]bool{"p1": true},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodRunning)
				wantCond(t, st, v1.PodInitialized, v1.ConditionTrue, "", "")
				wantCond(t, st, v1.ContainersReady, v1.ConditionFalse, "ContainersNotReady", "containers with unready status: [proxy]")
			},
		},
		{
			name: "readiness gate missing",
			pod: func(p *v1.Pod) {
				p.Spec.ReadinessGates = []v1.PodReadinessGate{{ConditionType: "example.com/lb"}}
			},
			rt: runtimePod{Sandboxes: readySandbox(), Containers: []containerState{running("app", "c1", 0, t0), running("side", "c2", 0, t0)}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantCond(t, st, v1.ContainersReady, v1.ConditionTrue, "", "")
				wantCond(t, st, v1.PodReady, v1.ConditionFalse, "ReadinessGatesNotReady", `corresponding condition of pod readiness gate "example.com/lb" does not exist.`)
			},
		},
		{
			name: "readiness gate true, foreign conditions kept",
			pod: func(p *v1.Pod) {
				p.Spec.ReadinessGates = []v1.PodReadinessGate{{ConditionType: "example.com/lb"}}
				p.Status.Conditions = []v1.PodCondition{{Type: "example.com/lb", Status: v1.ConditionTrue}, {Type: v1.PodScheduled, Status: v1.ConditionTrue}}
			},
			rt: runtimePod{Sandboxes: readySandbox(), Containers: []containerState{running("app", "c1", 0, t0), running("side", "c2", 0, t0)}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantCond(t, st, v1.PodReady, v1.ConditionTrue, "", "")
				wantCond(t, st, v1.PodScheduled, v1.ConditionTrue, "", "")
			},
		},
		{
			name: "killed: evicted",
			rt: runtimePod{Sandboxes: []sandboxState{{ID: "s1", CreatedAt: t0}}, Containers: []containerState{
				exited("app", "c1", 0, 137, "Error", t0), exited("side", "c2", 0, 0, "Completed", t0)}},
			terminal: true,
			pod: func(p *v1.Pod) {
				p.Status.PodIPs = []v1.PodIP{{IP: "10.244.0.9"}}
				p.Status.Reason = "Evicted"
			},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodFailed)
				if st.PodIP != "10.244.0.9" {
					t.Errorf("pod IP %q not kept", st.PodIP)
				}
			},
		},
		{
			name: "terminal phase sticks",
			pod:  func(p *v1.Pod) { p.Status.Phase = v1.PodSucceeded },
			rt:   runtimePod{Sandboxes: readySandbox(), Containers: []containerState{running("app", "c1", 0, t0), running("side", "c2", 0, t0)}},
			check: func(t *testing.T, st v1.PodStatus) {
				wantPhase(t, st, v1.PodSucceeded)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod(v1.RestartPolicyAlways, "app", "side")
			if tt.pod != nil {
				tt.pod(pod)
			}
			st := podStatus(statusInput{Pod: pod, Runtime: &tt.rt, Waiting: tt.waiting, HostIPs: []string{"192.0.2.1"}, Now: t0.Add(time.Hour),
				Ready: func(id string) bool { return !tt.unready[id] }, Started: func(string) bool { return true }, Terminal: tt.terminal})
			tt.check(t, st)
		})
	}
}

func TestConditionTransitionTime(t *testing.T) {
	pod := testPod(v1.RestartPolicyAlways, "app")
	earlier := metav1.NewTime(t0)
	pod.Status.Conditions = []v1.PodCondition{
		{Type: v1.PodReady, Status: v1.ConditionTrue, LastTransitionTime: earlier},
		{Type: v1.ContainersReady, Status: v1.ConditionFalse, LastTransitionTime: earlier},
	}
	rt := runtimePod{Sandboxes: readySandbox(), Containers: []containerState{running("app", "c1", 0, t0)}}
	now := t0.Add(time.Hour + 500*time.Millisecond)
	st := podStatus(statusInput{Pod: pod, Runtime: &rt, Now: now, Ready: func(string) bool { return true }, Started: func(string) bool { return true }})
	if c := condition(st.Conditions, v1.PodReady); !c.LastTransitionTime.Equal(&earlier) {
		t.Errorf("unchanged Ready moved to %v", c.LastTransitionTime)
	}
	if c := condition(st.Conditions, v1.ContainersReady); c.LastTransitionTime.Time != t0.Add(time.Hour) {
		t.Errorf("changed ContainersReady at %v, want %v (whole seconds)", c.LastTransitionTime, t0.Add(time.Hour))
	}
	if st.StartTime.Time != t0.Add(time.Hour) {
		t.Errorf("startTime = %v", st.StartTime)
	}
}

func TestQOSClass(t *testing.T) {
	res := func(req, lim string) v1.ResourceRequirements {
		r := v1.ResourceRequirements{}
		if req != "" {
			r.Requests = v1.ResourceList{v1.ResourceCPU: resource.MustParse(req), v1.ResourceMemory: resource.MustParse(req + "Mi")}
		}
		if lim != "" {
			r.Limits = v1.ResourceList{v1.ResourceCPU: resource.MustParse(lim), v1.ResourceMemory: resource.MustParse(lim + "Mi")}
		}
		return r
	}
	tests := []struct {
		name string
		res  []v1.ResourceRequirements
		want v1.PodQOSClass
	}{
		{"none", []v1.ResourceRequirements{{}}, v1.PodQOSBestEffort},
		{"limits only", []v1.ResourceRequirements{res("", "1")}, v1.PodQOSGuaranteed},
		{"equal", []v1.ResourceRequirements{res("1", "1"), res("2", "2")}, v1.PodQOSGuaranteed},
		{"requests below limits", []v1.ResourceRequirements{res("1", "2")}, v1.PodQOSBurstable},
		{"one without", []v1.ResourceRequirements{res("1", "1"), {}}, v1.PodQOSBurstable},
	}
	for _, tt := range tests {
		pod := &v1.Pod{}
		for _, r := range tt.res {
			pod.Spec.Containers = append(pod.Spec.Containers, v1.Container{Resources: r})
		}
		if got := qosClass(pod); got != tt.want {
			t.Errorf("%s: qos = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func wantPhase(t *testing.T, st v1.PodStatus, want v1.PodPhase) {
	t.Helper()
	if st.Phase != want {
		t.Errorf("phase = %s, want %s", st.Phase, want)
	}
}

func wantWaiting(t *testing.T, cs v1.ContainerStatus, reason, message string) {
	t.Helper()
	if cs.State.Waiting == nil || cs.State.Waiting.Reason != reason || cs.State.Waiting.Message != message {
		t.Errorf("%s state = %+v, want waiting %s %q", cs.Name, cs.State, reason, message)
	}
}

func wantCond(t *testing.T, st v1.PodStatus, typ v1.PodConditionType, status v1.ConditionStatus, reason, message string) {
	t.Helper()
	c := condition(st.Conditions, typ)
	if c == nil || c.Status != status || c.Reason != reason || c.Message != message {
		t.Errorf("%s = %+v, want %s %s %q", typ, c, status, reason, message)
	}
}
