package podautoscaler

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var now = time.Unix(1_000_000, 0)

// runningPod started long ago and has been ready since, requesting cpuReq.
func runningPod(name, cpuReq string) *corev1.Pod {
	start := metav1.NewTime(now.Add(-time.Hour))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuReq), corev1.ResourceMemory: resource.MustParse("100Mi")}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &start,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: start}}},
	}
}

func cpu(values ...string) map[string]PodMetric {
	out := map[string]PodMetric{}
	for i, v := range values {
		if v == "" {
			continue
		}
		out[fmt.Sprintf("p%d", i)] = PodMetric{Timestamp: now, Window: time.Minute,
			Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(v)}}
	}
	return out
}

func podsN(n int) []*corev1.Pod {
	var out []*corev1.Pod
	for i := 0; i < n; i++ {
		out = append(out, runningPod(fmt.Sprintf("p%d", i), "100m"))
	}
	return out
}

func TestResourceReplicas(t *testing.T) {
	calc := calculator{tolerance: 0.1, cpuInitialization: 5 * time.Minute, readinessDelay: 30 * time.Second}
	pending := podsN(4)
	pending[3].Status.Phase = corev1.PodPending
	starting := podsN(3)
	fresh := metav1.NewTime(now.Add(-10 * time.Second))
	starting[2].Status.StartTime = &fresh
	starting[2].Status.Conditions[0].LastTransitionTime = fresh
	deleting := podsN(3)
	deleting[2].DeletionTimestamp = &fresh
	fifty := int32(50)
	avg := int64(50) // 50m per pod

	tests := []struct {
		name     string
		current  int32
		pods     []*corev1.Pod
		metrics  map[string]PodMetric
		util     *int32
		avg      *int64
		want     int32
		wantUtil int32
		wantErr  string
	}{
		{name: "utilization above target scales up", current: 2, pods: podsN(2), metrics: cpu("100m", "100m"), util: &fifty, want: 4, wantUtil: 100},
		{name: "within tolerance keeps", current: 2, pods: podsN(2), metrics: cpu("54m", "54m"), util: &fifty, want: 2, wantUtil: 54},
		{name: "below target scales down", current: 4, pods: podsN(4), metrics: cpu("10m", "10m", "10m", "10m"), util: &fifty, want: 1, wantUtil: 10},
		{name: "missing pods damp a scale down", current: 4, pods: podsN(4), metrics: cpu("10m", "10m", "10m", ""), util: &fifty, want: 3, wantUtil: 10},
		{name: "missing pods damp a scale up", current: 2, pods: podsN(2), metrics: cpu("100m", ""), util: &fifty, want: 2, wantUtil: 100},
		{name: "pending pods count as idle when scaling up", current: 4, pods: pending, metrics: cpu("100m", "100m", "100m"), util: &fifty, want: 6, wantUtil: 100},
		{name: "starting pod's cpu is not trusted", current: 3, pods: starting, metrics: cpu("100m", "100m", "900m"), util: &fifty, want: 4, wantUtil: 100},
		{name: "deleting pods are ignored", current: 3, pods: deleting, metrics: cpu("25m", "25m", "900m"), util: &fifty, want: 1, wantUtil: 25},
		{name: "average value", current: 2, pods: podsN(2), metrics: cpu("150m", "150m"), avg: &avg, want: 6},
		{name: "no pods", current: 2, metrics: cpu("1"), util: &fifty, wantErr: "no pods returned by selector"},
		{name: "no samples", current: 2, pods: podsN(2), metrics: map[string]PodMetric{}, util: &fifty, wantErr: "did not receive metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := calc.resourceReplicas(tt.current, corev1.ResourceCPU, tt.util, tt.avg, tt.pods, tt.metrics, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.replicas != tt.want {
				t.Errorf("replicas = %d, want %d", p.replicas, tt.want)
			}
			if tt.util != nil && (p.utilization == nil || *p.utilization != tt.wantUtil) {
				t.Errorf("utilization = %v, want %d", p.utilization, tt.wantUtil)
			}
		})
	}
}

func TestMissingRequest(t *testing.T) {
	pods := podsN(1)
	pods[0].Spec.Containers[0].Resources.Requests = nil
	fifty := int32(50)
	calc := calculator{tolerance: 0.1}
	_, err := calc.resourceReplicas(1, corev1.ResourceCPU, &fifty, nil, pods, cpu("10m"), now)
	if err == nil || err.Error() != "missing request for cpu in container c of Pod p0" {
		t.Fatalf("err = %v", err)
	}
}
