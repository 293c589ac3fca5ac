package fake

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Runtime implements runtimeapi.RuntimeServiceClient and
// runtimeapi.ImageServiceClient in memory. Methods it does not implement
// panic through the nil embedded interfaces, so a test notices at once.
type Runtime struct {
	runtimeapi.RuntimeServiceClient
	runtimeapi.ImageServiceClient

	// ExecSyncFunc answers ExecSync; nil means exit 0 with no output.
	ExecSyncFunc func(containerID string, cmd []string) (*runtimeapi.ExecSyncResponse, error)
	// StreamURL is returned by Exec, Attach and PortForward.
	StreamURL string
	// NetworkReady is reported by Status (true by default).
	NetworkReady bool

	mu         sync.Mutex
	now        func() time.Time
	nextID     int
	sandboxes  map[string]*runtimeapi.PodSandboxStatus
	containers map[string]*runtimeapi.ContainerStatus
	sandboxOf  map[string]string
	images     map[string]*runtimeapi.Image
	failNext   map[string]error
	pullable   map[string]bool
	calls      []string
}

// New returns an empty runtime with a ready network.
func New() *Runtime {
	return &Runtime{
		NetworkReady: true,
		now:          time.Now,
		sandboxes:    map[string]*runtimeapi.PodSandboxStatus{},
		containers:   map[string]*runtimeapi.ContainerStatus{},
		sandboxOf:    map[string]string{},
		images:       map[string]*runtimeapi.Image{},
		failNext:     map[string]error{},
	}
}

// Calls returns the names of the methods called so far, in order.
func (r *Runtime) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// FailNext makes the next call of method (e.g. "RunPodSandbox") return err.
func (r *Runtime) FailNext(method string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failNext[method] = err
}

// SetExited marks a running container exited, as if its process ended.
func (r *Runtime) SetExited(containerID string, exitCode int32, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.containers[containerID]; ok {
		c.State = runtimeapi.ContainerState_CONTAINER_EXITED
		c.ExitCode = exitCode
		c.Reason = reason
		c.FinishedAt = r.now().UnixNano()
	}
}

// Containers returns a snapshot of every container, sandboxes excluded.
func (r *Runtime) Containers() []*runtimeapi.ContainerStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*runtimeapi.ContainerStatus, 0, len(r.containers))
	for _, c := range r.containers {
		out = append(out, cloneContainer(c))
	}
	slices.SortFunc(out, func(a, b *runtimeapi.ContainerStatus) int { return int(a.CreatedAt - b.CreatedAt) })
	return out
}

// Sandboxes returns a snapshot of every sandbox.
func (r *Runtime) Sandboxes() []*runtimeapi.PodSandboxStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*runtimeapi.PodSandboxStatus, 0, len(r.sandboxes))
	for _, s := range r.sandboxes {
		out = append(out, cloneSandbox(s))
	}
	slices.SortFunc(out, func(a, b *runtimeapi.PodSandboxStatus) int { return int(a.CreatedAt - b.CreatedAt) })
	return out
}

// begin records a call and returns the injected failure for it, if any.
// The caller holds r.mu.
func (r *Runtime) begin(method string) error {
	r.calls = append(r.calls, method)
	if err, ok := r.failNext[method]; ok {
		delete(r.failNext, method)
		return err
	}
	return nil
}

func (r *Runtime) newID(prefix string) string {
	r.nextID++
	return fmt.Sprintf("%s%04d", prefix, r.nextID)
}

func notFound(kind, id string) error {
	return status.Errorf(codes.NotFound, "an error occurred when try to find %s %q: not found", kind, id)
}

func cloneContainer(c *runtimeapi.ContainerStatus) *runtimeapi.ContainerStatus {
	return proto.Clone(c).(*runtimeapi.ContainerStatus)
}

func cloneSandbox(s *runtimeapi.PodSandboxStatus) *runtimeapi.PodSandboxStatus {
	return proto.Clone(s).(*runtimeapi.PodSandboxStatus)
}

func labelsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// Version reports a containerd-like runtime.
func (r *Runtime) Version(context.Context, *runtimeapi.VersionRequest, ...grpc.CallOption) (*runtimeapi.VersionResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("Version"); err != nil {
		return nil, err
	}
	return &runtimeapi.VersionResponse{Version: "0.1.0", RuntimeName: "fake", RuntimeVersion: "1.0.0", RuntimeApiVersion: "v1"}, nil
}

// Status reports RuntimeReady and NetworkReady.
func (r *Runtime) Status(context.Context, *runtimeapi.StatusRequest, ...grpc.CallOption) (*runtimeapi.StatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("Status"); err != nil {
		return nil, err
	}
	network := &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Status: r.NetworkReady}
	if !r.NetworkReady {
		network.Reason, network.Message = "NetworkPluginNotReady", "Network plugin returns error: cni plugin not initialized"
	}
	return &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true}, network,
	}}}, nil
}
