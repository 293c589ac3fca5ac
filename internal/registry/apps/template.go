package apps

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry/core"
)

// validateSelector checks a workload's selector: required, well formed and
// not empty (an empty selector would adopt every pod in the namespace). It
// returns the parsed selector, nil when it does not parse. invalidMsg is the
// detail Kubernetes gives for an unparsable selector, which differs by kind.
func validateSelector(sel *metav1.LabelSelector, kind, invalidMsg string, fldPath *field.Path) (labels.Selector, field.ErrorList) {
	var errs field.ErrorList
	if sel == nil {
		errs = append(errs, field.Required(fldPath, ""))
	} else {
		errs = append(errs, metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, fldPath)...)
		if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(fldPath, sel, "empty selector is invalid for "+kind))
		}
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return nil, append(errs, field.Invalid(fldPath, sel, invalidMsg))
	}
	return selector, errs
}

// selectorMatchesTemplate reports a template whose labels the selector does
// not select: the controller would create pods it then does not own.
func selectorMatchesTemplate(selector labels.Selector, t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	if selector == nil || selector.Empty() || selector.Matches(labels.Set(t.Labels)) {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`")}
}

// validateReplicaTemplate checks the pod template of a Deployment or
// ReplicaSet: it must match the selector, be a valid pod template, restart
// always and run forever. kind names the workload in the messages.
func validateReplicaTemplate(t *corev1.PodTemplateSpec, selector labels.Selector, kind string, fldPath *field.Path) field.ErrorList {
	errs := selectorMatchesTemplate(selector, t, fldPath)
	errs = append(errs, core.ValidatePodTemplateSpec(t, fldPath)...)
	errs = append(errs, restartAlways(t, fldPath)...)
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(fldPath.Child("spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}

// restartAlways rejects templates whose pods may stop for good: replica
// controllers replace pods, they do not let them complete.
func restartAlways(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	if t.Spec.RestartPolicy == corev1.RestartPolicyAlways {
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways})}
}

// ContainerCells renders the CONTAINERS and IMAGES wide columns kubectl shows
// for workloads: names and images, comma separated, in template order.
func ContainerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	im := make([]string, len(containers))
	for i, c := range containers {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// Column definitions shared by the workload tables of this package.
var (
	nameColumn       = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
	ageColumn        = metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
	containersColumn = metav1.TableColumnDefinition{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."}
	imagesColumn     = metav1.TableColumnDefinition{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."}
)

func int32Value(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func int32Ptr(v int32) *int32 { return &v }
