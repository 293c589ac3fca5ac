package agent_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/podstatus"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// lcSleeper runs until SIGTERM, which it obeys at once.
const lcSleeper = "trap 'exit 0' TERM; sleep 3600 & wait"

// lcPod is a one-container busybox pod running script under sh -c.
func lcPod(name, image, script string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1.PodSpec{Containers: []v1.Container{{
			Name: "c", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c", script},
		}}},
	}
}

func lcCreate(t *testing.T, c kubernetes.Interface, ns string, pods ...*v1.Pod) {
	t.Helper()
	for _, p := range pods {
		if _, err := c.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
	}
}

// lcWait polls the pod until cond holds and returns it, failing the test
// with the last status seen when it does not within timeout.
func lcWait(t *testing.T, c kubernetes.Interface, ns, name string, timeout time.Duration, what string, cond func(*v1.Pod) bool) *v1.Pod {
	t.Helper()
	var got *v1.Pod
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got = p
		return cond(p), nil
	})
	if err != nil {
		t.Fatalf("pod %s: not %s: %v\nstatus: %s", name, what, err, lcDump(got))
	}
	return got
}

func lcDump(p *v1.Pod) string {
	if p == nil {
		return "<none>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "phase=%s reason=%q message=%q qos=%s\n", p.Status.Phase, p.Status.Reason, p.Status.Message, p.Status.QOSClass)
	for _, c := range p.Status.Conditions {
		fmt.Fprintf(&b, "  condition %s=%s reason=%q message=%q\n", c.Type, c.Status, c.Reason, c.Message)
	}
	for _, list := range [][]v1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, s := range list {
			fmt.Fprintf(&b, "  container %s ready=%v started=%v restarts=%d state=%s last=%s\n", s.Name, s.Ready,
				ptr.Deref(s.Started, false), s.RestartCount, lcState(s.State), lcState(s.LastTerminationState))
		}
	}
	return b.String()
}

func lcState(s v1.ContainerState) string {
	switch {
	case s.Waiting != nil:
		return fmt.Sprintf("waiting(%s: %s)", s.Waiting.Reason, s.Waiting.Message)
	case s.Running != nil:
		return "running"
	case s.Terminated != nil:
		return fmt.Sprintf("terminated(%d %s: %s)", s.Terminated.ExitCode, s.Terminated.Reason, s.Terminated.Message)
	}
	return "none"
}

// lcStatus returns the named container's status (init containers included).
func lcStatus(p *v1.Pod, name string) v1.ContainerStatus {
	for _, list := range [][]v1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, s := range list {
			if s.Name == name {
				return s
			}
		}
	}
	return v1.ContainerStatus{}
}

func lcCond(p *v1.Pod, t v1.PodConditionType) v1.ConditionStatus {
	if c := podstatus.Condition(p, t); c != nil {
		return c.Status
	}
	return ""
}

// lcEvents lists the pod's events as "Reason: message" lines.
func lcEvents(t *testing.T, c kubernetes.Interface, ns, name string) []string {
	t.Helper()
	list, err := c.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	var out []string
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == "Pod" && e.InvolvedObject.Name == name {
			out = append(out, e.Reason+": "+e.Message)
		}
	}
	return out
}

// lcEvent waits for an event of the pod whose "Reason: message" starts
// with prefix.
func lcEvent(t *testing.T, c kubernetes.Interface, ns, name, prefix string, timeout time.Duration) string {
	t.Helper()
	var seen []string
	var found string
	_ = wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		seen = lcEvents(t, c, ns, name)
		for _, e := range seen {
			if strings.HasPrefix(e, prefix) {
				found = e
				return true, nil
			}
		}
		return false, nil
	})
	if found == "" {
		t.Fatalf("pod %s: no event %q; events:\n  %s", name, prefix, strings.Join(seen, "\n  "))
	}
	return found
}

func lcGone(t *testing.T, c kubernetes.Interface, ns, name string, timeout time.Duration) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		_, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		return err != nil, nil
	})
	if err != nil {
		t.Fatalf("pod %s still present after %v", name, timeout)
	}
}

func lcExecProbe(cmd string, period, failures int32) *v1.Probe {
	return &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"sh", "-c", cmd}}},
		PeriodSeconds: period, FailureThreshold: failures}
}

// kubectlStatus returns kubectl get pods' READY and STATUS columns by pod
// name, as the API server's table printing computes them.
func kubectlStatus(t *testing.T, env *testenv.Env) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(kubectl(t, env, "get", "pods", "--no-headers")), "\n") {
		if f := strings.Fields(line); len(f) >= 3 {
			out[f[0]] = f[1] + " " + f[2]
		}
	}
	return out
}

