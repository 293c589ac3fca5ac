package probe

import "github.com/bosun-dev/bosun/internal/version"

// Result is one probe's outcome.
type Result int

const (
	Unknown Result = iota
	Success
	// Warning is a success worth an event, such as an HTTP redirect the
	// prober did not follow.
	Warning
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Warning:
		return "warning"
	case Failure:
		return "failure"
	}
	return "unknown"
}

// Kind is which of a container's probes this is.
type Kind int

const (
	Liveness Kind = iota
	Readiness
	Startup
)

// String is the probe kind as kubelet's events name it.
func (k Kind) String() string {
	switch k {
	case Liveness:
		return "Liveness"
	case Readiness:
		return "Readiness"
	}
	return "Startup"
}

// UserAgent is what HTTP and gRPC probes identify as, kubelet's
// kube-probe/<major>.<minor>.
var UserAgent = "kube-probe/" + version.KubernetesMajor + "." + version.KubernetesMinor

// maxOutput bounds how much of a probe's output ends up in an event.
const maxOutput = 10 * 1024

func truncate(b []byte) string {
	if len(b) > maxOutput {
		b = b[:maxOutput]
	}
	return string(b)
}
