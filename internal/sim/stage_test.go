package sim

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(d time.Duration) *metav1.Time { t := metav1.NewTime(t0.Add(d)); return &t }

func basePod(mut func(p *corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u1", CreationTimestamp: *at(0)},
		Spec: corev1.PodSpec{NodeName: "sim-0", RestartPolicy: corev1.RestartPolicyAlways,
			Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.25"}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	if mut != nil {
		mut(p)
	}
	return p
}

func TestNext(t *testing.T) {
	o := Options{StartupDelay: 2 * time.Second, StopDelay: time.Second}
	job := []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "j"}}
	tests := []struct {
		name  string
		pod   *corev1.Pod
		now   time.Duration
		stage string
		wait  time.Duration
	}{
		{"pending waits for the startup delay", basePod(nil), time.Second, "run", time.Second},
		{"pending counts from PodScheduled", basePod(func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: *at(10 * time.Second)}}
		}), 11 * time.Second, "run", time.Second},
		{"running forever", basePod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }), time.Hour, "", 0},
		{"marked not ready is ready again at once", basePod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: *at(5 * time.Second)}}
		}), 5 * time.Second, "ready", 0},
		{"always never exits", basePod(func(p *corev1.Pod) {
			p.Status.Phase, p.Annotations = corev1.PodRunning, map[string]string{AnnotationExitAfter: "1s"}
		}), time.Hour, "", 0},
		{"annotated exit", basePod(func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase, p.Status.StartTime = corev1.RestartPolicyNever, corev1.PodRunning, at(0)
			p.Annotations = map[string]string{AnnotationExitAfter: "5s"}
		}), 2 * time.Second, "exit", 3 * time.Second},
		{"bad exit annotation never exits", basePod(func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase = corev1.RestartPolicyNever, corev1.PodRunning
			p.Annotations, p.OwnerReferences = map[string]string{AnnotationExitAfter: "soon"}, job
		}), time.Hour, "", 0},
		{"job pods exit after JobRuntime", basePod(func(p *corev1.Pod) {
			p.Spec.RestartPolicy, p.Status.Phase, p.Status.StartTime, p.OwnerReferences = corev1.RestartPolicyOnFailure, corev1.PodRunning, at(0), job
		}), 0, "exit", JobRuntime},
		{"deletion waits min(grace, StopDelay)", basePod(func(p *corev1.Pod) {
			p.Status.Phase, p.DeletionTimestamp, p.DeletionGracePeriodSeconds = corev1.PodRunning, at(30*time.Second), ptr(int64(30))
		}), 0, "delete", time.Second},
		{"deletion with short grace", basePod(func(p *corev1.Pod) {
			p.DeletionTimestamp, p.DeletionGracePeriodSeconds = at(0), ptr(int64(0))
		}), 0, "delete", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, wait := Next(Stages, tt.pod, o, t0.Add(tt.now))
			got := ""
			if s != nil {
				got = s.Name
			}
			if got != tt.stage || (s != nil && wait != tt.wait && s.Jitter == 0) {
				t.Fatalf("Next = %q after %v, want %q after %v", got, wait, tt.stage, tt.wait)
			}
			// Jitter only ever adds, at most Jitter×delay, and is fixed per pod.
			if s != nil && s.Jitter > 0 {
				again, wait2 := Next(Stages, tt.pod, o, t0.Add(tt.now))
				if again != s || wait2 != wait || wait < tt.wait || wait > tt.wait+time.Duration(s.Jitter*float64(o.StartupDelay)) {
					t.Fatalf("jittered wait %v (then %v), want in [%v, +10%% of delay]", wait, wait2, tt.wait)
				}
			}
		})
	}
}

// TestStatusGolden pins the status each stage writes, input pod in, pod
// status out, as YAML.
func TestStatusGolden(t *testing.T) {
	env := Env{Now: t0.Add(3 * time.Second), HostIP: "100.64.0.1", PodIP: "10.64.0.2"}
	scheduled := []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: *at(0)}}
	withInit := basePod(func(p *corev1.Pod) {
		p.Status.Conditions = scheduled
		p.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox"}}
		p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}
	})
	run := running(withInit, env)
	golden(t, run, `conditions:
- lastProbeTime: null
  lastTransitionTime: "2026-01-02T03:04:05Z"
  status: "True"
  type: PodScheduled
- lastProbeTime: null
  lastTransitionTime: "2026-01-02T03:04:08Z"
  status: "True"
  type: PodReadyToStartContainers
- lastProbeTime: null
  lastTransitionTime: "2026-01-02T03:04:08Z"
  status: "True"
  type: Initialized
- lastProbeTime: null
  lastTransitionTime: "2026-01-02T03:04:08Z"
  status: "True"
  type: ContainersReady
- lastProbeTime: null
  lastTransitionTime: "2026-01-02T03:04:08Z"
  status: "True"
  type: Ready
containerStatuses:
- containerID: sim://a3e9f5d3b6b8b0cb4d7b7d1a4a96d6f8eb1bbed6bb3a8e1fd0c8c1d3c1e0f6a5
  image: nginx:1.25
  imageID: nginx@sha256:IMG
  lastState: {}
  name: nginx
  ready: true
  restartCount: 0
  started: true
  state:
    running:
      startedAt: "2026-01-02T03:04:08Z"
hostIP: 100.64.0.1
hostIPs:
- ip: 100.64.0.1
initContainerStatuses:
- containerID: sim://ID
  image: busybox
  imageID: busybox@sha256:IMG
  lastState: {}
  name: setup
  ready: true
  restartCount: 0
  started: false
  state:
    terminated:
      containerID: sim://ID
      exitCode: 0
      finishedAt: "2026-01-02T03:04:08Z"
      reason: Completed
      startedAt: "2026-01-02T03:04:08Z"
phase: Running
podIP: 10.64.0.2
podIPs:
- ip: 10.64.0.2
qosClass: Burstable
startTime: "2026-01-02T03:04:08Z"
`)
	done := withInit.DeepCopy()
	done.Status = *run
	done.Annotations = map[string]string{AnnotationExitCode: "3"}
	env.Now = t0.Add(10 * time.Second)
	failed := exited(done, env)
	golden(t, failed.ContainerStatuses, `- containerID: sim://ID
  image: nginx:1.25
  imageID: nginx@sha256:IMG
  lastState: {}
  name: nginx
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      containerID: sim://ID
      exitCode: 3
      finishedAt: "2026-01-02T03:04:15Z"
      reason: Error
      startedAt: "2026-01-02T03:04:08Z"
`)
	if failed.Phase != corev1.PodFailed {
		t.Fatalf("phase %s, want Failed", failed.Phase)
	}
	for _, c := range failed.Conditions {
		if c.Type == corev1.PodReady && (c.Status != corev1.ConditionFalse || c.Reason != "ContainersNotReady" || c.Message != "containers with unready status: [nginx]") {
			t.Fatalf("Ready condition %+v", c)
		}
	}
	done.Annotations = nil
	if st := exited(done, env); st.Phase != corev1.PodSucceeded || st.ContainerStatuses[0].State.Terminated.Reason != "Completed" {
		t.Fatalf("exit 0 gave %s / %+v", st.Phase, st.ContainerStatuses[0].State)
	}
}
