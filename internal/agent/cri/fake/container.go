package fake

import (
	"context"
	"maps"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CreateContainer creates a container in a ready sandbox from a present image.
func (r *Runtime) CreateContainer(_ context.Context, in *runtimeapi.CreateContainerRequest, _ ...grpc.CallOption) (*runtimeapi.CreateContainerResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("CreateContainer"); err != nil {
		return nil, err
	}
	s, ok := r.sandboxes[in.GetPodSandboxId()]
	if !ok || s.State != runtimeapi.PodSandboxState_SANDBOX_READY {
		return nil, status.Errorf(codes.FailedPrecondition, "sandbox %q is not ready", in.GetPodSandboxId())
	}
	cfg := in.GetConfig()
	id := r.newID("container")
	r.containers[id] = &runtimeapi.ContainerStatus{
		Id:          id,
		Metadata:    cfg.GetMetadata(),
		State:       runtimeapi.ContainerState_CONTAINER_CREATED,
		CreatedAt:   r.now().UnixNano(),
		Image:       cfg.GetImage(),
		ImageRef:    cfg.GetImage().GetImage(),
		Labels:      maps.Clone(cfg.GetLabels()),
		Annotations: maps.Clone(cfg.GetAnnotations()),
		LogPath:     cfg.GetLogPath(),
	}
	r.sandboxOf[id] = s.Id
	return &runtimeapi.CreateContainerResponse{ContainerId: id}, nil
}

// StartContainer moves a created container to running.
func (r *Runtime) StartContainer(_ context.Context, in *runtimeapi.StartContainerRequest, _ ...grpc.CallOption) (*runtimeapi.StartContainerResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("StartContainer"); err != nil {
		return nil, err
	}
	c, ok := r.containers[in.GetContainerId()]
	if !ok {
		return nil, notFound("container", in.GetContainerId())
	}
	if c.State != runtimeapi.ContainerState_CONTAINER_CREATED {
		return nil, status.Errorf(codes.FailedPrecondition, "container %q is in %s state", c.Id, c.State)
	}
	c.State, c.StartedAt = runtimeapi.ContainerState_CONTAINER_RUNNING, r.now().UnixNano()
	return &runtimeapi.StartContainerResponse{}, nil
}

// StopContainer stops a running container as if it exited on SIGTERM.
func (r *Runtime) StopContainer(_ context.Context, in *runtimeapi.StopContainerRequest, _ ...grpc.CallOption) (*runtimeapi.StopContainerResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("StopContainer"); err != nil {
		return nil, err
	}
	c, ok := r.containers[in.GetContainerId()]
	if !ok {
		return nil, notFound("container", in.GetContainerId())
	}
	if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
		c.State, c.ExitCode, c.Reason, c.FinishedAt = runtimeapi.ContainerState_CONTAINER_EXITED, 143, "Error", r.now().UnixNano()
	}
	return &runtimeapi.StopContainerResponse{}, nil
}

// RemoveContainer removes a container; absent is not an error.
func (r *Runtime) RemoveContainer(_ context.Context, in *runtimeapi.RemoveContainerRequest, _ ...grpc.CallOption) (*runtimeapi.RemoveContainerResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("RemoveContainer"); err != nil {
		return nil, err
	}
	delete(r.containers, in.GetContainerId())
	delete(r.sandboxOf, in.GetContainerId())
	return &runtimeapi.RemoveContainerResponse{}, nil
}

// ListContainers honours the id, sandbox, state and label filters.
func (r *Runtime) ListContainers(_ context.Context, in *runtimeapi.ListContainersRequest, _ ...grpc.CallOption) (*runtimeapi.ListContainersResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("ListContainers"); err != nil {
		return nil, err
	}
	f := in.GetFilter()
	var out []*runtimeapi.Container
	for _, c := range r.containers {
		switch {
		case f.GetId() != "" && f.GetId() != c.Id,
			f.GetPodSandboxId() != "" && f.GetPodSandboxId() != r.sandboxOf[c.Id],
			f.GetState() != nil && f.GetState().GetState() != c.State,
			!labelsMatch(c.Labels, f.GetLabelSelector()):
			continue
		}
		out = append(out, &runtimeapi.Container{Id: c.Id, PodSandboxId: r.sandboxOf[c.Id], Metadata: c.Metadata, Image: c.Image,
			ImageRef: c.ImageRef, State: c.State, CreatedAt: c.CreatedAt, Labels: maps.Clone(c.Labels), Annotations: maps.Clone(c.Annotations)})
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

// ContainerStatus returns the container's status.
func (r *Runtime) ContainerStatus(_ context.Context, in *runtimeapi.ContainerStatusRequest, _ ...grpc.CallOption) (*runtimeapi.ContainerStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("ContainerStatus"); err != nil {
		return nil, err
	}
	c, ok := r.containers[in.GetContainerId()]
	if !ok {
		return nil, notFound("container", in.GetContainerId())
	}
	return &runtimeapi.ContainerStatusResponse{Status: cloneContainer(c)}, nil
}

// UpdateContainerResources accepts any update for an existing container.
func (r *Runtime) UpdateContainerResources(_ context.Context, in *runtimeapi.UpdateContainerResourcesRequest, _ ...grpc.CallOption) (*runtimeapi.UpdateContainerResourcesResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("UpdateContainerResources"); err != nil {
		return nil, err
	}
	if _, ok := r.containers[in.GetContainerId()]; !ok {
		return nil, notFound("container", in.GetContainerId())
	}
	return &runtimeapi.UpdateContainerResourcesResponse{}, nil
}

// ExecSync runs ExecSyncFunc, or succeeds silently.
func (r *Runtime) ExecSync(_ context.Context, in *runtimeapi.ExecSyncRequest, _ ...grpc.CallOption) (*runtimeapi.ExecSyncResponse, error) {
	r.mu.Lock()
	err := r.begin("ExecSync")
	fn := r.ExecSyncFunc
	c, ok := r.containers[in.GetContainerId()]
	running := ok && c.State == runtimeapi.ContainerState_CONTAINER_RUNNING
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if !running {
		return nil, status.Errorf(codes.NotFound, "container %q is not running", in.GetContainerId())
	}
	if fn != nil {
		return fn(in.GetContainerId(), in.GetCmd())
	}
	return &runtimeapi.ExecSyncResponse{}, nil
}

// Exec returns StreamURL.
func (r *Runtime) Exec(context.Context, *runtimeapi.ExecRequest, ...grpc.CallOption) (*runtimeapi.ExecResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("Exec"); err != nil {
		return nil, err
	}
	return &runtimeapi.ExecResponse{Url: r.StreamURL}, nil
}

// Attach returns StreamURL.
func (r *Runtime) Attach(context.Context, *runtimeapi.AttachRequest, ...grpc.CallOption) (*runtimeapi.AttachResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("Attach"); err != nil {
		return nil, err
	}
	return &runtimeapi.AttachResponse{Url: r.StreamURL}, nil
}

// PortForward returns StreamURL.
func (r *Runtime) PortForward(context.Context, *runtimeapi.PortForwardRequest, ...grpc.CallOption) (*runtimeapi.PortForwardResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("PortForward"); err != nil {
		return nil, err
	}
	return &runtimeapi.PortForwardResponse{Url: r.StreamURL}, nil
}
