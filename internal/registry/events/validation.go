package events

import (
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Length limits on event fields (bytes), Kubernetes' values.
const (
	reportingInstanceLimit = 128
	actionLimit            = 128
	reasonLimit            = 128
	noteLimit              = 1024
)

// Validate checks a new event in its core form. legacyAPI is true when it
// arrived through core/v1, which keeps the old, lenient rules for
// compatibility; events.k8s.io requires the new-style fields. Paths use the
// core field names, as Kubernetes reports them for both APIs.
func Validate(ev *corev1.Event, legacyAPI bool) field.ErrorList {
	errs := validateCommon(ev, legacyAPI)
	if legacyAPI {
		return errs
	}
	errs = append(errs, validateSeries(ev)...)
	if ev.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if ev.Type != corev1.EventTypeNormal && ev.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", ev.Type)))
	}
	// The deprecated fields belong to the old API; new-style events record
	// repetition in series instead.
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"deprecatedFirstTimestamp", !ev.FirstTimestamp.IsZero()},
		{"deprecatedLastTimestamp", !ev.LastTimestamp.IsZero()},
		{"deprecatedCount", ev.Count != 0},
		{"deprecatedSource", ev.Source.Component != "" || ev.Source.Host != ""},
	} {
		if f.set {
			errs = append(errs, field.Invalid(field.NewPath(f.name), "", "needs to be unset"))
		}
	}
	return errs
}

// ValidateUpdate checks an event update. Through events.k8s.io only the
// series (and metadata) may change: an event records something that happened.
func ValidateUpdate(ev, old *corev1.Event, legacyAPI bool) field.ErrorList {
	errs := validateCommon(ev, legacyAPI)
	if legacyAPI {
		return errs
	}
	if !reflect.DeepEqual(ev.Series, old.Series) {
		errs = append(errs, validateSeries(ev)...)
	}
	for _, f := range []struct {
		name     string
		now, was interface{}
	}{
		{"involvedObject", ev.InvolvedObject, old.InvolvedObject},
		{"reason", ev.Reason, old.Reason},
		{"message", ev.Message, old.Message},
		{"source", ev.Source, old.Source},
		{"firstTimestamp", ev.FirstTimestamp, old.FirstTimestamp},
		{"lastTimestamp", ev.LastTimestamp, old.LastTimestamp},
		{"count", ev.Count, old.Count},
		{"type", ev.Type, old.Type},
		{"eventTime", ev.EventTime, old.EventTime},
		{"action", ev.Action, old.Action},
		{"related", ev.Related, old.Related},
		{"reportingController", ev.ReportingController, old.ReportingController},
		{"reportingInstance", ev.ReportingInstance, old.ReportingInstance},
	} {
		errs = append(errs, apivalidation.ValidateImmutableField(f.now, f.was, field.NewPath(f.name))...)
	}
	return errs
}

// validateCommon holds the checks every event passes, whichever API it came
// through. Old-style events (no eventTime) only need a consistent namespace;
// new-style ones must say who reported what.
func validateCommon(ev *corev1.Event, legacyAPI bool) field.ErrorList {
	var errs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	const nsMismatch = "does not match event.namespace"
	if ev.EventTime.IsZero() {
		if ev.InvolvedObject.Namespace == "" {
			// Cluster-scoped objects' events live in "default" (or nowhere, for old clients).
			if ev.Namespace != metav1.NamespaceNone && ev.Namespace != metav1.NamespaceDefault {
				errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, nsMismatch))
			}
		} else if ev.Namespace != ev.InvolvedObject.Namespace {
			errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, nsMismatch))
		}
	} else {
		if ev.InvolvedObject.Namespace == "" && ev.Namespace != metav1.NamespaceDefault && ev.Namespace != metav1.NamespaceSystem {
			errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, nsMismatch))
		}
		// core/v1 calls the field reportingComponent.
		rcPath := field.NewPath("reportingController")
		if legacyAPI {
			rcPath = field.NewPath("reportingComponent")
		}
		if ev.ReportingController == "" {
			errs = append(errs, field.Required(rcPath, ""))
		}
		for _, msg := range content.IsLabelKey(ev.ReportingController) {
			errs = append(errs, field.Invalid(rcPath, ev.ReportingController, msg))
		}
		errs = append(errs, requiredMax(ev.ReportingInstance, reportingInstanceLimit, field.NewPath("reportingInstance"))...)
		errs = append(errs, requiredMax(ev.Action, actionLimit, field.NewPath("action"))...)
		errs = append(errs, requiredMax(ev.Reason, reasonLimit, field.NewPath("reason"))...)
		if len(ev.Message) > noteLimit {
			errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", noteLimit)))
		}
	}
	for _, msg := range validation.IsDNS1123Subdomain(ev.Namespace) {
		errs = append(errs, field.Invalid(field.NewPath("namespace"), ev.Namespace, msg))
	}
	return errs
}

func requiredMax(v string, limit int, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	if len(v) > limit {
		return field.ErrorList{field.Invalid(fldPath, "", fmt.Sprintf("can have at most %v characters", limit))}
	}
	return nil
}

func validateSeries(ev *corev1.Event) field.ErrorList {
	if ev.Series == nil {
		return nil
	}
	var errs field.ErrorList
	if ev.Series.Count < 2 {
		errs = append(errs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
	}
	if ev.Series.LastObservedTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("series.lastObservedTime"), ""))
	}
	return errs
}
