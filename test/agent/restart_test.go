package agent_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/agent/cri"
	"github.com/bosun-dev/bosun/internal/podstatus"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// runtimeView is what containerd itself holds for one pod.
type runtimeView struct{ sandboxes, containers []string }

func runtimeOf(t *testing.T, env *testenv.Env, uid string) runtimeView {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rt, err := cri.Dial(ctx, "unix://"+filepath.Join(containerd.RunDir(env.AgentDataDir), "containerd.sock"), 15*time.Second)
	if err != nil {
		t.Fatalf("dial the node's containerd: %v", err)
	}
	defer rt.Close()
	label := map[string]string{"io.kubernetes.pod.uid": uid}
	sbs, err := rt.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: label}})
	if err != nil {
		t.Fatalf("list sandboxes: %v", err)
	}
	cs, err := rt.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{LabelSelector: label}})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	var v runtimeView
	for _, s := range sbs.GetItems() {
		v.sandboxes = append(v.sandboxes, s.GetId())
	}
	for _, c := range cs.GetContainers() {
		v.containers = append(v.containers, c.GetId())
	}
	return v
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func containerdPID(env *testenv.Env) int {
	b, _ := os.ReadFile(filepath.Join(containerd.RunDir(env.AgentDataDir), "containerd.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// TestAgentRestarts restarts the agent, then kills its containerd, and
// checks a running pod is adopted each time rather than restarted.
func TestAgentRestarts(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	c, ns := env.Client, "default"

	keep := lcPod("keep", image, lcSleeper)
	keep.Spec.Containers[0].ReadinessProbe = lcExecProbe("true", 1, 1)
	keep.Spec.InitContainers = []v1.Container{{Name: "i", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"true"}}}
	lcCreate(t, c, ns, keep)
	before := lcWait(t, c, ns, "keep", 60*time.Second, "Ready", podstatus.Ready)
	uid := string(before.UID)
	id := lcStatus(before, "c").ContainerID
	rtBefore := runtimeOf(t, env, uid)
	if len(rtBefore.sandboxes) != 1 || len(rtBefore.containers) != 2 {
		t.Fatalf("before the restart containerd has %+v", rtBefore)
	}

	// unchanged checks the pod kept its one sandbox and container, once the
	// agent has shown it works by running a new pod.
	unchanged := func(t *testing.T, env *testenv.Env, probe string) {
		t.Helper()
		lcCreate(t, env.Client, ns, lcPod(probe, image, lcSleeper))
		lcWait(t, env.Client, ns, probe, 60*time.Second, "Ready", podstatus.Ready)
		p := lcWait(t, env.Client, ns, "keep", 10*time.Second, "Ready", podstatus.Ready)
		s := lcStatus(p, "c")
		if s.ContainerID != id || s.RestartCount != 0 || p.Status.PodIP != before.Status.PodIP {
			t.Errorf("keep was restarted (container %s, was %s):\n%s", s.ContainerID, id, lcDump(p))
		}
		if v := runtimeOf(t, env, uid); !slices.Equal(v.sandboxes, rtBefore.sandboxes) || !sameSet(v.containers, rtBefore.containers) {
			t.Errorf("containerd holds %+v for keep, had %+v", v, rtBefore)
		}
		var created int
		for _, e := range lcEvents(t, env.Client, ns, "keep") {
			if strings.HasPrefix(e, "Created:") {
				created++
			}
		}
		if created != 2 {
			t.Errorf("keep's init and app containers were created %d times", created)
		}
		if condition := podstatus.Condition(p, v1.PodInitialized); condition == nil || condition.Status != v1.ConditionTrue {
			t.Errorf("keep no longer Initialized:\n%s", lcDump(p))
		}
	}

	// Not subtests: the restarted server must outlive the step that starts it.
	env.Stop()
	env = testenv.StartWith(t, testenv.Options{DataDir: env.DataDir, Agent: true, SameNode: env})
	unchanged(t, env, "after-agent")

	pid := containerdPID(env)
	if pid <= 0 {
		t.Fatal("no containerd pid file")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill containerd %d: %v", pid, err)
	}
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		next := containerdPID(env)
		return next > 0 && next != pid && syscall.Kill(next, 0) == nil, nil
	})
	if err != nil {
		t.Fatalf("containerd %d killed and not restarted", pid)
	}
	unchanged(t, env, "after-containerd")
}
