package batch

import (
	"fmt"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Bounds on the policies, so the controller evaluates each failed or
// succeeded pod in bounded time.
const (
	maxPodFailurePolicyRules   = 20
	maxOnExitCodesValues       = 255
	maxOnPodConditionsPatterns = 20
	maxSuccessPolicyRules      = 20
	maxSucceededIndexesLength  = 64 * 1024
)

var (
	podFailurePolicyActions = []batchv1.PodFailurePolicyAction{
		batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailIndex,
		batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore,
	}
	onExitCodesOperators = []batchv1.PodFailurePolicyOnExitCodesOperator{
		batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn,
	}
	conditionStatuses = []corev1.ConditionStatus{corev1.ConditionFalse, corev1.ConditionTrue, corev1.ConditionUnknown}
)

func validatePodFailurePolicy(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	rulesPath := fldPath.Child("rules")
	rules := spec.PodFailurePolicy.Rules
	if len(rules) > maxPodFailurePolicyRules {
		errs = append(errs, field.TooMany(rulesPath, len(rules), maxPodFailurePolicyRules))
	}
	containers := map[string]bool{}
	for _, c := range spec.Template.Spec.Containers {
		containers[c.Name] = true
	}
	for _, c := range spec.Template.Spec.InitContainers {
		containers[c.Name] = true
	}
	for i := range rules {
		errs = append(errs, validatePodFailurePolicyRule(spec, &rules[i], rulesPath.Index(i), containers)...)
	}
	return errs
}

func validatePodFailurePolicyRule(spec *batchv1.JobSpec, rule *batchv1.PodFailurePolicyRule, fldPath *field.Path, containers map[string]bool) field.ErrorList {
	var errs field.ErrorList
	actionPath := fldPath.Child("action")
	if rule.Action == batchv1.PodFailurePolicyActionFailIndex && spec.BackoffLimitPerIndex == nil {
		errs = append(errs, field.Invalid(actionPath, rule.Action, "requires the backoffLimitPerIndex to be set"))
	}
	if !oneOf(rule.Action, podFailurePolicyActions) {
		errs = append(errs, field.NotSupported(actionPath, rule.Action, podFailurePolicyActions))
	}
	if rule.OnExitCodes != nil {
		errs = append(errs, validateOnExitCodes(rule.OnExitCodes, fldPath.Child("onExitCodes"), containers)...)
	}
	if n := len(rule.OnPodConditions); n > 0 {
		condPath := fldPath.Child("onPodConditions")
		if n > maxOnPodConditionsPatterns {
			errs = append(errs, field.TooMany(condPath, n, maxOnPodConditionsPatterns))
		}
		for j, p := range rule.OnPodConditions {
			for _, msg := range content.IsLabelKey(string(p.Type)) {
				errs = append(errs, field.Invalid(condPath.Index(j).Child("type"), string(p.Type), msg))
			}
			if !oneOf(p.Status, conditionStatuses) {
				errs = append(errs, field.NotSupported(condPath.Index(j).Child("status"), p.Status, conditionStatuses))
			}
		}
	}
	switch {
	case rule.OnExitCodes != nil && len(rule.OnPodConditions) > 0:
		errs = append(errs, field.Invalid(fldPath, field.OmitValueType{}, "specifying both OnExitCodes and OnPodConditions is not supported"))
	case rule.OnExitCodes == nil && len(rule.OnPodConditions) == 0:
		errs = append(errs, field.Invalid(fldPath, field.OmitValueType{}, "specifying one of OnExitCodes and OnPodConditions is required"))
	}
	return errs
}

func validateOnExitCodes(req *batchv1.PodFailurePolicyOnExitCodesRequirement, fldPath *field.Path, containers map[string]bool) field.ErrorList {
	var errs field.ErrorList
	if !oneOf(req.Operator, onExitCodesOperators) {
		errs = append(errs, field.NotSupported(fldPath.Child("operator"), req.Operator, onExitCodesOperators))
	}
	if req.ContainerName != nil && !containers[*req.ContainerName] {
		errs = append(errs, field.Invalid(fldPath.Child("containerName"), *req.ContainerName, "must be one of the container or initContainer names in the pod template"))
	}
	valuesPath := fldPath.Child("values")
	switch n := len(req.Values); {
	case n == 0:
		errs = append(errs, field.Invalid(valuesPath, req.Values, "at least one value is required"))
	case n > maxOnExitCodesValues:
		errs = append(errs, field.TooMany(valuesPath, n, maxOnExitCodesValues))
	}
	seen := map[int32]bool{}
	ordered := true
	for j, v := range req.Values {
		if req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && v == 0 {
			errs = append(errs, field.Invalid(valuesPath.Index(j), v, "must not be 0 for the In operator"))
		}
		if seen[v] {
			errs = append(errs, field.Duplicate(valuesPath.Index(j), v))
		}
		seen[v] = true
		if j > 0 && req.Values[j-1] > v {
			ordered = false
		}
	}
	if !ordered {
		errs = append(errs, field.Invalid(valuesPath, req.Values, "must be ordered"))
	}
	return errs
}

func validateSuccessPolicy(spec *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	rulesPath := fldPath.Child("rules")
	rules := spec.SuccessPolicy.Rules
	if len(rules) == 0 {
		errs = append(errs, field.Required(rulesPath, "at least one rules must be specified when the successPolicy is specified"))
	}
	if len(rules) > maxSuccessPolicyRules {
		errs = append(errs, field.TooMany(rulesPath, len(rules), maxSuccessPolicyRules))
	}
	completions := int32(0)
	if spec.Completions != nil {
		completions = *spec.Completions
	}
	for i, rule := range rules {
		path := rulesPath.Index(i)
		var total int32
		if rule.SucceededIndexes != nil {
			ixPath := path.Child("succeededIndexes")
			n, err := countIndexes(*rule.SucceededIndexes, completions)
			if err != nil {
				errs = append(errs, field.Invalid(ixPath, *rule.SucceededIndexes, "error parsing succeededIndexes: "+err.Error()))
			}
			total = n
			if len(*rule.SucceededIndexes) > maxSucceededIndexesLength {
				errs = append(errs, field.TooLong(ixPath, *rule.SucceededIndexes, maxSucceededIndexesLength))
			}
		}
		if c := rule.SucceededCount; c != nil {
			cPath := path.Child("succeededCount")
			errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*c), cPath)...)
			if *c > completions {
				errs = append(errs, field.Invalid(cPath, *c, fmt.Sprintf("must be less than or equal to %d (the number of specified completions)", completions)))
			}
			if rule.SucceededIndexes != nil && *c > total {
				errs = append(errs, field.Invalid(cPath, *c, fmt.Sprintf("must be less than or equal to %d (the number of indexes in the specified succeededIndexes field)", total)))
			}
		}
		if rule.SucceededIndexes == nil && rule.SucceededCount == nil {
			errs = append(errs, field.Required(path, "at least one of succeededCount or succeededIndexes must be specified"))
		}
	}
	return errs
}

