// Package version says which Kubernetes API Bosun serves and which build this is.
package version

import (
	"runtime"
	"runtime/debug"
)

// The Kubernetes release whose API Bosun serves: the k8s.io modules it is built on (v0.36.4).
const (
	KubernetesMajor   = "1"
	KubernetesMinor   = "36"
	KubernetesVersion = "v1.36.4"
)

// Set by the linker (-X) in `make build`.
var (
	Bosun     = "dev"
	Commit    = ""
	BuildDate = "1970-01-01T00:00:00Z"
)

// GitVersion is what /version reports: the Kubernetes version with Bosun's build metadata.
func GitVersion() string { return KubernetesVersion + "+bosun-" + Bosun }

// GoVersion is the toolchain the binary was built with.
func GoVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.GoVersion
	}
	return runtime.Version()
}

// Platform is os/arch.
func Platform() string { return runtime.GOOS + "/" + runtime.GOARCH }
