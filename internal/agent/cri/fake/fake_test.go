package fake

import (
	"context"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

var (
	_ runtimeapi.RuntimeServiceClient = (*Runtime)(nil)
	_ runtimeapi.ImageServiceClient   = (*Runtime)(nil)
)

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	r := New()
	r.AddImage("busybox")
	labels := map[string]string{"io.kubernetes.pod.uid": "u1"}
	sb, err := r.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{Labels: labels}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId,
		Config: &runtimeapi.ContainerConfig{Metadata: &runtimeapi.ContainerMetadata{Name: "c"}, Image: &runtimeapi.ImageSpec{Image: "busybox"}, Labels: labels}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
		t.Fatal(err)
	}
	r.SetExited(c.ContainerId, 1, "Error")
	list, _ := r.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{LabelSelector: labels}})
	if len(list.Containers) != 1 || list.Containers[0].State != runtimeapi.ContainerState_CONTAINER_EXITED {
		t.Fatalf("containers = %v", list.Containers)
	}
	st, _ := r.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.ContainerId})
	if st.Status.ExitCode != 1 {
		t.Fatalf("exit code = %d", st.Status.ExitCode)
	}
	if _, err := r.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: "missing"}}); err == nil {
		t.Fatal("pulling an unknown image succeeded")
	}
	r.FailNext("RunPodSandbox", context.DeadlineExceeded)
	if _, err := r.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{}}); err == nil {
		t.Fatal("FailNext had no effect")
	}
	if _, err := r.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.PodSandboxId}); err != nil {
		t.Fatal(err)
	}
	if len(r.Containers()) != 0 {
		t.Fatal("removing the sandbox left its containers")
	}
}
