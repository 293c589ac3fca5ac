package streaming

import (
	"net/url"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// streamOptions are the query parameters of /exec and /attach.
type streamOptions struct {
	command                    []string
	stdin, stdout, stderr, tty bool
}

// parseStreamOptions reads kubectl's (and the API server's) exec and attach
// query. A terminal merges stderr into stdout, so stderr is dropped then.
func parseStreamOptions(q url.Values, exec bool) (streamOptions, error) {
	flag := func(k string) bool {
		b, _ := strconv.ParseBool(q.Get(k))
		return b
	}
	o := streamOptions{command: q["command"], stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr"), tty: flag("tty")}
	if o.tty {
		o.stderr = false
	}
	if exec && len(o.command) == 0 {
		return o, apierrors.NewBadRequest("you must specify at least 1 command")
	}
	if !o.stdin && !o.stdout && !o.stderr {
		return o, apierrors.NewBadRequest("you must specify at least 1 of stdin, stdout, stderr")
	}
	return o, nil
}
