package quota

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var now = time.Unix(10000, 0)

func pod(name string, phase corev1.PodPhase, cpuReq, memLimit string) *corev1.Pod {
	c := corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}}
	if cpuReq != "" {
		c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse(cpuReq)
	}
	if memLimit != "" {
		c.Resources.Limits[corev1.ResourceMemory] = resource.MustParse(memLimit)
		c.Resources.Requests[corev1.ResourceMemory] = resource.MustParse(memLimit)
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{c}}, Status: corev1.PodStatus{Phase: phase}}
}

func hard(names ...string) corev1.ResourceList {
	l := corev1.ResourceList{}
	for _, n := range names {
		l[corev1.ResourceName(n)] = resource.MustParse("100")
	}
	return l
}

func TestUsage(t *testing.T) {
	grace := int64(30)
	gone := pod("gone", corev1.PodRunning, "1", "")
	gone.DeletionTimestamp = &metav1.Time{Time: now.Add(-time.Minute)}
	gone.DeletionGracePeriodSeconds = &grace
	deadline := int64(60)
	job := pod("job", corev1.PodRunning, "", "")
	job.Spec.ActiveDeadlineSeconds = &deadline
	job.Spec.PriorityClassName = "high"
	withInit := pod("init", corev1.PodPending, "200m", "")
	withInit.Spec.InitContainers = []corev1.Container{{Name: "i", Resources: corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}}}
	class := "fast"
	lb := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{{Port: 80}, {Port: 443}}}}
	np := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Port: 80}}}}
	inv := Inventory{
		Pods: []*corev1.Pod{
			pod("a", corev1.PodRunning, "500m", "1Gi"),
			pod("b", corev1.PodPending, "250m", ""),
			pod("done", corev1.PodSucceeded, "4", "8Gi"),
			gone, job, withInit,
		},
		Services: []*corev1.Service{lb, np, {}},
		PVCs: []*corev1.PersistentVolumeClaim{
			{Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}}},
			{Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}},
		},
		Counts: map[string]int{"configmaps": 3, "deployments.apps": 2},
	}
	tests := []struct {
		name   string
		hard   corev1.ResourceList
		scopes []corev1.ScopedResourceSelectorRequirement
		want   map[string]string
	}{
		{name: "counts", hard: hard("pods", "count/pods", "configmaps", "count/configmaps", "count/deployments.apps", "count/widgets.example.com"),
			want: map[string]string{"pods": "4", "count/pods": "6", "configmaps": "3", "count/configmaps": "3", "count/deployments.apps": "2", "count/widgets.example.com": "0"}},
		{name: "compute over non-terminal pods, init containers by max",
			hard: corev1.ResourceList{"requests.cpu": resource.MustParse("10"), "cpu": resource.MustParse("10"),
				"limits.memory": resource.MustParse("10Gi"), "requests.memory": resource.MustParse("10Gi")},
			want: map[string]string{"requests.cpu": "2750m", "cpu": "2750m", "limits.memory": "1Gi", "requests.memory": "1Gi"}},
		{name: "services", hard: hard("services", "services.loadbalancers", "services.nodeports"),
			want: map[string]string{"services": "3", "services.loadbalancers": "1", "services.nodeports": "3"}},
		{name: "storage", hard: corev1.ResourceList{"persistentvolumeclaims": resource.MustParse("10"), "requests.storage": resource.MustParse("100Gi"),
			"fast.storageclass.storage.k8s.io/requests.storage":       resource.MustParse("100Gi"),
			"fast.storageclass.storage.k8s.io/persistentvolumeclaims": resource.MustParse("10")},
			want: map[string]string{"persistentvolumeclaims": "2", "requests.storage": "11Gi",
				"fast.storageclass.storage.k8s.io/requests.storage": "10Gi", "fast.storageclass.storage.k8s.io/persistentvolumeclaims": "1"}},
		{name: "Terminating scope", hard: hard("pods"), want: map[string]string{"pods": "1"},
			scopes: []corev1.ScopedResourceSelectorRequirement{{ScopeName: corev1.ResourceQuotaScopeTerminating, Operator: corev1.ScopeSelectorOpExists}}},
		{name: "NotTerminating scope", hard: hard("pods"), want: map[string]string{"pods": "3"},
			scopes: []corev1.ScopedResourceSelectorRequirement{{ScopeName: corev1.ResourceQuotaScopeNotTerminating, Operator: corev1.ScopeSelectorOpExists}}},
		{name: "BestEffort scope", hard: hard("pods"), want: map[string]string{"pods": "1"},
			scopes: []corev1.ScopedResourceSelectorRequirement{{ScopeName: corev1.ResourceQuotaScopeBestEffort, Operator: corev1.ScopeSelectorOpExists}}},
		{name: "NotBestEffort scope", hard: hard("pods", "services"), want: map[string]string{"pods": "3", "services": "0"},
			scopes: []corev1.ScopedResourceSelectorRequirement{{ScopeName: corev1.ResourceQuotaScopeNotBestEffort, Operator: corev1.ScopeSelectorOpExists}}},
		{name: "PriorityClass In", hard: hard("pods"), want: map[string]string{"pods": "1"},
			scopes: []corev1.ScopedResourceSelectorRequirement{{ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn, Values: []string{"high"}}}},
		{name: "PriorityClass NotIn", hard: hard("pods"), want: map[string]string{"pods": "3"},
			scopes: []corev1.ScopedResourceSelectorRequirement{{ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpNotIn, Values: []string{"high"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Used(tt.hard, tt.scopes, inv, now)
			if len(got) != len(tt.want) {
				t.Fatalf("used = %v, want %v", got, tt.want)
			}
			for name, want := range tt.want {
				q := got[corev1.ResourceName(name)]
				if q.Cmp(resource.MustParse(want)) != 0 || q.String() != want {
					t.Errorf("%s = %s, want %s", name, q.String(), want)
				}
			}
		})
	}
}
