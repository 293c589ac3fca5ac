package eviction

import (
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func pod(name string, qos v1.PodQOSClass, priority int32, memRequest string) *v1.Pod {
	p := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec:   v1.PodSpec{Priority: &priority, Containers: []v1.Container{{Name: "c"}}},
		Status: v1.PodStatus{QOSClass: qos}}
	if memRequest != "" {
		p.Spec.Containers[0].Resources.Requests = v1.ResourceList{v1.ResourceMemory: resource.MustParse(memRequest)}
	}
	return p
}

func names(pods []*v1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestRank(t *testing.T) {
	be := pod("besteffort", v1.PodQOSBestEffort, 0, "")
	bu := pod("burstable", v1.PodQOSBurstable, 0, "100Mi")
	gu := pod("guaranteed", v1.PodQOSGuaranteed, 0, "100Mi")
	beHigh := pod("besteffort-high", v1.PodQOSBestEffort, 1000, "")
	static := pod("static", v1.PodQOSBestEffort, 0, "")
	static.Annotations = map[string]string{"kubernetes.io/config.source": "file"}
	critical := pod("critical", v1.PodQOSBestEffort, 2000001000, "")
	usage := func(m map[string]int64) Usage {
		return func(p *v1.Pod) (int64, bool) { u, ok := m[p.Name]; return u, ok }
	}
	tests := []struct {
		name  string
		pods  []*v1.Pod
		sig   Signal
		usage Usage
		want  []string
	}{
		{name: "no usage: best effort first, by priority, then qos", pods: []*v1.Pod{gu, bu, beHigh, be}, sig: MemoryAvailable,
			want: []string{"besteffort", "besteffort-high", "burstable", "guaranteed"}},
		{name: "among pods exceeding requests, larger excess first", sig: MemoryAvailable,
			pods:  []*v1.Pod{gu, bu, be},
			usage: usage(map[string]int64{"besteffort": 10 * mi, "burstable": 300 * mi, "guaranteed": 90 * mi}),
			want:  []string{"burstable", "besteffort", "guaranteed"}},
		{name: "exceeding requests outranks priority", sig: MemoryAvailable,
			pods:  []*v1.Pod{bu, beHigh},
			usage: usage(map[string]int64{"besteffort-high": 10 * mi, "burstable": 50 * mi}),
			want:  []string{"besteffort-high", "burstable"}},
		{name: "critical and static pods are never candidates", sig: MemoryAvailable,
			pods: []*v1.Pod{critical, static, gu}, want: []string{"guaranteed"}},
		{name: "pids by priority only", sig: PIDAvailable,
			pods: []*v1.Pod{beHigh, gu, be}, want: []string{"besteffort", "guaranteed", "besteffort-high"}},
		{name: "disk: no ephemeral-storage request counts as exceeding", sig: NodeFsAvailable,
			pods: []*v1.Pod{gu, be}, want: []string{"besteffort", "guaranteed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(Rank(tt.pods, tt.sig, tt.usage)); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
