package volumes

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "apps", UID: "u1",
			Labels:      map[string]string{"zone": "b", "app": "web"},
			Annotations: map[string]string{"note": "say \"hi\"\nbye"}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{
			Name: "c",
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m")},
			},
		}}},
	}
}

func TestPodField(t *testing.T) {
	pod := testPod()
	tests := []struct{ path, want string }{
		{"metadata.name", "web"},
		{"metadata.namespace", "apps"},
		{"metadata.uid", "u1"},
		{"metadata.labels", "app=\"web\"\nzone=\"b\""},
		{"metadata.annotations", `note="say \"hi\"\nbye"`},
		{"metadata.labels['zone']", "b"},
		{"metadata.labels['missing']", ""},
		{"metadata.annotations['note']", "say \"hi\"\nbye"},
		{"spec.nodeName", "n1"},
	}
	for _, tt := range tests {
		got, err := podField(pod, tt.path)
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
	if _, err := podField(pod, "metadata.generation"); err == nil {
		t.Error("unsupported field accepted")
	}
}

func TestFormatMapEmpty(t *testing.T) {
	if got := formatMap(nil); got != "" {
		t.Fatalf("formatMap(nil) = %q", got)
	}
}

func TestContainerResource(t *testing.T) {
	pod := testPod()
	node := func() (*corev1.Node, error) {
		return &corev1.Node{Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceMemory: resource.MustParse("2Gi")}}}, nil
	}
	tests := []struct {
		res, divisor, want string
	}{
		{"requests.cpu", "", "1"},        // 250m rounds up to 1 core
		{"requests.cpu", "1m", "250"},    // in millicores
		{"limits.cpu", "", "2"},          // 1.5 rounds up
		{"requests.memory", "1Mi", "64"}, // in MiB
		{"requests.memory", "", "67108864"},
		{"limits.memory", "1Gi", "2"}, // unset limit: node allocatable
	}
	for _, tt := range tests {
		ref := &corev1.ResourceFieldSelector{ContainerName: "c", Resource: tt.res}
		if tt.divisor != "" {
			ref.Divisor = resource.MustParse(tt.divisor)
		}
		got, err := containerResource(pod, ref, node)
		if err != nil || got != tt.want {
			t.Errorf("%s/%s = %q, %v; want %q", tt.res, tt.divisor, got, err, tt.want)
		}
	}
	if _, err := containerResource(pod, &corev1.ResourceFieldSelector{ContainerName: "nope", Resource: "limits.cpu"}, node); err == nil {
		t.Error("missing container accepted")
	}
}
