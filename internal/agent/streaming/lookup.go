package streaming

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRI labels the agent puts on sandboxes and containers, as kubelet does.
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelContainerName = "io.kubernetes.container.name"
)

// containersOf lists one container name's instances in a pod, newest first.
func (s *Server) containersOf(ctx context.Context, namespace, pod, container string) ([]*runtimeapi.Container, error) {
	resp, err := s.cfg.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		LabelSelector: map[string]string{labelPodNamespace: namespace, labelPodName: pod, labelContainerName: container}}})
	if err != nil {
		return nil, fmt.Errorf("list containers of %s/%s: %w", namespace, pod, err)
	}
	list := resp.GetContainers()
	sortNewestFirst(list)
	return list, nil
}

// sortNewestFirst orders by attempt (the restart count), then creation.
func sortNewestFirst(list []*runtimeapi.Container) {
	sort.SliceStable(list, func(i, j int) bool {
		ai, aj := list[i].GetMetadata().GetAttempt(), list[j].GetMetadata().GetAttempt()
		if ai != aj {
			return ai > aj
		}
		return list[i].GetCreatedAt() > list[j].GetCreatedAt()
	})
}

// logContainer picks the container whose log `kubectl logs` (previous or
// not) shows, from newest-first instances. As kubelet: a container waiting
// for its restart shows the one that last ended, both as current and as
// previous; a running one's previous is the instance before it.
func logContainer(list []*runtimeapi.Container, pod, container string, previous bool) (*runtimeapi.Container, error) {
	var started []*runtimeapi.Container
	for _, c := range list {
		if c.GetState() != runtimeapi.ContainerState_CONTAINER_CREATED {
			started = append(started, c)
		}
	}
	if previous {
		for _, c := range started {
			if c.GetState() == runtimeapi.ContainerState_CONTAINER_EXITED {
				return c, nil
			}
		}
		return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod))
	}
	if len(started) == 0 {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, pod))
	}
	return started[0], nil
}

// runningContainer is the instance exec and attach reach.
func runningContainer(list []*runtimeapi.Container, container string) (*runtimeapi.Container, error) {
	for _, c := range list {
		if c.GetState() == runtimeapi.ContainerState_CONTAINER_RUNNING {
			return c, nil
		}
	}
	return nil, notFound(fmt.Sprintf("container not found (%q)", container))
}

// sandboxOf finds the pod's ready sandbox, the target of port-forward.
func (s *Server) sandboxOf(ctx context.Context, namespace, pod string) (string, error) {
	resp, err := s.cfg.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{
		State:         &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY},
		LabelSelector: map[string]string{labelPodNamespace: namespace, labelPodName: pod}}})
	if err != nil {
		return "", fmt.Errorf("list sandboxes of %s/%s: %w", namespace, pod, err)
	}
	var best *runtimeapi.PodSandbox
	for _, sb := range resp.GetItems() {
		if best == nil || sb.GetCreatedAt() > best.GetCreatedAt() {
			best = sb
		}
	}
	if best == nil {
		return "", notFound(fmt.Sprintf("pod not found (%q)", namespace+"/"+pod))
	}
	return best.GetId(), nil
}
