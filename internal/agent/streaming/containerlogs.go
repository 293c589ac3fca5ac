package streaming

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/logs"
)

// runningCheckEvery bounds how often a follower asks the runtime whether
// its container still runs.
const runningCheckEvery = time.Second

func (s *Server) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, name := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	log := s.log.With("pod", ns+"/"+pod, "container", name)
	opts, err := parseLogOptions(r.URL.Query())
	if err != nil {
		writeStatus(w, err)
		return
	}
	ctx := r.Context()
	list, err := s.containersOf(ctx, ns, pod, name)
	if err != nil {
		log.Error("Failed to find container for logs", "err", err)
		writeStatus(w, err)
		return
	}
	c, err := logContainer(list, pod, name, opts.Previous)
	if err != nil {
		writeStatus(w, err)
		return
	}
	st, err := s.cfg.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.GetId()})
	if err != nil {
		writeStatus(w, fmt.Errorf("status of container %s: %w", c.GetId(), err))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	out := &flushWriter{w: w, rc: http.NewResponseController(w)}
	if err := logs.Write(ctx, st.GetStatus().GetLogPath(), opts, out, s.stillRunning(ctx, c.GetId())); err != nil {
		log.Error("Failed to stream container log", "err", err)
	}
}

// stillRunning asks the runtime at most once per runningCheckEvery.
func (s *Server) stillRunning(ctx context.Context, id string) func() bool {
	var mu sync.Mutex
	var checked time.Time
	running := true
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(checked) < runningCheckEvery {
			return running
		}
		checked = time.Now()
		st, err := s.cfg.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
		running = err == nil && st.GetStatus().GetState() == runtimeapi.ContainerState_CONTAINER_RUNNING
		return running
	}
}

// flushWriter pushes every write to the client, so followed lines arrive
// as they are written.
type flushWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil {
		err = f.rc.Flush()
	}
	return n, err
}

// parseLogOptions reads kubelet's containerLogs query, the PodLogOptions
// parameters by their JSON names.
func parseLogOptions(q map[string][]string) (*v1.PodLogOptions, error) {
	opts := &v1.PodLogOptions{}
	var errs field.ErrorList
	get := func(k string) (string, bool) {
		v, ok := q[k]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
	boolean := func(k string, into *bool) {
		if v, ok := get(k); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, field.Invalid(field.NewPath(k), v, "must be a boolean"))
			}
			*into = b
		}
	}
	integer := func(k string, min int64) *int64 {
		v, ok := get(k)
		if !ok {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, field.Invalid(field.NewPath(k), v, "must be an integer"))
			return nil
		}
		switch {
		case min == 0 && n < 0:
			errs = append(errs, field.Invalid(field.NewPath(k), n, "must be greater than or equal to 0"))
		case min == 1 && n < 1:
			errs = append(errs, field.Invalid(field.NewPath(k), n, "must be greater than 0"))
		}
		return &n
	}
	boolean("follow", &opts.Follow)
	boolean("previous", &opts.Previous)
	boolean("timestamps", &opts.Timestamps)
	opts.TailLines = integer("tailLines", 0)
	opts.SinceSeconds = integer("sinceSeconds", 1)
	opts.LimitBytes = integer("limitBytes", 1)
	if v, ok := get("sinceTime"); ok {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			errs = append(errs, field.Invalid(field.NewPath("sinceTime"), v, "must be an RFC3339 time"))
		} else {
			opts.SinceTime = &metav1.Time{Time: t}
		}
	}
	if opts.SinceSeconds != nil && opts.SinceTime != nil {
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	}
	if v, ok := get("stream"); ok {
		switch v {
		case v1.LogStreamStdout, v1.LogStreamStderr, v1.LogStreamAll:
			opts.Stream = &v
		default:
			errs = append(errs, field.NotSupported(field.NewPath("stream"), v, []string{v1.LogStreamStdout, v1.LogStreamStderr, v1.LogStreamAll}))
		}
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, "", errs)
	}
	return opts, nil
}
