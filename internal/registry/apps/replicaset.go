package apps

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/core"
)

func replicaSetRules() registry.Rules {
	return registry.Rules{
		Default: func(obj runtime.Object) { defaultReplicaSet(obj.(*appsv1.ReplicaSet)) },
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateReplicaSetSpec(&obj.(*appsv1.ReplicaSet).Spec, field.NewPath("spec"))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			n, o := obj.(*appsv1.ReplicaSet), old.(*appsv1.ReplicaSet)
			errs := validateReplicaSetSpec(&n.Spec, field.NewPath("spec"))
			return append(errs, apivalidation.ValidateImmutableField(n.Spec.Selector, o.Spec.Selector, field.NewPath("spec", "selector"))...)
		},
		ValidateStatusUpdate: func(obj, _ runtime.Object) field.ErrorList {
			return validateReplicaSetStatus(&obj.(*appsv1.ReplicaSet).Status, field.NewPath("status"))
		},
		Columns: replicaSetColumns,
		Row:     func(obj runtime.Object) []interface{} { return replicaSetRow(obj.(*appsv1.ReplicaSet)) },
		Fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"status.replicas": strconv.Itoa(int(obj.(*appsv1.ReplicaSet).Status.Replicas))}
		},
	}
}

func defaultReplicaSet(rs *appsv1.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = int32Ptr(1)
	}
	core.DefaultPodSpec(&rs.Spec.Template.Spec)
}

func validateReplicaSetSpec(spec *appsv1.ReplicaSetSpec, fldPath *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(int32Value(spec.Replicas)), fldPath.Child("replicas"))
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), fldPath.Child("minReadySeconds"))...)
	// Kubernetes shares the Deployment wording here, "deployment" included.
	selector, selErrs := validateSelector(spec.Selector, "deployment", "invalid label selector", fldPath.Child("selector"))
	errs = append(errs, selErrs...)
	if selector != nil {
		errs = append(errs, validateReplicaTemplate(&spec.Template, selector, "ReplicaSet", fldPath.Child("template"))...)
	}
	return errs
}

func validateReplicaSetStatus(s *appsv1.ReplicaSetStatus, fldPath *field.Path) field.ErrorList {
	counts := []count{
		{"replicas", int64(s.Replicas)},
		{"fullyLabeledReplicas", int64(s.FullyLabeledReplicas)},
		{"readyReplicas", int64(s.ReadyReplicas)},
		{"availableReplicas", int64(s.AvailableReplicas)},
	}
	counts = append(counts, optional("terminatingReplicas", s.TerminatingReplicas)...)
	counts = append(counts, count{"observedGeneration", s.ObservedGeneration})
	errs := nonnegative(fldPath, counts...)
	const msg = "cannot be greater than the number of replicas"
	errs = append(errs, notAbove(fldPath, "fullyLabeledReplicas", s.FullyLabeledReplicas, s.Replicas, msg)...)
	errs = append(errs, notAbove(fldPath, "readyReplicas", s.ReadyReplicas, s.Replicas, msg)...)
	errs = append(errs, notAbove(fldPath, "availableReplicas", s.AvailableReplicas, s.Replicas, msg)...)
	return append(errs, notAbove(fldPath, "availableReplicas", s.AvailableReplicas, s.ReadyReplicas, "cannot be greater than readyReplicas")...)
}

var replicaSetColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Desired", Type: "integer", Description: appsv1.ReplicaSetSpec{}.SwaggerDoc()["replicas"]},
	{Name: "Current", Type: "integer", Description: appsv1.ReplicaSetStatus{}.SwaggerDoc()["replicas"]},
	{Name: "Ready", Type: "integer", Description: appsv1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"]},
	ageColumn,
	containersColumn,
	imagesColumn,
	{Name: "Selector", Type: "string", Priority: 1, Description: appsv1.ReplicaSetSpec{}.SwaggerDoc()["selector"]},
}

func replicaSetRow(rs *appsv1.ReplicaSet) []interface{} {
	names, images := ContainerCells(rs.Spec.Template.Spec.Containers)
	return []interface{}{
		rs.Name,
		int64(int32Value(rs.Spec.Replicas)),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		registry.Age(rs.CreationTimestamp),
		names, images, metav1.FormatLabelSelector(rs.Spec.Selector),
	}
}