// countIndexes parses an index list ("1,3-5,7") in increasing order below
// completions and returns how many indexes it names.
func countIndexes(s string, completions int32) (int32, error) {
	var total int32
	last := -1
	for _, part := range strings.Split(s, ",") {
		bounds := strings.Split(part, "-")
		first, err := strconv.Atoi(bounds[0])
		if err != nil {
			return 0, fmt.Errorf("cannot convert string to integer for index: %q", bounds[0])
		}
		if first >= int(completions) {
			return 0, fmt.Errorf("too large index: %q", bounds[0])
		}
		end := first
		if len(bounds) > 1 {
			if end, err = strconv.Atoi(bounds[1]); err != nil {
				return 0, fmt.Errorf("cannot convert string to integer for index: %q", bounds[1])
			}
			if end >= int(completions) {
				return 0, fmt.Errorf("too large index: %q", bounds[1])
			}
			if first >= end {
				return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", first, end)
			}
		}
		if last >= first {
			return 0, fmt.Errorf("non-increasing order, previous: %d, current: %d", last, first)
		}
		total += int32(end - first + 1)
		last = end
	}
	return total, nil
}

func oneOf[T comparable](v T, valid []T) bool {
	for _, x := range valid {
		if v == x {
			return true
		}
	}
	return false
}
