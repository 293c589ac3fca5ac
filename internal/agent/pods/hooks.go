package pods

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// hookHTTPTimeout bounds an httpGet hook when its context has no deadline.
const hookHTTPTimeout = 30 * time.Second

// hookClient skips certificate checks as kubelet does: a pod's own
// serving certificate is not something the node can verify.
var hookClient = &http.Client{
	Timeout:   hookHTTPTimeout,
	Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	// A hook's redirect is followed only as far as a plain GET goes.
	CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		return nil
	},
}

// runHook runs one lifecycle handler (exec, httpGet or sleep) against a
// running container.
func (m *Manager) runHook(ctx context.Context, pod *v1.Pod, spec *v1.Container, id string, h *v1.LifecycleHandler, ips []string) error {
	switch {
	case h.Exec != nil:
		resp, err := m.cfg.Runtime.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: h.Exec.Command})
		if err != nil {
			return fmt.Errorf("exec hook %q in container %s: %w", h.Exec.Command, spec.Name, err)
		}
		if resp.GetExitCode() != 0 {
			return fmt.Errorf("exec hook %q in container %s exited with %d: %s", h.Exec.Command, spec.Name, resp.GetExitCode(), resp.GetStdout())
		}
		return nil
	case h.HTTPGet != nil:
		u, err := hookURL(h.HTTPGet, spec, ips)
		if err != nil {
			return fmt.Errorf("http hook of container %s: %w", spec.Name, err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("http hook of container %s: %w", spec.Name, err)
		}
		for _, hd := range h.HTTPGet.HTTPHeaders {
			req.Header.Add(hd.Name, hd.Value)
		}
		resp, err := hookClient.Do(req)
		if err != nil {
			return fmt.Errorf("http hook %s of container %s: %w", u, spec.Name, err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 10<<10))
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("http hook %s of container %s answered %s", u, spec.Name, resp.Status)
		}
		return nil
	case h.Sleep != nil:
		select {
		case <-m.clock.After(time.Duration(h.Sleep.Seconds) * time.Second):
		case <-ctx.Done():
		}
		return nil
	}
	// tcpSocket is accepted by the API for old manifests but never run.
	return nil
}

// hookURL resolves an httpGet handler: the pod's IP unless a host is given,
// a named port looked up among the container's ports.
func hookURL(g *v1.HTTPGetAction, spec *v1.Container, ips []string) (string, error) {
	host := g.Host
	if host == "" && len(ips) > 0 {
		host = ips[0]
	}
	if host == "" {
		return "", fmt.Errorf("no host: the pod has no IP")
	}
	port := g.Port.IntValue()
	if g.Port.StrVal != "" {
		port = 0
		for _, p := range spec.Ports {
			if p.Name == g.Port.StrVal {
				port = int(p.ContainerPort)
			}
		}
		if port == 0 {
			if n, err := strconv.Atoi(g.Port.StrVal); err == nil {
				port = n
			}
		}
	}
	if port <= 0 || port > 65535 {
		return "", fmt.Errorf("invalid port %q", g.Port.String())
	}
	scheme := "http"
	if g.Scheme == v1.URISchemeHTTPS {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}
	path, query, _ := cutQuery(g.Path)
	u.Path, u.RawQuery = path, query
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

func cutQuery(p string) (string, string, bool) {
	for i := range len(p) {
		if p[i] == '?' {
			return p[:i], p[i+1:], true
		}
	}
	return p, "", false
}
