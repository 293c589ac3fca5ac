package streaming

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/apimachinery/pkg/util/remotecommand"
)

// streamIdleTimeout closes a stream nobody has used for this long, as
// kubelet's default --streaming-connection-idle-timeout.
const streamIdleTimeout = 4 * time.Hour

// streamCreationTimeout bounds the wait for the client's streams.
const streamCreationTimeout = remotecommand.DefaultStreamCreationTimeout

// spdyProtocols are served newest first. v5 over SPDY is v4 as far as the
// server goes (client-go offers it since the close signal exists); v1
// clients predate the error stream and are not served.
var spdyProtocols = []string{
	remotecommand.StreamProtocolV5Name, remotecommand.StreamProtocolV4Name,
	remotecommand.StreamProtocolV3Name, remotecommand.StreamProtocolV2Name,
}

type newStream struct {
	s         httpstream.Stream
	replySent <-chan struct{}
}

// acceptSPDY upgrades r to SPDY and waits for the streams the client
// announced. On error the response is already written.
func acceptSPDY(w http.ResponseWriter, r *http.Request, o streamOptions) (*session, error) {
	protocol, err := httpstream.Handshake(r, w, spdyProtocols)
	if err != nil {
		return nil, err
	}
	streams := make(chan newStream, 8)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, replySent <-chan struct{}) error {
		select {
		case streams <- newStream{s, replySent}:
			return nil
		default:
			return fmt.Errorf("too many streams")
		}
	})
	if conn == nil {
		return nil, fmt.Errorf("upgrade to SPDY failed")
	}
	conn.SetIdleTimeout(streamIdleTimeout)

	want := map[string]bool{v1.StreamTypeError: true, v1.StreamTypeStdin: o.stdin, v1.StreamTypeStdout: o.stdout,
		v1.StreamTypeStderr: o.stderr, v1.StreamTypeResize: o.tty && protocol != remotecommand.StreamProtocolV2Name}
	got := map[string]httpstream.Stream{}
	var replies []<-chan struct{}
	need := 0
	for _, w := range want {
		if w {
			need++
		}
	}
	timeout := time.NewTimer(streamCreationTimeout)
	defer timeout.Stop()
	for len(got) < need {
		select {
		case ns := <-streams:
			t := ns.s.Headers().Get(v1.StreamType)
			if !want[t] || got[t] != nil {
				ns.s.Reset()
				continue
			}
			got[t] = ns.s
			replies = append(replies, ns.replySent)
		case <-timeout.C:
			conn.Close()
			return nil, fmt.Errorf("timed out waiting for client streams")
		case <-conn.CloseChan():
			return nil, fmt.Errorf("client closed the connection before creating its streams")
		}
	}
	// Writing before the reply reaches the client would race its setup.
	for _, rs := range replies {
		<-rs
	}
	sess := &session{tty: o.tty}
	if s := got[v1.StreamTypeStdin]; s != nil {
		sess.stdin = s
	}
	if s := got[v1.StreamTypeStdout]; s != nil {
		sess.stdout = s
	}
	if s := got[v1.StreamTypeStderr]; s != nil {
		sess.stderr = s
	}
	if s := got[v1.StreamTypeResize]; s != nil {
		sess.sizes = newSizeQueue(s)
	}
	errStream := got[v1.StreamTypeError]
	sess.end = func(err error) {
		for _, t := range []string{v1.StreamTypeStdout, v1.StreamTypeStderr} {
			if s := got[t]; s != nil {
				s.Close()
			}
		}
		writeErrorStream(errStream, protocol, err)
		errStream.Close()
		if sess.sizes != nil {
			sess.sizes.close()
		}
		conn.Close()
	}
	return sess, nil
}

// writeErrorStream reports the end: v4 and later carry a metav1.Status (an
// exit code the client adopts), older protocols the error text.
func writeErrorStream(w interface{ Write([]byte) (int, error) }, protocol string, err error) {
	switch protocol {
	case remotecommand.StreamProtocolV5Name, remotecommand.StreamProtocolV4Name:
		data, _ := json.Marshal(exitStatus(err))
		_, _ = w.Write(data)
	default:
		if err != nil {
			_, _ = w.Write([]byte(err.Error()))
		}
	}
}
