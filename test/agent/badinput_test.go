package agent_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/internal/podstatus"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// watchWaiting records every waiting reason each pod's container "c" shows,
// so a state that lasts less than a poll is still seen.
func watchWaiting(t *testing.T, c kubernetes.Interface, ns string) func(pod string) []string {
	t.Helper()
	w, err := c.CoreV1().Pods(ns).Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	var mu sync.Mutex
	seen := map[string][]string{}
	go func() {
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*v1.Pod); ok {
				if wt := lcStatus(p, "c").State.Waiting; wt != nil {
					mu.Lock()
					seen[p.Name] = append(seen[p.Name], wt.Reason+": "+wt.Message)
					mu.Unlock()
				}
			}
		}
	}()
	return func(pod string) []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen[pod])
	}
}

func waitingIs(name, reason string) func(*v1.Pod) bool {
	return func(p *v1.Pod) bool {
		w := lcStatus(p, name).State.Waiting
		return w != nil && w.Reason == reason
	}
}

// TestBadInput gives the node pods that cannot run and checks each shows
// what kubelet with containerd shows, and that none of them wedges the
// node: a healthy pod created afterwards is Ready soon.
func TestBadInput(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	c, ns := env.Client, "default"
	ctx := context.Background()

	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}, Data: map[string]string{"y": "1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	noImage := lcPod("no-image", "localhost:5000/nope:1", lcSleeper)
	noImage.Spec.Containers[0].ImagePullPolicy = v1.PullAlways

	badCommand := lcPod("bad-command", image, "")
	badCommand.Spec.Containers[0].Command = []string{"/nonexistent"}
	badCommand.Spec.RestartPolicy = v1.RestartPolicyNever

	badCommandAlways := lcPod("bad-command-always", image, "")
	badCommandAlways.Spec.Containers[0].Command = []string{"/nonexistent"}

	missingKey := lcPod("missing-key", image, lcSleeper)
	missingKey.Spec.Containers[0].Env = []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{
		ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "cm"}, Key: "x"}}}}

	noVolume := lcPod("no-volume", image, lcSleeper)
	noVolume.Spec.Volumes = []v1.Volume{{Name: "v", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
		LocalObjectReference: v1.LocalObjectReference{Name: "missing"}}}}}
	noVolume.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "v", MountPath: "/v"}}

	closedPort := lcPod("closed-port", image, lcSleeper)
	closedPort.Spec.Containers[0].ReadinessProbe = &v1.Probe{ProbeHandler: v1.ProbeHandler{
		TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(9999)}}, PeriodSeconds: 1}

	waitings := watchWaiting(t, c, ns)
	lcCreate(t, c, ns, noImage, badCommand, badCommandAlways, missingKey, noVolume, closedPort)

	t.Run("MissingImage", func(t *testing.T) {
		p := lcWait(t, c, ns, "no-image", 60*time.Second, "in ImagePullBackOff", waitingIs("c", "ImagePullBackOff"))
		if w := lcStatus(p, "c").State.Waiting; !strings.HasPrefix(w.Message, `Back-off pulling image "localhost:5000/nope:1": ErrImagePull: `) {
			t.Errorf("ImagePullBackOff message %q", w.Message)
		}
		var pullErr string
		for _, w := range waitings("no-image") {
			if strings.HasPrefix(w, "ErrImagePull: ") {
				pullErr = strings.TrimPrefix(w, "ErrImagePull: ")
			}
		}
		if !strings.Contains(pullErr, `failed to pull and unpack image "localhost:5000/nope:1"`) {
			t.Errorf("ErrImagePull message %q; waiting states seen: %q", pullErr, waitings("no-image"))
		}
		if p.Status.Phase != v1.PodPending {
			t.Errorf("phase %s, want Pending", p.Status.Phase)
		}
		for _, prefix := range []string{
			`Pulling: Pulling image "localhost:5000/nope:1"`,
			`Failed: Failed to pull image "localhost:5000/nope:1": `,
			"Failed: Error: ErrImagePull",
			`BackOff: Back-off pulling image "localhost:5000/nope:1"`,
			"Failed: Error: ImagePullBackOff",
		} {
			lcEvent(t, c, ns, "no-image", prefix, 10*time.Second)
		}
	})

	t.Run("BadCommand", func(t *testing.T) {
		p := lcWait(t, c, ns, "bad-command", 60*time.Second, "Failed", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
		term := lcStatus(p, "c").State.Terminated
		if term == nil || term.Reason != "StartError" || term.ExitCode != 128 ||
			!strings.HasPrefix(term.Message, "failed to create containerd task: ") ||
			!strings.HasSuffix(term.Message, `exec: "/nonexistent": stat /nonexistent: no such file or directory: unknown`) {
			t.Errorf("bad command:\n%s", lcDump(p))
		}
		lcEvent(t, c, ns, "bad-command", "Failed: Error: failed to create containerd task: ", 10*time.Second)
	})

	t.Run("BadCommandRestarted", func(t *testing.T) {
		p := lcWait(t, c, ns, "bad-command-always", 60*time.Second, "restarted", func(p *v1.Pod) bool { return lcStatus(p, "c").RestartCount >= 1 })
		s := lcStatus(p, "c")
		if last := s.LastTerminationState.Terminated; last == nil || last.Reason != "StartError" || last.ExitCode != 128 || p.Status.Phase != v1.PodRunning {
			t.Errorf("bad-command-always:\n%s", lcDump(p))
		}
		if w := s.State.Waiting; w != nil && w.Reason != "CrashLoopBackOff" && w.Reason != "RunContainerError" {
			t.Errorf("bad-command-always waits with %s", w.Reason)
		}
	})

	t.Run("MissingConfigMapKey", func(t *testing.T) {
		p := lcWait(t, c, ns, "missing-key", 60*time.Second, "in CreateContainerConfigError", waitingIs("c", "CreateContainerConfigError"))
		want := "couldn't find key x in ConfigMap default/cm"
		if w := lcStatus(p, "c").State.Waiting; w.Message != want {
			t.Errorf("message %q, want %q", w.Message, want)
		}
		lcEvent(t, c, ns, "missing-key", "Failed: Error: "+want, 10*time.Second)
	})

	t.Run("UnmountableVolume", func(t *testing.T) {
		e := lcEvent(t, c, ns, "no-volume", `FailedMount: MountVolume.SetUp failed for volume "v" : configmap "missing" not found`, 30*time.Second)
		t.Log(e)
		p := lcWait(t, c, ns, "no-volume", 5*time.Second, "Pending", func(p *v1.Pod) bool { return p.Status.Phase == v1.PodPending })
		if w := lcStatus(p, "c").State.Waiting; w == nil || w.Reason != "ContainerCreating" {
			t.Errorf("no-volume:\n%s", lcDump(p))
		}
	})

	t.Run("ProbeOnClosedPort", func(t *testing.T) {
		p := lcWait(t, c, ns, "closed-port", 60*time.Second, "Running", func(p *v1.Pod) bool { return p.Status.PodIP != "" })
		want := fmt.Sprintf("Unhealthy: Readiness probe failed: dial tcp %s:9999: connect: connection refused", p.Status.PodIP)
		lcEvent(t, c, ns, "closed-port", want, 20*time.Second)
		p = lcWait(t, c, ns, "closed-port", 5*time.Second, "Running", func(p *v1.Pod) bool { return true })
		if podstatus.Ready(p) {
			t.Errorf("Ready with a failing readiness probe:\n%s", lcDump(p))
		}
	})

	t.Run("KubectlStatus", func(t *testing.T) {
		wantKubectl(t, env, map[string]string{
			"bad-command": "0/1 StartError", "missing-key": "0/1 CreateContainerConfigError",
			"no-volume": "0/1 ContainerCreating", "closed-port": "0/1 Running",
		})
		if got := kubectlStatus(t, env)["no-image"]; got != "0/1 ImagePullBackOff" && got != "0/1 ErrImagePull" {
			t.Errorf("kubectl get pods: no-image shows %q", got)
		}
	})

	t.Run("Recovery", func(t *testing.T) {
		cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "cm", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.Data["x"] = "2"
		if _, err := c.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "missing"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		lcWait(t, c, ns, "missing-key", 60*time.Second, "Ready once the key exists", podstatus.Ready)
		lcWait(t, c, ns, "no-volume", 60*time.Second, "Ready once the ConfigMap exists", podstatus.Ready)
	})

	t.Run("NodeNotWedged", func(t *testing.T) {
		lcCreate(t, c, ns, lcPod("healthy", image, lcSleeper))
		lcWait(t, c, ns, "healthy", 30*time.Second, "Ready", podstatus.Ready)
	})
}
