package pods

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRI labels and annotations, exactly kubelet's, so tools that read them
// (crictl, log collectors) see the same pods.
const (
	labelPodName          = "io.kubernetes.pod.name"
	labelPodNamespace     = "io.kubernetes.pod.namespace"
	labelPodUID           = "io.kubernetes.pod.uid"
	labelContainerName    = "io.kubernetes.container.name"
	annotationRestarts    = "io.kubernetes.container.restartCount"
	annotationTermMsgPath = "io.kubernetes.container.terminationMessagePath"
)

// containerIDPrefix names the runtime in containerStatuses[].containerID;
// Bosun's nodes always run containerd.
const containerIDPrefix = "containerd://"

// sandboxState is one pod sandbox as the runtime reports it.
type sandboxState struct {
	ID        string
	Attempt   uint32
	Ready     bool
	CreatedAt time.Time
	IPs       []string
}

// containerState is one container as the runtime reports it, with its
// termination message already read.
type containerState struct {
	ID, SandboxID, Name string
	Attempt             uint32
	RestartCount        int32
	State               runtimeapi.ContainerState
	CreatedAt           time.Time
	StartedAt           time.Time
	FinishedAt          time.Time
	ExitCode            int32
	Reason, Message     string
	ImageRef            string
	LogPath             string
	TermMsgHostPath     string
}

func (c *containerState) running() bool {
	return c.State == runtimeapi.ContainerState_CONTAINER_RUNNING
}
func (c *containerState) exited() bool { return c.State == runtimeapi.ContainerState_CONTAINER_EXITED }

// runtimePod is everything the runtime holds for one pod, newest first.
type runtimePod struct {
	Sandboxes  []sandboxState
	Containers []containerState
}

// sandbox returns the newest sandbox, or nil.
func (r *runtimePod) sandbox() *sandboxState {
	if len(r.Sandboxes) == 0 {
		return nil
	}
	return &r.Sandboxes[0]
}

// history returns the containers named name, newest first.
func (r *runtimePod) history(name string) []*containerState {
	var out []*containerState
	for i := range r.Containers {
		if r.Containers[i].Name == name {
			out = append(out, &r.Containers[i])
		}
	}
	return out
}

// latest returns the newest container named name, or nil.
func (r *runtimePod) latest(name string) *containerState {
	if h := r.history(name); len(h) > 0 {
		return h[0]
	}
	return nil
}

// readRuntime lists the pod's sandboxes and containers by its UID label.
func readRuntime(ctx context.Context, rt runtimeapi.RuntimeServiceClient, uid types.UID) (*runtimePod, error) {
	sel := map[string]string{labelPodUID: string(uid)}
	sbs, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: sel}})
	if err != nil {
		return nil, fmt.Errorf("list sandboxes of pod %s: %w", uid, err)
	}
	out := &runtimePod{}
	for _, s := range sbs.GetItems() {
		st := sandboxState{ID: s.GetId(), Attempt: s.GetMetadata().GetAttempt(), CreatedAt: time.Unix(0, s.GetCreatedAt()),
			Ready: s.GetState() == runtimeapi.PodSandboxState_SANDBOX_READY}
		if st.Ready {
			resp, err := rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: st.ID})
			if err != nil {
				return nil, fmt.Errorf("status of sandbox %s of pod %s: %w", st.ID, uid, err)
			}
			if n := resp.GetStatus().GetNetwork(); n.GetIp() != "" {
				st.IPs = append(st.IPs, n.GetIp())
				for _, ip := range n.GetAdditionalIps() {
					st.IPs = append(st.IPs, ip.GetIp())
				}
			}
		}
		out.Sandboxes = append(out.Sandboxes, st)
	}
	slices.SortFunc(out.Sandboxes, func(a, b sandboxState) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.Attempt, a.Attempt))
	})
	cs, err := rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{LabelSelector: sel}})
	if err != nil {
		return nil, fmt.Errorf("list containers of pod %s: %w", uid, err)
	}
	for _, c := range cs.GetContainers() {
		resp, err := rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.GetId()})
		if err != nil {
			return nil, fmt.Errorf("status of container %s of pod %s: %w", c.GetId(), uid, err)
		}
		out.Containers = append(out.Containers, fromCRI(c.GetPodSandboxId(), resp.GetStatus()))
	}
	slices.SortFunc(out.Containers, func(a, b containerState) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.Attempt, a.Attempt))
	})
	return out, nil
}

func fromCRI(sandboxID string, s *runtimeapi.ContainerStatus) containerState {
	c := containerState{
		ID: s.GetId(), SandboxID: sandboxID, Name: s.GetLabels()[labelContainerName],
		Attempt: s.GetMetadata().GetAttempt(), State: s.GetState(),
		CreatedAt: unixNano(s.GetCreatedAt()), StartedAt: unixNano(s.GetStartedAt()), FinishedAt: unixNano(s.GetFinishedAt()),
		ExitCode: s.GetExitCode(), Reason: s.GetReason(), Message: s.GetMessage(),
		ImageRef: s.GetImageRef(), LogPath: s.GetLogPath(),
	}
	if c.Name == "" {
		c.Name = s.GetMetadata().GetName()
	}
	c.RestartCount = int32(c.Attempt)
	if n, err := strconv.ParseInt(s.GetAnnotations()[annotationRestarts], 10, 32); err == nil {
		c.RestartCount = int32(n)
	}
	if p := s.GetAnnotations()[annotationTermMsgPath]; p != "" {
		for _, m := range s.GetMounts() {
			if m.GetContainerPath() == p {
				c.TermMsgHostPath = m.GetHostPath()
			}
		}
	}
	return c
}

func unixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}
