package core

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// handlerFields lists a probe or lifecycle handler's set actions by JSON name.
func handlerFields(exec *corev1.ExecAction, httpGet *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction, grpc *corev1.GRPCAction, sleep *corev1.SleepAction) []string {
	var set []string
	if exec != nil {
		set = append(set, "exec")
	}
	if httpGet != nil {
		set = append(set, "httpGet")
	}
	if tcp != nil {
		set = append(set, "tcpSocket")
	}
	if grpc != nil {
		set = append(set, "grpc")
	}
	if sleep != nil {
		set = append(set, "sleep")
	}
	return set
}

func validateProbe(pr *corev1.Probe, grace *int64, fldPath *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	h := &pr.ProbeHandler
	errs := validateHandler(h.Exec, h.HTTPGet, h.TCPSocket, h.GRPC, nil, grace, fldPath)
	errs = append(errs, nonnegative(int64(pr.InitialDelaySeconds), fldPath.Child("initialDelaySeconds"))...)
	errs = append(errs, nonnegative(int64(pr.TimeoutSeconds), fldPath.Child("timeoutSeconds"))...)
	errs = append(errs, nonnegative(int64(pr.PeriodSeconds), fldPath.Child("periodSeconds"))...)
	errs = append(errs, nonnegative(int64(pr.SuccessThreshold), fldPath.Child("successThreshold"))...)
	errs = append(errs, nonnegative(int64(pr.FailureThreshold), fldPath.Child("failureThreshold"))...)
	if g := pr.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(fldPath.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

func validateLifecycleHandler(h *corev1.LifecycleHandler, grace *int64, fldPath *field.Path) field.ErrorList {
	if h == nil {
		return nil
	}
	return validateHandler(h.Exec, h.HTTPGet, h.TCPSocket, nil, h.Sleep, grace, fldPath)
}

// validateHandler checks that exactly one action is set and that it is well
// formed.
func validateHandler(exec *corev1.ExecAction, httpGet *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction, grpc *corev1.GRPCAction, sleep *corev1.SleepAction, grace *int64, fldPath *field.Path) field.ErrorList {
	set := handlerFields(exec, httpGet, tcp, grpc, sleep)
	if len(set) == 0 {
		return field.ErrorList{field.Required(fldPath, "must specify a handler type")}
	}
	var errs field.ErrorList
	for _, extra := range set[1:] {
		errs = append(errs, field.Forbidden(fldPath.Child(extra), "may not specify more than 1 handler type"))
	}
	switch set[0] {
	case "exec":
		if len(exec.Command) == 0 {
			errs = append(errs, field.Required(fldPath.Child("exec", "command"), ""))
		}
	case "httpGet":
		p := fldPath.Child("httpGet")
		if httpGet.Path == "" {
			errs = append(errs, field.Required(p.Child("path"), ""))
		}
		errs = append(errs, portNumOrName(httpGet.Port, p.Child("port"))...)
		if httpGet.Scheme != corev1.URISchemeHTTP && httpGet.Scheme != corev1.URISchemeHTTPS {
			errs = append(errs, field.NotSupported(p.Child("scheme"), httpGet.Scheme, uriSchemes))
		}
		for i, hd := range httpGet.HTTPHeaders {
			for _, msg := range validation.IsHTTPHeaderName(hd.Name) {
				errs = append(errs, field.Invalid(p.Child("httpHeaders").Index(i).Child("name"), hd.Name, msg))
			}
		}
	case "tcpSocket":
		errs = append(errs, portNumOrName(tcp.Port, fldPath.Child("tcpSocket", "port"))...)
	case "grpc":
		errs = append(errs, portNumber(grpc.Port, fldPath.Child("grpc", "port"))...)
	case "sleep":
		p := fldPath.Child("sleep", "seconds")
		g := int64(corev1.DefaultTerminationGracePeriodSeconds)
		if grace != nil {
			g = *grace
		}
		if sleep.Seconds < 0 || sleep.Seconds > g {
			errs = append(errs, field.Invalid(p, sleep.Seconds, fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", g)))
		}
	}
	return errs
}
