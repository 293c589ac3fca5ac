package volumes

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"
)

// podField resolves a downward API fieldPath of pod. Only volumes can ask
// for all labels or annotations at once; single fields resolve as they do
// for env vars.
func podField(pod *corev1.Pod, fieldPath string) (string, error) {
	switch fieldPath {
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	}
	return containerconfig.FieldValue(pod, fieldPath, nil, nil)
}

// formatMap renders labels or annotations as kubelet does: one
// key="value" line per entry (value Go-quoted), sorted by key, no
// trailing newline.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + strconv.Quote(m[k])
	}
	return strings.Join(lines, "\n")
}

// containerResource renders a container's request or limit divided by the
// divisor and rounded up; an unset limit reads as the node's allocatable,
// as kubelet reports it.
func containerResource(pod *corev1.Pod, ref *corev1.ResourceFieldSelector, node func() (*corev1.Node, error)) (string, error) {
	var c *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == ref.ContainerName {
			c = &pod.Spec.Containers[i]
		}
	}
	for i := range pod.Spec.InitContainers {
		if c == nil && pod.Spec.InitContainers[i].Name == ref.ContainerName {
			c = &pod.Spec.InitContainers[i]
		}
	}
	if c == nil {
		return "", fmt.Errorf("container %q not found in pod %s/%s", ref.ContainerName, pod.Namespace, pod.Name)
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported container resource: %s", ref.Resource)
	}
	list := c.Resources.Requests
	if kind == "limits" {
		list = c.Resources.Limits
	}
	q, set := list[corev1.ResourceName(name)]
	if !set && kind == "limits" {
		n, err := node()
		if err != nil {
			return "", fmt.Errorf("node allocatable for %s: %w", ref.Resource, err)
		}
		q = n.Status.Allocatable[corev1.ResourceName(name)]
	}
	return divide(corev1.ResourceName(name), q, ref.Divisor)
}

// divide is kubelet's rounding: CPU in millicores, everything else in
// units, divided by the divisor (default 1) and rounded up.
func divide(name corev1.ResourceName, q, divisor resource.Quantity) (string, error) {
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	switch name {
	case corev1.ResourceCPU:
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
	case corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10), nil
	}
	if strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
		return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10), nil
	}
	return "", fmt.Errorf("unsupported container resource: %s", name)
}
