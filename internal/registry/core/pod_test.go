package core

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newPod(mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}
	p.Spec.Containers = []corev1.Container{{Name: "web", Image: "nginx:1.27"}}
	for _, m := range mutate {
		m(p)
	}
	defaultPod(p)
	return p
}

func createdPod(mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := newPod(mutate...)
	preparePodForCreate(p)
	return p
}

func withResources(req, lim string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		r := &p.Spec.Containers[0].Resources
		if req != "" {
			r.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(req), corev1.ResourceMemory: resource.MustParse(req + "Mi")}
		}
		if lim != "" {
			r.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(lim), corev1.ResourceMemory: resource.MustParse(lim + "Mi")}
		}
	}
}

func TestPodCreateDefaults(t *testing.T) {
	p := createdPod(withResources("", "1"))
	spec := p.Spec
	if spec.ServiceAccountName != "default" || spec.DeprecatedServiceAccount != "default" {
		t.Errorf("service account: %q/%q", spec.ServiceAccountName, spec.DeprecatedServiceAccount)
	}
	if spec.EnableServiceLinks == nil || !*spec.EnableServiceLinks {
		t.Error("enableServiceLinks not defaulted to true")
	}
	if spec.Priority == nil || *spec.Priority != 0 || spec.PreemptionPolicy == nil || *spec.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("priority: %v %v", spec.Priority, spec.PreemptionPolicy)
	}
	if len(spec.Tolerations) != 2 || spec.Tolerations[0].Key != corev1.TaintNodeNotReady || spec.Tolerations[1].Key != corev1.TaintNodeUnreachable ||
		*spec.Tolerations[0].TolerationSeconds != 300 || spec.Tolerations[0].Effect != corev1.TaintEffectNoExecute || spec.Tolerations[0].Operator != corev1.TolerationOpExists {
		t.Errorf("tolerations: %+v", spec.Tolerations)
	}
	if got := spec.Containers[0].Resources.Requests.Cpu().String(); got != "1" {
		t.Errorf("requests.cpu defaulted to %s, want the limit 1", got)
	}
	if p.Status.Phase != corev1.PodPending || p.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("status: %+v", p.Status)
	}
	if errs := validatePod(p); len(errs) > 0 {
		t.Errorf("defaulted pod invalid: %v", errs)
	}
}

func TestPodExistingTolerationKept(t *testing.T) {
	p := createdPod(func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists}}
	})
	if len(p.Spec.Tolerations) != 2 || p.Spec.Tolerations[0].TolerationSeconds != nil {
		t.Errorf("tolerations: %+v", p.Spec.Tolerations)
	}
}

func TestPodQOS(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req, lim string
		want     corev1.PodQOSClass
	}{
		{"nothing", "", "", corev1.PodQOSBestEffort},
		{"limits only", "", "2", corev1.PodQOSGuaranteed},
		{"equal", "1", "1", corev1.PodQOSGuaranteed},
		{"requests below limits", "1", "2", corev1.PodQOSBurstable},
		{"requests only", "1", "", corev1.PodQOSBurstable},
	} {
		if got := createdPod(withResources(tc.req, tc.lim)).Status.QOSClass; got != tc.want {
			t.Errorf("%s: QOS %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestValidatePod(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []string
	}{
		{"no containers", func(p *corev1.Pod) { p.Spec.Containers = nil }, []string{"spec.containers: Required value"}},
		{"no image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }, []string{"spec.containers[0].image: Required value"}},
		{"dns policy", func(p *corev1.Pod) { p.Spec.DNSPolicy = "Google" }, []string{
			`spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"`,
		}},
		{"requests above limits", withResources("2", "1"), []string{
			`spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`,
			`spec.containers[0].resources.requests: Invalid value: "2Mi": must be less than or equal to memory limit of 1Mi`,
		}},
		{"duplicate port name", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 81}}
		}, []string{`spec.containers[0].ports[1].name: Duplicate value: "http"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, validatePod(newPod(tc.mutate)), tc.want...)
		})
	}
}

func TestValidatePodUpdate(t *testing.T) {
	const forbidden = "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
	for _, tc := range []struct {
		name   string
		mutate func(*corev1.Pod)
		want   []string
	}{
		{"image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "nginx:1.28" }, nil},
		{"added toleration", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists})
		}, nil},
		{"deadline", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = int64Ptr(10) }, nil},
		{"command", func(p *corev1.Pod) { p.Spec.Containers[0].Command = []string{"sh"} }, []string{forbidden}},
		{"removed toleration", func(p *corev1.Pod) { p.Spec.Tolerations = p.Spec.Tolerations[:1] }, []string{
			"spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
		}},
		{"added container", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b", Image: "b", ImagePullPolicy: "Always", TerminationMessagePolicy: "File"})
		}, []string{"spec.containers: Forbidden: pod updates may not add or remove containers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := createdPod()
			p := old.DeepCopy()
			tc.mutate(p)
			wantErrors(t, validatePodUpdate(p, old), tc.want...)
		})
	}
}

func TestPodFields(t *testing.T) {
	p := createdPod(func(p *corev1.Pod) { p.Spec.NodeName = "n1" })
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.1.0.5"}}
	f := podFields(p)
	for k, v := range map[string]string{
		"spec.nodeName": "n1", "spec.restartPolicy": "Always", "spec.schedulerName": "default-scheduler",
		"spec.serviceAccountName": "default", "spec.hostNetwork": "false", "status.phase": "Pending",
		"status.podIP": "10.1.0.5", "status.podIPs": "10.1.0.5", "status.nominatedNodeName": "",
	} {
		if got, ok := f[k]; !ok || got != v {
			t.Errorf("field %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
}

func TestPodRow(t *testing.T) {
	ago := func(d time.Duration) metav1.Time { return metav1.NewTime(time.Now().Add(-d)) }
	running := func(ready bool) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: "c", Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	}
	for _, tc := range []struct {
		name                    string
		mutate                  func(*corev1.Pod)
		ready, status, restarts string
	}{
		{"pending", func(*corev1.Pod) {}, "0/1", "Pending", "0"},
		{"running", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true)}
		}, "1/1", "Running", "0"},
		{"crash loop", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{
				Name: "c", RestartCount: 3,
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{FinishedAt: ago(5 * time.Minute)}},
			}}
		}, "0/1", "CrashLoopBackOff", "3 (5m ago)"},
		{"init", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "a"}, {Name: "b"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{
				{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}},
				{Name: "b", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			}
		}, "0/1", "Init:1/2", "0"},
		{"init failed", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "a"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "a", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}}}
		}, "0/1", "Init:ExitCode:2", "0"},
		{"completed", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}
		}, "0/1", "Completed", "0"},
		{"terminating", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			now := metav1.Now()
			p.DeletionTimestamp = &now
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true)}
		}, "1/1", "Terminating", "0"},
		{"sidecar counts", func(p *corev1.Pod) {
			always := corev1.ContainerRestartPolicyAlways
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: &always}}
			started := true
			p.Status.Phase = corev1.PodRunning
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "proxy", Ready: true, Started: &started, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running(true)}
		}, "2/2", "Running", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := createdPod()
			p.CreationTimestamp = ago(time.Hour)
			tc.mutate(p)
			wantCells(t, podRow(p), "web", tc.ready, tc.status, tc.restarts, "60m", "<none>", "<none>", "<none>", "<none>")
		})
	}
	if len(podColumns) != 9 || podColumns[5].Priority != 1 {
		t.Errorf("pod columns: %+v", podColumns)
	}
}
