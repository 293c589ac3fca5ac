package fake

import (
	"context"
	"fmt"
	"maps"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// RunPodSandbox creates a ready sandbox with the next pod IP (10.244.0.2, .3, ...).
func (r *Runtime) RunPodSandbox(_ context.Context, in *runtimeapi.RunPodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.RunPodSandboxResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("RunPodSandbox"); err != nil {
		return nil, err
	}
	id := r.newID("sandbox")
	cfg := in.GetConfig()
	r.sandboxes[id] = &runtimeapi.PodSandboxStatus{
		Id:          id,
		Metadata:    cfg.GetMetadata(),
		State:       runtimeapi.PodSandboxState_SANDBOX_READY,
		CreatedAt:   r.now().UnixNano(),
		Network:     &runtimeapi.PodSandboxNetworkStatus{Ip: fmt.Sprintf("10.244.0.%d", 1+len(r.sandboxes)%250+1)},
		Labels:      maps.Clone(cfg.GetLabels()),
		Annotations: maps.Clone(cfg.GetAnnotations()),
	}
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: id}, nil
}

// StopPodSandbox stops the sandbox and every container in it.
func (r *Runtime) StopPodSandbox(_ context.Context, in *runtimeapi.StopPodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.StopPodSandboxResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("StopPodSandbox"); err != nil {
		return nil, err
	}
	s, ok := r.sandboxes[in.GetPodSandboxId()]
	if !ok {
		return &runtimeapi.StopPodSandboxResponse{}, nil
	}
	s.State = runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	for id, c := range r.containers {
		if r.sandboxOf[id] == s.Id && c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			c.State, c.ExitCode, c.FinishedAt, c.Reason = runtimeapi.ContainerState_CONTAINER_EXITED, 137, r.now().UnixNano(), "Error"
		}
	}
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

// RemovePodSandbox removes the sandbox and its containers; absent is not an error.
func (r *Runtime) RemovePodSandbox(_ context.Context, in *runtimeapi.RemovePodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.RemovePodSandboxResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("RemovePodSandbox"); err != nil {
		return nil, err
	}
	id := in.GetPodSandboxId()
	delete(r.sandboxes, id)
	for cid, sid := range r.sandboxOf {
		if sid == id {
			delete(r.containers, cid)
			delete(r.sandboxOf, cid)
		}
	}
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

// PodSandboxStatus returns the sandbox's status.
func (r *Runtime) PodSandboxStatus(_ context.Context, in *runtimeapi.PodSandboxStatusRequest, _ ...grpc.CallOption) (*runtimeapi.PodSandboxStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("PodSandboxStatus"); err != nil {
		return nil, err
	}
	s, ok := r.sandboxes[in.GetPodSandboxId()]
	if !ok {
		return nil, notFound("sandbox", in.GetPodSandboxId())
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: cloneSandbox(s)}, nil
}

// ListPodSandbox honours the id, state and label filters.
func (r *Runtime) ListPodSandbox(_ context.Context, in *runtimeapi.ListPodSandboxRequest, _ ...grpc.CallOption) (*runtimeapi.ListPodSandboxResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("ListPodSandbox"); err != nil {
		return nil, err
	}
	f := in.GetFilter()
	var out []*runtimeapi.PodSandbox
	for _, s := range r.sandboxes {
		if f.GetId() != "" && f.GetId() != s.Id {
			continue
		}
		if f.GetState() != nil && f.GetState().GetState() != s.State {
			continue
		}
		if !labelsMatch(s.Labels, f.GetLabelSelector()) {
			continue
		}
		out = append(out, &runtimeapi.PodSandbox{Id: s.Id, Metadata: s.Metadata, State: s.State, CreatedAt: s.CreatedAt,
			Labels: maps.Clone(s.Labels), Annotations: maps.Clone(s.Annotations)})
	}
	return &runtimeapi.ListPodSandboxResponse{Items: out}, nil
}
