package containerconfig

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strconv"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRI annotation keys kubelet puts on containers.
const (
	AnnotationContainerHash              = "io.kubernetes.container.hash"
	AnnotationRestartCount               = "io.kubernetes.container.restartCount"
	AnnotationTerminationMessagePath     = "io.kubernetes.container.terminationMessagePath"
	AnnotationTerminationMessagePolicy   = "io.kubernetes.container.terminationMessagePolicy"
	AnnotationPodTerminationGracePeriod  = "io.kubernetes.pod.terminationGracePeriod"
	defaultTerminationGracePeriodSeconds = 30
)

// ContainerOptions is what the pod worker knows when it creates a container.
type ContainerOptions struct {
	// ImageRef is the pulled image's reference (image ID or digest).
	ImageRef string
	// Attempt is the container's restart count.
	Attempt uint32
	// Volumes maps volume name to its host path.
	Volumes map[string]string
	// PodIPs and HostIPs are the pod's and node's addresses.
	PodIPs  []string
	HostIPs []string
}

// LogPath is a container attempt's log file relative to the sandbox's log
// directory, as kubelet names it.
func LogPath(container string, attempt uint32) string {
	return filepath.Join(container, strconv.FormatUint(uint64(attempt), 10)+".log")
}

// Container builds the config for one container of pod (regular or init).
// Errors from missing ConfigMaps, Secrets or keys carry Reason()
// "CreateContainerConfigError".
func (b *Builder) Container(pod *v1.Pod, c *v1.Container, opts ContainerOptions) (*runtimeapi.ContainerConfig, error) {
	envList, env, err := b.environment(pod, c, opts)
	if err != nil {
		return nil, err
	}
	mounts, err := b.mounts(pod, c, opts, env)
	if err != nil {
		return nil, newConfigError(err.Error(), err)
	}
	mapping := mappingFor(env)
	qos := QOSClass(pod)
	memCapacity := quantity(b.allocatable(), v1.ResourceMemory)
	return &runtimeapi.ContainerConfig{
		Metadata:    &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: opts.Attempt},
		Image:       &runtimeapi.ImageSpec{Image: opts.ImageRef, UserSpecifiedImage: c.Image},
		Command:     expandAll(c.Command, mapping),
		Args:        expandAll(c.Args, mapping),
		WorkingDir:  c.WorkingDir,
		Envs:        envList,
		Mounts:      mounts,
		Labels:      containerLabels(pod, c),
		Annotations: containerAnnotations(pod, c, opts.Attempt),
		LogPath:     LogPath(c.Name, opts.Attempt),
		Stdin:       c.Stdin,
		StdinOnce:   c.StdinOnce,
		Tty:         c.TTY,
		Linux: &runtimeapi.LinuxContainerConfig{
			Resources:       linuxResources(c, qos, memCapacity.Value()),
			SecurityContext: containerSecurityContext(pod, c),
		},
	}, nil
}

func containerLabels(pod *v1.Pod, c *v1.Container) map[string]string {
	return map[string]string{
		LabelPodName:       pod.Name,
		LabelPodNamespace:  pod.Namespace,
		LabelPodUID:        string(pod.UID),
		LabelContainerName: c.Name,
	}
}

func containerAnnotations(pod *v1.Pod, c *v1.Container, attempt uint32) map[string]string {
	grace := int64(defaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	return map[string]string{
		AnnotationContainerHash:             Hash(c),
		AnnotationRestartCount:              strconv.FormatUint(uint64(attempt), 10),
		AnnotationTerminationMessagePath:    c.TerminationMessagePath,
		AnnotationTerminationMessagePolicy:  string(c.TerminationMessagePolicy),
		AnnotationPodTerminationGracePeriod: strconv.FormatInt(grace, 10),
	}
}

// Hash fingerprints a container's spec so the pod worker can tell when a
// running container no longer matches it and must be replaced. Resources
// are left out: they can change in place.
func Hash(c *v1.Container) string {
	cc := c.DeepCopy()
	cc.Resources = v1.ResourceRequirements{}
	cc.ResizePolicy = nil
	data, err := json.Marshal(cc)
	if err != nil {
		// A v1.Container always marshals; keep the hash total anyway.
		data = []byte(fmt.Sprintf("%#v", cc))
	}
	h := fnv.New32a()
	h.Write(data)
	return strconv.FormatUint(uint64(h.Sum32()), 16)
}
