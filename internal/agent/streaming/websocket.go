package streaming

import (
	"net/http"

	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/apimachinery/pkg/util/remotecommand"
)

// wsProtocols are the channel protocols exec and attach accept over a
// WebSocket. Channels: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5
// adds the client's close signal for stdin, which wsstream handles.
func wsProtocols(stdin bool) map[string]wsstream.ChannelProtocolConfig {
	in := wsstream.ReadChannel
	if !stdin {
		in = wsstream.IgnoreChannel
	}
	channels := []wsstream.ChannelType{in, wsstream.WriteChannel, wsstream.WriteChannel, wsstream.WriteChannel, wsstream.ReadChannel}
	out := wsstream.NewDefaultChannelProtocols(channels)
	for _, p := range []string{remotecommand.StreamProtocolV5Name, remotecommand.StreamProtocolV4Name,
		remotecommand.StreamProtocolV3Name, remotecommand.StreamProtocolV2Name} {
		out[p] = wsstream.ChannelProtocolConfig{Binary: true, Channels: channels}
	}
	return out
}

// acceptWebSocket upgrades r to a channel WebSocket.
func acceptWebSocket(w http.ResponseWriter, r *http.Request, o streamOptions) (*session, error) {
	conn := wsstream.NewConn(wsProtocols(o.stdin))
	conn.SetIdleTimeout(streamIdleTimeout)
	protocol, ch, err := conn.Open(w, r)
	if err != nil {
		return nil, err
	}
	sess := &session{tty: o.tty}
	if o.stdin {
		sess.stdin = ch[remotecommand.StreamStdIn]
	}
	if o.stdout {
		sess.stdout = ch[remotecommand.StreamStdOut]
	}
	if o.stderr {
		sess.stderr = ch[remotecommand.StreamStdErr]
	}
	if o.tty {
		sess.sizes = newSizeQueue(ch[remotecommand.StreamResize])
	}
	sess.end = func(err error) {
		writeErrorStream(ch[remotecommand.StreamErr], protocol, err)
		if sess.sizes != nil {
			sess.sizes.close()
		}
		conn.Close()
	}
	return sess, nil
}
