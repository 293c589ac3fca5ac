package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func statefulSet(mutate func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{
		ObjectMeta: meta("db"),
		Spec: appsv1.StatefulSetSpec{
			Selector:             webSelector(),
			Template:             podTemplate(),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}},
		},
	}
	statefulSetRules().Default(s)
	if mutate != nil {
		mutate(s)
	}
	return s
}

func TestStatefulSetDefaults(t *testing.T) {
	s := statefulSet(nil).Spec
	fs := corev1.PersistentVolumeFilesystem
	checks := []struct {
		name      string
		got, want interface{}
	}{
		{"replicas", s.Replicas, int32Ptr(1)},
		{"podManagementPolicy", s.PodManagementPolicy, appsv1.OrderedReadyPodManagement},
		{"updateStrategy", s.UpdateStrategy, appsv1.StatefulSetUpdateStrategy{
			Type: appsv1.RollingUpdateStatefulSetStrategyType, RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: int32Ptr(0)}}},
		{"revisionHistoryLimit", s.RevisionHistoryLimit, int32Ptr(10)},
		{"retention", s.PersistentVolumeClaimRetentionPolicy, &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType}},
		{"volumeMode", s.VolumeClaimTemplates[0].Spec.VolumeMode, &fs},
		{"claim phase", s.VolumeClaimTemplates[0].Status.Phase, corev1.ClaimPending},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	onDelete := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}}}
	defaultStatefulSet(onDelete)
	if onDelete.Spec.UpdateStrategy.RollingUpdate != nil {
		t.Errorf("OnDelete got rollingUpdate")
	}
}

func TestStatefulSetValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []string
	}{
		{name: "valid, no serviceName"},
		{name: "policies", mutate: func(s *appsv1.StatefulSet) {
			s.Spec.PodManagementPolicy = "Random"
			s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Keep"
		}, want: []string{
			`spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
			`spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: "Keep": supported values: "Retain", "Delete"`,
		}},
		{name: "onDelete with rollingUpdate", mutate: func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType },
			want: []string{`spec.updateStrategy.rollingUpdate: Invalid value: {"partition":0}: only allowed for updateStrategy 'RollingUpdate'`}},
		{name: "partition and maxUnavailable", mutate: func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.Partition = int32Ptr(-1)
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = intOrStr("0")
		}, want: []string{
			"spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
			"spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0",
		}},
		{name: "ordinals", mutate: func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1} },
			want: []string{"spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0"}},
		{name: "empty selector", mutate: func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} },
			want: []string{"spec.selector: Invalid value: {}: empty selector is invalid for statefulset"}},
		{name: "restartPolicy", mutate: func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			want: []string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, statefulSetRules().Validate(statefulSet(tc.mutate)), tc.want...)
		})
	}
	if errs := statefulSetRules().NameValidation("db.example", false); len(errs) == 0 {
		t.Errorf("dotted statefulset name accepted")
	}
}

func TestStatefulSetValidateUpdate(t *testing.T) {
	old := statefulSet(nil)
	allowed := statefulSet(func(s *appsv1.StatefulSet) {
		s.Spec.Replicas = int32Ptr(3)
		s.Spec.Template.Spec.Containers[0].Image = "postgres:17"
		s.Spec.MinReadySeconds = 5
		s.Spec.RevisionHistoryLimit = int32Ptr(2)
		s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 1}
		s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
		s.Spec.UpdateStrategy.RollingUpdate.Partition = int32Ptr(2)
	})
	wantErrors(t, statefulSetRules().ValidateUpdate(allowed, old))

	for name, mutate := range map[string]func(*appsv1.StatefulSet){
		"serviceName":          func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "db" },
		"volumeClaimTemplates": func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Name = "logs" },
		"podManagementPolicy":  func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement },
	} {
		t.Run(name, func(t *testing.T) {
			wantErrors(t, statefulSetRules().ValidateUpdate(statefulSet(mutate), old), "spec: Forbidden: "+statefulSetForbiddenUpdate)
		})
	}
}

func TestStatefulSetStatusAndTable(t *testing.T) {
	r := statefulSetRules()
	s := statefulSet(func(s *appsv1.StatefulSet) {
		s.Spec.Replicas = int32Ptr(3)
		s.Status = appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2, AvailableReplicas: 3}
	})
	wantErrors(t, r.ValidateStatusUpdate(s, statefulSet(nil)),
		"status.availableReplicas: Invalid value: 3: cannot be greater than status.readyReplicas")
	want := []interface{}{"db", "2/3", "<unknown>", "web", "nginx:1.27"}
	if got := r.Row(s); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
}
