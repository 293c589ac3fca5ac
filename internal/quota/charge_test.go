package quota

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func list(kv ...string) corev1.ResourceList {
	l := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return l
}

func same(t *testing.T, got, want corev1.ResourceList) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for n, w := range want {
		if g, ok := got[n]; !ok || g.Cmp(w) != 0 {
			t.Fatalf("%s: got %v, want %v", n, got, want)
		}
	}
}

func TestCharge(t *testing.T) {
	all := list("pods", "10", "count/pods", "10", "requests.cpu", "4", "limits.memory", "4Gi", "services", "5",
		"services.nodeports", "5", "configmaps", "5", "count/configmaps", "5", "count/deployments.apps", "5",
		"persistentvolumeclaims", "5", "requests.storage", "10Gi", "count/widgets.example.com", "3")
	np := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Port: 1}, {Port: 2}}}}
	pvc := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
		Requests: list("storage", "1Gi")}}}
	deadline := int64(5)
	job := pod("job", "", "1", "1Gi")
	job.Spec.ActiveDeadlineSeconds = &deadline
	terminating := []corev1.ScopedResourceSelectorRequirement{{ScopeName: corev1.ResourceQuotaScopeTerminating, Operator: corev1.ScopeSelectorOpExists}}
	tests := []struct {
		name   string
		gr     schema.GroupResource
		obj    runtime.Object
		scopes []corev1.ScopedResourceSelectorRequirement
		want   corev1.ResourceList
	}{
		{"pod", schema.GroupResource{Resource: "pods"}, pod("a", "", "500m", "1Gi"), nil,
			list("pods", "1", "count/pods", "1", "requests.cpu", "500m", "limits.memory", "1Gi")},
		{"pod outside scope", schema.GroupResource{Resource: "pods"}, pod("a", "", "500m", ""), terminating, list()},
		{"finished pod", schema.GroupResource{Resource: "pods"}, pod("a", corev1.PodSucceeded, "500m", ""), nil, list("count/pods", "1")},
		{"pod in scope", schema.GroupResource{Resource: "pods"}, job, terminating,
			list("pods", "1", "count/pods", "1", "requests.cpu", "1", "limits.memory", "1Gi")},
		{"service", schema.GroupResource{Resource: "services"}, np, nil, list("services", "1", "services.nodeports", "2")},
		{"claim", schema.GroupResource{Resource: "persistentvolumeclaims"}, pvc, nil, list("persistentvolumeclaims", "1", "requests.storage", "1Gi")},
		{"configmap", schema.GroupResource{Resource: "configmaps"}, &corev1.ConfigMap{}, nil, list("configmaps", "1", "count/configmaps", "1")},
		{"deployment", schema.GroupResource{Group: "apps", Resource: "deployments"}, &metav1.PartialObjectMetadata{}, nil, list("count/deployments.apps", "1")},
		{"custom", schema.GroupResource{Group: "example.com", Resource: "widgets"}, &metav1.PartialObjectMetadata{}, nil, list("count/widgets.example.com", "1")},
		{"uncounted", schema.GroupResource{Resource: "events"}, &corev1.Event{}, nil, list()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same(t, Charge(tt.gr, tt.obj, all, tt.scopes, now), tt.want)
		})
	}
}

func TestMatching(t *testing.T) {
	hard := list("pods", "1", "requests.cpu", "1", "services", "1", "count/secrets", "1", "secrets", "1", "requests.storage", "1Gi")
	got := Matching(schema.GroupResource{Resource: "pods"}, hard)
	if !slices.Equal(got, []corev1.ResourceName{"pods", "requests.cpu"}) {
		t.Errorf("pods: %v", got)
	}
	got = Matching(schema.GroupResource{Resource: "secrets"}, hard)
	if !slices.Equal(got, []corev1.ResourceName{"count/secrets", "secrets"}) {
		t.Errorf("secrets: %v", got)
	}
}

func TestDelta(t *testing.T) {
	same(t, Delta(list("services", "1", "services.nodeports", "3", "services.loadbalancers", "0"), list("services", "1", "services.nodeports", "1", "services.loadbalancers", "1")),
		list("services.nodeports", "2"))
}

func TestAdd(t *testing.T) {
	used, exceeded := Add(list("pods", "2", "configmaps", "1"), list("pods", "1", "requests.cpu", "1"), list("pods", "2", "configmaps", "5"))
	same(t, used, list("pods", "3", "configmaps", "1"))
	if !slices.Equal(exceeded, []corev1.ResourceName{"pods"}) {
		t.Errorf("exceeded %v", exceeded)
	}
	if got := Format(list("pods", "2", "cpu", "500m"), []corev1.ResourceName{"cpu", "pods", "memory"}); got != "cpu=500m,pods=2" {
		t.Errorf("format %q", got)
	}
}

func TestConstraints(t *testing.T) {
	p := pod("p", "", "", "")
	p.Spec.Containers = []corev1.Container{
		{Name: "app", Resources: corev1.ResourceRequirements{Requests: list("cpu", "1")}},
		{Name: "side", Resources: corev1.ResourceRequirements{Requests: list("cpu", "1", "memory", "1Gi"), Limits: list("cpu", "1")}},
	}
	p.Spec.InitContainers = []corev1.Container{{Name: "init"}}
	names := []corev1.ResourceName{"count/pods", "limits.cpu", "pods", "requests.cpu", "requests.memory"}
	err := Constraints(p, names)
	want := "must specify limits.cpu for: app,init; requests.cpu for: init; requests.memory for: app,init"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if err := Constraints(p, []corev1.ResourceName{"pods", "requests.storage"}); err != nil {
		t.Errorf("no cpu or memory named: %v", err)
	}
	p.Spec.Resources = &corev1.ResourceRequirements{Requests: list("cpu", "2", "memory", "2Gi"), Limits: list("cpu", "2")}
	if err := Constraints(p, names); err != nil {
		t.Errorf("pod-level resources: %v", err)
	}
}
