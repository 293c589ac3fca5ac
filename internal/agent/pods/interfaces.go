package pods

import (
	"context"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The agent's other parts, as the pod workers need them. Declared here so this
// package depends on behaviour, not on their packages; tests pass fakes.

// ImageEnsurer makes a container's image present and returns the runtime's
// image reference. Its errors carry a Kubernetes waiting reason (ErrImagePull,
// ImagePullBackOff, ...) through a Reason() string method.
type ImageEnsurer interface {
	EnsureImage(ctx context.Context, pod *v1.Pod, c *v1.Container, pullSecrets []v1.Secret, sandbox *runtimeapi.PodSandboxConfig) (string, error)
}

// VolumeManager prepares a pod's volumes on the host and tears them down.
type VolumeManager interface {
	// Setup returns each volume's host path by volume name; it is called on
	// every sync that starts something, so it must be idempotent.
	Setup(ctx context.Context, pod *v1.Pod) (map[string]string, error)
	Teardown(ctx context.Context, podUID types.UID) error
}

// Prober runs a pod's probes and answers with their latest results.
type Prober interface {
	Update(pod *v1.Pod, status *v1.PodStatus)
	Remove(podUID types.UID)
	Ready(containerID string) bool
	Started(containerID string) bool
	LivenessFailed(containerID string) (failed bool, message string)
}

// ContainerOptions is what a container's runtime config needs beyond the spec.
type ContainerOptions struct {
	ImageRef string
	Attempt  uint32
	Volumes  map[string]string
	PodIPs   []string
}

// ConfigBuilder turns specs into CRI configs. Container errors are
// CreateContainerConfigError (a missing ConfigMap, Secret or key).
type ConfigBuilder interface {
	Sandbox(pod *v1.Pod, attempt uint32) (*runtimeapi.PodSandboxConfig, error)
	Container(pod *v1.Pod, c *v1.Container, opts ContainerOptions) (*runtimeapi.ContainerConfig, error)
}

// Cgroups owns the pod-level cgroups; EnsurePod returns the cgroup parent for
// the sandbox.
type Cgroups interface {
	EnsurePod(pod *v1.Pod) (parent string, err error)
	RemovePod(pod *v1.Pod) error
}
