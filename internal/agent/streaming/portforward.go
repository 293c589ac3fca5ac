package streaming

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	gwebsocket "github.com/gorilla/websocket"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/apimachinery/pkg/util/portforward"
	clientpf "k8s.io/client-go/tools/portforward"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The runtime speaks the SPDY port-forward protocol itself (a data and an
// error stream per connection, the port in each stream's header), so the
// agent hands the client's SPDY session to it unchanged; a session
// tunnelled in a WebSocket is unwrapped first.
func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	ns, pod := r.PathValue("namespace"), r.PathValue("pod")
	log := s.log.With("pod", ns+"/"+pod)
	ctx := r.Context()
	ports, err := queryPorts(r.URL.Query()["port"])
	if err != nil {
		writeStatus(w, err)
		return
	}
	sandbox, err := s.sandboxOf(ctx, ns, pod)
	if err != nil {
		writeStatus(w, err)
		return
	}
	resp, err := s.cfg.Runtime.PortForward(ctx, &runtimeapi.PortForwardRequest{PodSandboxId: sandbox, Port: ports})
	if err != nil {
		log.Error("Failed to get a port-forward URL", "err", err)
		writeStatus(w, fmt.Errorf("port-forward to sandbox %s: %w", sandbox, err))
		return
	}
	target, err := url.Parse(resp.GetUrl())
	if err != nil {
		writeStatus(w, fmt.Errorf("runtime port-forward URL %q: %w", resp.GetUrl(), err))
		return
	}
	switch {
	case wsstream.IsWebSocketRequestWithTunnelingProtocol(r):
		err = tunnelPortForward(w, r, target)
	case httpstream.IsUpgradeRequest(r):
		err = proxyUpgrade(w, r, target, r.Header.Values(httpstream.HeaderProtocolVersion))
	default:
		writeStatus(w, badRequest("the request must be upgraded to SPDY or a WebSocket"))
		return
	}
	if err != nil {
		log.Info("Port-forward ended", "err", err)
	}
}

// queryPorts reads the ports a WebSocket client names in the query; SPDY
// clients name them per stream instead.
func queryPorts(vals []string) ([]int32, error) {
	var out []int32
	for _, v := range vals {
		p, err := strconv.ParseUint(v, 10, 16)
		if err != nil || p == 0 {
			return nil, badRequest(fmt.Sprintf("invalid port %q", v))
		}
		out = append(out, int32(p))
	}
	return out, nil
}

// dialUpgrade opens an SPDY session with the runtime's streaming server
// and returns the connection past its 101 answer, or the refusal.
func dialUpgrade(ctx context.Context, target *url.URL, protocols []string) (net.Conn, *bufio.Reader, *http.Response, error) {
	host := target.Host
	if target.Port() == "" {
		host = net.JoinHostPort(target.Hostname(), "80")
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", host)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("dial runtime streaming server: %w", err)
	}
	req, _ := http.NewRequest(http.MethodPost, target.String(), nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "SPDY/3.1")
	for _, p := range protocols {
		req.Header.Add(httpstream.HeaderProtocolVersion, p)
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, nil, nil, fmt.Errorf("ask runtime streaming server to upgrade: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, nil, nil, fmt.Errorf("read runtime streaming server upgrade: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer conn.Close()
		return nil, nil, resp, nil
	}
	return conn, br, resp, nil
}

// proxyUpgrade passes the client's SPDY upgrade to target and splices the
// two connections once the runtime agrees.
func proxyUpgrade(w http.ResponseWriter, r *http.Request, target *url.URL, protocols []string) error {
	backend, br, resp, err := dialUpgrade(r.Context(), target, protocols)
	if err != nil {
		writeStatus(w, err)
		return err
	}
	if backend == nil {
		copyResponse(w, resp)
		return fmt.Errorf("runtime refused the upgrade: %s", resp.Status)
	}
	client, cbuf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		backend.Close()
		return fmt.Errorf("hijack client connection: %w", err)
	}
	if err := resp.Write(client); err != nil {
		client.Close()
		backend.Close()
		return fmt.Errorf("forward upgrade answer: %w", err)
	}
	splice(client, io.MultiReader(cbuf, client), backend, br)
	return nil
}

// tunnelPortForward accepts SPDY tunnelled in a WebSocket and hands the
// unwrapped session to target.
func tunnelPortForward(w http.ResponseWriter, r *http.Request, target *url.URL) error {
	backend, br, resp, err := dialUpgrade(r.Context(), target, []string{portforward.PortForwardV1Name})
	if err != nil {
		writeStatus(w, err)
		return err
	}
	if backend == nil {
		copyResponse(w, resp)
		return fmt.Errorf("runtime refused the upgrade: %s", resp.Status)
	}
	up := gwebsocket.Upgrader{
		Subprotocols: []string{portforward.WebsocketsSPDYTunnelingPortForwardV1},
		// The API server in front authenticated the caller; browsers'
		// origin rules do not apply to a kubectl tunnel.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		backend.Close()
		return fmt.Errorf("upgrade to WebSocket: %w", err)
	}
	tunnel := clientpf.NewTunnelingConnection("agent", ws)
	splice(tunnel, tunnel, backend, br)
	return nil
}

func copyResponse(w http.ResponseWriter, resp *http.Response) {
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// splice copies both ways until either side ends, then closes both: a
// half-closed SPDY session is of no use to anyone.
func splice(a io.WriteCloser, aIn io.Reader, b io.WriteCloser, bIn io.Reader) {
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(b, aIn); done <- struct{}{} }()
	go func() { _, _ = io.Copy(a, bIn); done <- struct{}{} }()
	<-done
	a.Close()
	b.Close()
	<-done
}
