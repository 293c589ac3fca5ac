package apiserver

import (
	"net/http"
	"net/http/pprof"
	"os"
	"slices"
	"strings"

	"github.com/bosun-dev/bosun/internal/auth"
)

// pprofEnv turns on /debug/pprof/ when set to "1" in the server's
// environment. Profiles reveal memory contents and cost CPU, so they are off
// by default and, when on, served to system:masters only (after the usual
// authentication and authorization of the path).
const pprofEnv = "BOSUN_PPROF"

var pprofOn = os.Getenv(pprofEnv) == "1"

// servePprof reports whether it handled r as a profiling request.
func servePprof(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	if !pprofOn || !strings.HasPrefix(p, "/debug/pprof/") {
		return false
	}
	if u := userFrom(r.Context()); u == nil || !slices.Contains(u.Groups, auth.GroupMasters) {
		writeText(w, http.StatusForbidden, "forbidden")
		return true
	}
	switch strings.TrimPrefix(p, "/debug/pprof/") {
	case "profile":
		pprof.Profile(w, r)
	case "trace":
		pprof.Trace(w, r)
	case "symbol":
		pprof.Symbol(w, r)
	case "cmdline":
		pprof.Cmdline(w, r)
	default:
		pprof.Index(w, r)
	}
	return true
}
