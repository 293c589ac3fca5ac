package streaming

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	s.serveRemoteCommand(w, r, true)
}

func (s *Server) serveAttach(w http.ResponseWriter, r *http.Request) {
	s.serveRemoteCommand(w, r, false)
}

// serveRemoteCommand asks the runtime for a streaming URL before upgrading,
// so a missing container is an ordinary HTTP error the client can show.
func (s *Server) serveRemoteCommand(w http.ResponseWriter, r *http.Request, exec bool) {
	ns, pod, name := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	log := s.log.With("pod", ns+"/"+pod, "container", name)
	o, err := parseStreamOptions(r.URL.Query(), exec)
	if err != nil {
		writeStatus(w, err)
		return
	}
	ctx := r.Context()
	list, err := s.containersOf(ctx, ns, pod, name)
	if err != nil {
		writeStatus(w, err)
		return
	}
	c, err := runningContainer(list, name)
	if err != nil {
		writeStatus(w, err)
		return
	}
	target, err := s.streamURL(ctx, c.GetId(), o, exec)
	if err != nil {
		log.Error("Failed to get a streaming URL", "err", err)
		writeStatus(w, err)
		return
	}
	var sess *session
	if wsstream.IsWebSocketRequest(r) {
		sess, err = acceptWebSocket(w, r, o)
	} else if httpstream.IsUpgradeRequest(r) {
		sess, err = acceptSPDY(w, r, o)
	} else {
		writeStatus(w, badRequest("the request must be upgraded to SPDY or a WebSocket"))
		return
	}
	if err != nil {
		log.Info("Stream setup failed", "err", err)
		return
	}
	// The hijacked connection outlives the request context only as long as
	// the command: the runtime stream ends with it.
	err = pipe(context.WithoutCancel(ctx), target, sess)
	sess.end(err)
	log.Debug("Stream ended", "exec", exec, "err", err)
}

// streamURL asks the runtime where its streaming server serves this exec
// or attach.
func (s *Server) streamURL(ctx context.Context, id string, o streamOptions, exec bool) (*url.URL, error) {
	var raw string
	if exec {
		resp, err := s.cfg.Runtime.Exec(ctx, &runtimeapi.ExecRequest{ContainerId: id, Cmd: o.command,
			Tty: o.tty, Stdin: o.stdin, Stdout: o.stdout, Stderr: o.stderr})
		if err != nil {
			return nil, fmt.Errorf("exec in container %s: %w", id, err)
		}
		raw = resp.GetUrl()
	} else {
		resp, err := s.cfg.Runtime.Attach(ctx, &runtimeapi.AttachRequest{ContainerId: id,
			Tty: o.tty, Stdin: o.stdin, Stdout: o.stdout, Stderr: o.stderr})
		if err != nil {
			return nil, fmt.Errorf("attach to container %s: %w", id, err)
		}
		raw = resp.GetUrl()
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("runtime streaming URL %q: %w", raw, err)
	}
	return u, nil
}

// pipe runs the session against the runtime's streaming server over SPDY
// and returns how the command ended (a client-go exec.ExitError for a
// non-zero exit code).
func pipe(ctx context.Context, target *url.URL, sess *session) error {
	tr, up, err := spdy.RoundTripperFor(&rest.Config{})
	if err != nil {
		return fmt.Errorf("runtime stream transport: %w", err)
	}
	ex, err := remotecommand.NewSPDYExecutorForTransports(tr, up, http.MethodPost, target)
	if err != nil {
		return fmt.Errorf("runtime stream %s: %w", target.Redacted(), err)
	}
	return ex.StreamWithContext(ctx, sess.options())
}
