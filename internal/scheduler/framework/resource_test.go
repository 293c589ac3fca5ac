package framework

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestPodRequests(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	c := func(name, cpu string, sidecar bool) corev1.Container {
		ct := corev1.Container{Name: name, Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}
		if sidecar {
			ct.RestartPolicy = &always
		}
		return ct
	}
	tests := []struct {
		name     string
		init     []corev1.Container
		app      []corev1.Container
		overhead string
		want     int64
	}{
		{name: "app containers sum", app: []corev1.Container{c("a", "100m", false), c("b", "200m", false)}, want: 300},
		{name: "bigger init container wins", init: []corev1.Container{c("i", "500m", false)}, app: []corev1.Container{c("a", "100m", false)}, want: 500},
		{name: "smaller init container loses", init: []corev1.Container{c("i", "50m", false)}, app: []corev1.Container{c("a", "100m", false)}, want: 100},
		{name: "sidecar adds to app", init: []corev1.Container{c("s", "100m", true)}, app: []corev1.Container{c("a", "100m", false)}, want: 200},
		{name: "init after sidecar runs beside it", init: []corev1.Container{c("s", "100m", true), c("i", "500m", false)}, app: []corev1.Container{c("a", "100m", false)}, want: 600},
		{name: "overhead added", app: []corev1.Container{c("a", "100m", false)}, overhead: "50m", want: 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pod("p")
			p.Spec.InitContainers, p.Spec.Containers = tt.init, tt.app
			if tt.overhead != "" {
				p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(tt.overhead)}
			}
			if got := PodRequests(p).MilliCPU; got != tt.want {
				t.Errorf("cpu = %dm, want %dm", got, tt.want)
			}
		})
	}
}
