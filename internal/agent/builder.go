package agent

import (
	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"
	"github.com/bosun-dev/bosun/internal/agent/pods"
)

// podBuilder lets the pod workers use containerconfig without importing it:
// it adds the node's IPs, which the workers do not track per container.
type podBuilder struct {
	*containerconfig.Builder
	hostIPs []string
}

func (b podBuilder) Container(pod *v1.Pod, c *v1.Container, o pods.ContainerOptions) (*runtimeapi.ContainerConfig, error) {
	return b.Builder.Container(pod, c, containerconfig.ContainerOptions{
		ImageRef: o.ImageRef, Attempt: o.Attempt, Volumes: o.Volumes, PodIPs: o.PodIPs, HostIPs: b.hostIPs,
	})
}
