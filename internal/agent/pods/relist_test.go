package pods

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
)

func TestRelistFingerprintChangesWithContainerState(t *testing.T) {
	ctx := context.Background()
	rt := fake.New()
	rt.AddImage("img")
	labels := map[string]string{labelPodUID: "u1"}
	sb, _ := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{Labels: labels}})
	c, _ := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId,
		Config: &runtimeapi.ContainerConfig{Image: &runtimeapi.ImageSpec{Image: "img"}, Labels: labels}})
	_, _ = rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId})
	before, err := relist(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := relist(ctx, rt)
	if before["u1"] == "" || before["u1"] != again["u1"] {
		t.Fatalf("fingerprint unstable: %q vs %q", before["u1"], again["u1"])
	}
	rt.SetExited(c.ContainerId, 1, "Error")
	after, _ := relist(ctx, rt)
	if after["u1"] == before["u1"] {
		t.Fatal("an exit did not change the pod's fingerprint")
	}
}

func TestSettled(t *testing.T) {
	running := v1.ContainerStatus{State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}}
	creating := v1.ContainerStatus{State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	for _, tt := range []struct {
		name    string
		status  *v1.PodStatus
		waiting map[string]waiting
		want    bool
	}{
		{"never synced", nil, nil, false},
		{"running", &v1.PodStatus{Phase: v1.PodRunning, ContainerStatuses: []v1.ContainerStatus{running}}, nil, true},
		{"one still creating", &v1.PodStatus{Phase: v1.PodRunning, ContainerStatuses: []v1.ContainerStatus{running, creating}}, nil, false},
		{"backing off", &v1.PodStatus{Phase: v1.PodRunning, ContainerStatuses: []v1.ContainerStatus{running}}, map[string]waiting{"c": {Reason: "CrashLoopBackOff"}}, false},
		{"pending", &v1.PodStatus{Phase: v1.PodPending}, nil, false},
		{"succeeded", &v1.PodStatus{Phase: v1.PodSucceeded}, nil, true},
	} {
		if got := settled(tt.status, tt.waiting); got != tt.want {
			t.Errorf("%s: settled = %v, want %v", tt.name, got, tt.want)
		}
	}
}
