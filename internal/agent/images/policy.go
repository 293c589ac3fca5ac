package images

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "k8s.io/api/core/v1"
)

// withDefaultTag validates image and appends ":latest" when it has neither
// tag nor digest. It appends rather than re-rendering the parsed name so
// that a short name ("busybox") stays short: the runtime, not the agent,
// decides the default registry.
func withDefaultTag(image string) (string, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return "", err
	}
	if tag, ok := ref.(name.Tag); ok && !strings.HasSuffix(image, ":"+tag.TagStr()) {
		return image + ":" + tag.TagStr(), nil
	}
	return image, nil
}

// pullPolicy is the container's policy, defaulted as the API server does
// for objects stored before defaulting (":latest" or no tag: Always).
func pullPolicy(c *v1.Container) v1.PullPolicy {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy
	}
	ref, err := name.ParseReference(c.Image)
	if err != nil {
		return v1.PullIfNotPresent
	}
	if tag, ok := ref.(name.Tag); ok && tag.TagStr() == "latest" {
		return v1.PullAlways
	}
	return v1.PullIfNotPresent
}

// fieldPath names the container inside its pod the way kubelet's events
// do, so `kubectl describe` attributes them to the right container.
func fieldPath(pod *v1.Pod, containerName string) string {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == containerName {
			return fmt.Sprintf("spec.initContainers{%s}", containerName)
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == containerName {
			return fmt.Sprintf("spec.ephemeralContainers{%s}", containerName)
		}
	}
	return fmt.Sprintf("spec.containers{%s}", containerName)
}

// containerRef is the object events about a pod's container are recorded on.
func containerRef(pod *v1.Pod, containerName string) *v1.ObjectReference {
	return &v1.ObjectReference{
		Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name,
		UID: pod.UID, ResourceVersion: pod.ResourceVersion, FieldPath: fieldPath(pod, containerName),
	}
}