// wantKubectl checks kubectl get pods shows each pod's READY and STATUS.
func wantKubectl(t *testing.T, env *testenv.Env, want map[string]string) {
	t.Helper()
	got := kubectlStatus(t, env)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("kubectl get pods: %s shows %q, want %q", name, got[name], w)
		}
	}
}

const lcHTTPD = "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"

// TestPodLifecycle runs many pods on one real node at once and checks what
// kubelet would show for each: init order, sidecars, restart policies,
// crash loops, OOM kills, grace periods, hooks and probes.
func TestPodLifecycle(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	c, ns := env.Client, "default"
	hostDir := t.TempDir()

	initPod := lcPod("init", image, "cat /work/f; "+lcSleeper)
	initPod.Spec.InitContainers = []v1.Container{
		{Name: "i1", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c", "echo one > /work/f"}},
		{Name: "i2", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c", `test "$(cat /work/f)" = one && echo two >> /work/f`}},
	}
	initPod.Spec.Volumes = []v1.Volume{{Name: "work", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}}}
	for i := range initPod.Spec.InitContainers {
		initPod.Spec.InitContainers[i].VolumeMounts = []v1.VolumeMount{{Name: "work", MountPath: "/work"}}
	}
	initPod.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "work", MountPath: "/work"}}

	initBlocked := lcPod("init-blocked", image, lcSleeper)
	initBlocked.Spec.InitContainers = []v1.Container{
		{Name: "i1", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c", lcSleeper}},
		{Name: "i2", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"true"}},
	}
	initFailed := lcPod("init-failed", image, lcSleeper)
	initFailed.Spec.RestartPolicy = v1.RestartPolicyNever
	initFailed.Spec.InitContainers = []v1.Container{{Name: "i1", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c", "exit 3"}}}

	sidecar := lcPod("sidecar", image, lcSleeper)
	sidecar.Spec.InitContainers = []v1.Container{{Name: "side", Image: image, ImagePullPolicy: v1.PullIfNotPresent,
		Command: []string{"sh", "-c", lcSleeper}, RestartPolicy: ptr.To(v1.ContainerRestartPolicyAlways)}}

	policy := func(name string, p v1.RestartPolicy, code int) *v1.Pod {
		pod := lcPod(name, image, fmt.Sprintf("echo crash; exit %d", code))
		pod.Spec.RestartPolicy = p
		return pod
	}

	oom := func(name string, p v1.RestartPolicy) *v1.Pod {
		pod := lcPod(name, image, "head -c 100m /dev/zero | tail")
		pod.Spec.RestartPolicy = p
		pod.Spec.Containers[0].Resources.Limits = v1.ResourceList{v1.ResourceMemory: resource.MustParse("16Mi")}
		return pod
	}

	ignoreTerm := lcPod("grace-ignore", image, "trap '' TERM; while true; do sleep 1; done")
	ignoreTerm.Spec.TerminationGracePeriodSeconds = ptr.To[int64](2)
	obeyTerm := lcPod("grace-obey", image, lcSleeper)

	hooks := lcPod("hooks", image, "trap 'echo term >> /h/prestop; exit 0' TERM; sleep 3600 & wait")
	hooks.Spec.Volumes = []v1.Volume{{Name: "h", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: hostDir}}}}
	hooks.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "h", MountPath: "/h"}}
	hooks.Spec.Containers[0].Lifecycle = &v1.Lifecycle{
		PostStart: &v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"sh", "-c", "echo post > /h/poststart"}}},
		PreStop:   &v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"sh", "-c", "echo pre >> /h/prestop"}}},
	}

	notReady := lcPod("ready-exec", image, lcSleeper)
	notReady.Spec.Containers[0].ReadinessProbe = lcExecProbe("test -f /tmp/ready", 1, 1)

	web := lcPod("web", image, lcHTTPD)
	web.Spec.Containers[0].ReadinessProbe = &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1}
	web.Spec.Containers[0].LivenessProbe = &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1}
	web.Spec.Containers[0].StartupProbe = &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1, FailureThreshold: 30}

	liveness := lcPod("live-exec", image, lcSleeper)
	liveness.Spec.Containers[0].LivenessProbe = lcExecProbe("test -f /tmp/alive", 1, 1)

	gated := lcPod("startup-gated", image, lcSleeper)
	gated.Spec.Containers[0].StartupProbe = lcExecProbe("test -f /tmp/never", 1, 1000)
	gated.Spec.Containers[0].LivenessProbe = lcExecProbe("false", 1, 1)

	guaranteed := lcPod("guaranteed", image, lcSleeper)
	guaranteed.Spec.Containers[0].Resources.Limits = v1.ResourceList{v1.ResourceCPU: resource.MustParse("100m"), v1.ResourceMemory: resource.MustParse("32Mi")}
	burstable := lcPod("burstable", image, lcSleeper)
	burstable.Spec.Containers[0].Resources.Requests = v1.ResourceList{v1.ResourceMemory: resource.MustParse("16Mi")}

	lcCreate(t, c, ns, initPod, initBlocked, initFailed, sidecar,
		policy("never-0", v1.RestartPolicyNever, 0), policy("never-1", v1.RestartPolicyNever, 1),
		policy("onfailure-0", v1.RestartPolicyOnFailure, 0), policy("onfailure-1", v1.RestartPolicyOnFailure, 1),
		policy("always-0", v1.RestartPolicyAlways, 0), policy("always-1", v1.RestartPolicyAlways, 1),
		oom("oom-never", v1.RestartPolicyNever), oom("oom-always", v1.RestartPolicyAlways),
		ignoreTerm, obeyTerm, hooks, notReady, web, liveness, gated, guaranteed, burstable)

	t.Run("InitContainersInOrder", func(t *testing.T) {
		p := lcWait(t, c, ns, "init", 60*time.Second, "Ready", podstatus.Ready)
		for _, name := range []string{"i1", "i2"} {
			if s := lcStatus(p, name); s.State.Terminated == nil || s.State.Terminated.Reason != "Completed" || s.State.Terminated.ExitCode != 0 {
				t.Errorf("init container %s: %s", name, lcState(s.State))
			}
		}
		for _, ct := range []v1.PodConditionType{v1.PodScheduled, v1.PodInitialized, v1.ContainersReady, v1.PodReady, v1.PodReadyToStartContainers} {
			if lcCond(p, ct) != v1.ConditionTrue {
				t.Errorf("condition %s is %q, want True", ct, lcCond(p, ct))
			}
		}
		if p.Status.QOSClass != v1.PodQOSBestEffort {
			t.Errorf("qosClass %q, want BestEffort", p.Status.QOSClass)
		}
		logs, err := c.CoreV1().Pods(ns).GetLogs("init", &v1.PodLogOptions{Container: "c"}).DoRaw(context.Background())
		if err != nil || string(logs) != "one\ntwo\n" {
			t.Errorf("app container logs %q (%v), want what both init containers wrote", logs, err)
		}
		for _, prefix := range []string{
			"Scheduled: Successfully assigned default/init to " + env.NodeName,
			`Pulled: Container image "` + image + `" already present on machine`,
			"Created: Created container: i1", "Started: Started container i1",
			"Created: Created container: c", "Started: Started container c",
		} {
			lcEvent(t, c, ns, "init", prefix, 10*time.Second)
		}
	})

	t.Run("InitNotDone", func(t *testing.T) {
		p := lcWait(t, c, ns, "init-blocked", 60*time.Second, "running its first init container", func(p *v1.Pod) bool {
			return lcStatus(p, "i1").State.Running != nil
		})
		init := podstatus.Condition(p, v1.PodInitialized)
		if p.Status.Phase != v1.PodPending || init == nil || init.Status != v1.ConditionFalse || init.Reason != "ContainersNotInitialized" ||
			init.Message != "containers with incomplete status: [i1 i2]" {
			t.Errorf("init-blocked:\n%s", lcDump(p))
		}
		if w := lcStatus(p, "c").State.Waiting; w == nil || w.Reason != "PodInitializing" {
			t.Errorf("app container of init-blocked:\n%s", lcDump(p))
		}
		if w := lcStatus(p, "i2").State.Waiting; w == nil || w.Reason != "PodInitializing" {
			t.Errorf("second init container of init-blocked:\n%s", lcDump(p))
		}
		p = lcWait(t, c, ns, "init-failed", 60*time.Second, "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
		if term := lcStatus(p, "i1").State.Terminated; term == nil || term.ExitCode != 3 || term.Reason != "Error" {
			t.Errorf("init-failed:\n%s", lcDump(p))
		}
		wantKubectl(t, env, map[string]string{"init-blocked": "0/1 Init:0/2", "init-failed": "0/1 Init:Error"})
	})

	t.Run("Sidecar", func(t *testing.T) {
		p := lcWait(t, c, ns, "sidecar", 60*time.Second, "Ready", podstatus.Ready)
		s := lcStatus(p, "side")
		if s.State.Running == nil || !ptr.Deref(s.Started, false) || s.RestartCount != 0 {
			t.Errorf("sidecar not running next to the app:\n%s", lcDump(p))
		}
		if lcCond(p, v1.PodInitialized) != v1.ConditionTrue {
			t.Errorf("Initialized %q with the sidecar started", lcCond(p, v1.PodInitialized))
		}
	})

	t.Run("RestartPolicies", func(t *testing.T) {
		terminal := func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed }
		restarted := func(p *v1.Pod) bool { return lcStatus(p, "c").RestartCount >= 1 }
		for _, tc := range []struct {
			name   string
			done   func(*v1.Pod) bool
			phase  v1.PodPhase
			reason string
			code   int32
			last   bool
		}{
			{"never-0", terminal, v1.PodSucceeded, "Completed", 0, false},
			{"never-1", terminal, v1.PodFailed, "Error", 1, false},
			{"onfailure-0", terminal, v1.PodSucceeded, "Completed", 0, false},
			{"onfailure-1", restarted, v1.PodRunning, "Error", 1, true},
			{"always-0", restarted, v1.PodRunning, "Completed", 0, true},
			{"always-1", restarted, v1.PodRunning, "Error", 1, true},
		} {
			p := lcWait(t, c, ns, tc.name, 60*time.Second, "finished or restarted", tc.done)
			s := lcStatus(p, "c")
			term := s.State.Terminated
			if tc.last {
				term = s.LastTerminationState.Terminated
			}
			if p.Status.Phase != tc.phase || term == nil || term.Reason != tc.reason || term.ExitCode != tc.code {
				t.Errorf("%s: want phase %s, terminated %d %s:\n%s", tc.name, tc.phase, tc.code, tc.reason, lcDump(p))
			}
			if !tc.last && (s.RestartCount != 0 || lcCond(p, v1.PodReady) != v1.ConditionFalse) {
				t.Errorf("%s: a finished pod has restarts or is Ready:\n%s", tc.name, lcDump(p))
			}
			want := map[v1.PodPhase]string{v1.PodSucceeded: "PodCompleted", v1.PodFailed: "PodFailed"}[tc.phase]
			if r := podstatus.Condition(p, v1.PodReady).Reason; !tc.last && r != want {
				t.Errorf("%s: Ready reason %q, want %s", tc.name, r, want)
			}
		}
	})

	t.Run("CrashLoopBackOff", func(t *testing.T) {
		p := lcWait(t, c, ns, "always-1", 60*time.Second, "in CrashLoopBackOff", func(p *v1.Pod) bool {
			w := lcStatus(p, "c").State.Waiting
			return w != nil && w.Reason == "CrashLoopBackOff"
		})
		desc := fmt.Sprintf("always-1_default(%s)", p.UID)
		w := lcStatus(p, "c").State.Waiting
		if !strings.HasPrefix(w.Message, "back-off ") || !strings.HasSuffix(w.Message, " restarting failed container=c pod="+desc) {
			t.Errorf("waiting message %q", w.Message)
		}
		lcEvent(t, c, ns, "always-1", "BackOff: Back-off restarting failed container c in pod "+desc, 10*time.Second)
		logs, err := c.CoreV1().Pods(ns).GetLogs("always-1", &v1.PodLogOptions{Container: "c", Previous: true}).DoRaw(context.Background())
		if err != nil || string(logs) != "crash\n" {
			t.Errorf("logs --previous: %q, %v", logs, err)
		}
	})

	t.Run("OOMKilled", func(t *testing.T) {
		p := lcWait(t, c, ns, "oom-never", 60*time.Second, "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
		if term := lcStatus(p, "c").State.Terminated; term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
			t.Errorf("oom-never:\n%s", lcDump(p))
		}
		p = lcWait(t, c, ns, "oom-always", 60*time.Second, "restarted", func(p *v1.Pod) bool { return lcStatus(p, "c").RestartCount >= 1 })
		if term := lcStatus(p, "c").LastTerminationState.Terminated; term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
			t.Errorf("oom-always lastState:\n%s", lcDump(p))
		}
	})

	t.Run("Probes", func(t *testing.T) {
		p := lcWait(t, c, ns, "web", 60*time.Second, "Ready", podstatus.Ready)
		if s := lcStatus(p, "c"); !ptr.Deref(s.Started, false) || s.RestartCount != 0 {
			t.Errorf("web:\n%s", lcDump(p))
		}
		lcWait(t, c, ns, "ready-exec", 60*time.Second, "Running", func(p *v1.Pod) bool { return lcStatus(p, "c").State.Running != nil })
		lcEvent(t, c, ns, "ready-exec", "Unhealthy: Readiness probe failed:", 20*time.Second)
		p = lcWait(t, c, ns, "ready-exec", 5*time.Second, "Running", func(p *v1.Pod) bool { return true })
		if podstatus.Ready(p) || lcCond(p, v1.ContainersReady) != v1.ConditionFalse || p.Status.Phase != v1.PodRunning {
			t.Errorf("ready-exec with a failing readiness probe:\n%s", lcDump(p))
		}
		lcWait(t, c, ns, "live-exec", 60*time.Second, "restarted by its liveness probe", func(p *v1.Pod) bool { return lcStatus(p, "c").RestartCount >= 1 })
		lcEvent(t, c, ns, "live-exec", "Unhealthy: Liveness probe failed:", 5*time.Second)
		lcEvent(t, c, ns, "live-exec", "Killing: Container c failed liveness probe, will be restarted", 5*time.Second)
		// live-exec restarting proves a failing liveness probe has had time
		// to act; the startup probe must have kept this one from running.
		p = lcWait(t, c, ns, "startup-gated", 5*time.Second, "Running", func(p *v1.Pod) bool { return lcStatus(p, "c").State.Running != nil })
		if s := lcStatus(p, "c"); s.RestartCount != 0 || ptr.Deref(s.Started, false) || s.Ready {
			t.Errorf("startup-gated: liveness ran before the startup probe succeeded:\n%s", lcDump(p))
		}
	})

	t.Run("QoS", func(t *testing.T) {
		for name, want := range map[string]v1.PodQOSClass{"guaranteed": v1.PodQOSGuaranteed, "burstable": v1.PodQOSBurstable} {
			p := lcWait(t, c, ns, name, 60*time.Second, "Ready", podstatus.Ready)
			if p.Status.QOSClass != want {
				t.Errorf("%s: qosClass %q, want %q", name, p.Status.QOSClass, want)
			}
		}
	})

	t.Run("KubectlStatus", func(t *testing.T) {
		wantKubectl(t, env, map[string]string{
			"init": "1/1 Running", "sidecar": "2/2 Running", "never-0": "0/1 Completed", "never-1": "0/1 Error",
			"oom-never": "0/1 OOMKilled", "ready-exec": "0/1 Running", "web": "1/1 Running",
		})
	})

	t.Run("HooksAndGrace", func(t *testing.T) {
		for _, name := range []string{"hooks", "grace-ignore", "grace-obey"} {
			lcWait(t, c, ns, name, 60*time.Second, "Running", func(p *v1.Pod) bool { return lcStatus(p, "c").State.Running != nil })
		}
		if b, err := os.ReadFile(filepath.Join(hostDir, "poststart")); err != nil || string(b) != "post\n" {
			t.Errorf("postStart hook: %q, %v", b, err)
		}
		// The agent reports how each container ended before the pod goes.
		w, err := c.CoreV1().Pods(ns).Watch(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		last := map[string]*v1.Pod{}
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			for ev := range w.ResultChan() {
				if p, ok := ev.Object.(*v1.Pod); ok && lcStatus(p, "c").State.Terminated != nil {
					last[p.Name] = p
				}
			}
		}()
		start := time.Now()
		for _, name := range []string{"hooks", "grace-ignore", "grace-obey"} {
			if err := c.CoreV1().Pods(ns).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		lcGone(t, c, ns, "grace-obey", 15*time.Second)
		lcGone(t, c, ns, "hooks", 15*time.Second)
		lcEvent(t, c, ns, "grace-obey", "Killing: Stopping container c", 5*time.Second)
		if b, err := os.ReadFile(filepath.Join(hostDir, "prestop")); err != nil || string(b) != "pre\nterm\n" {
			t.Errorf("preStop hook then SIGTERM: %q, %v", b, err)
		}
		lcGone(t, c, ns, "grace-ignore", 25*time.Second)
		if took := time.Since(start); took < 2*time.Second {
			t.Errorf("a container ignoring SIGTERM was gone after %v, before its 2 s grace period", took)
		}
		w.Stop()
		<-watched
		for name, code := range map[string]int32{"grace-ignore": 137, "grace-obey": 0, "hooks": 0} {
			p := last[name]
			if p == nil {
				t.Errorf("%s: no status with the container terminated before deletion", name)
				continue
			}
			if term := lcStatus(p, "c").State.Terminated; term.ExitCode != code {
				t.Errorf("%s: terminated with %d, want %d:\n%s", name, term.ExitCode, code, lcDump(p))
			}
		}
	})
}
