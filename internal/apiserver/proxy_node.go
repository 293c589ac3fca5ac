package apiserver

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// defaultKubeletPort is used when a node does not report its agent's port.
const defaultKubeletPort = 10250

var nodesGVR = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}

// serveNodeStream serves the subresources answered by a node's agent:
// pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy. The
// request is mapped to the agent's kubelet path and proxied; upgrades
// (SPDY, WebSocket) are spliced through, as kube-apiserver does.
func (s *Server) serveNodeStream(w http.ResponseWriter, r *http.Request, info requestInfo) bool {
	var loc *url.URL
	var err error
	switch {
	case info.Resource == "pods" && info.Group == "" && info.Subresource == "log":
		if r.Method != http.MethodGet {
			err = methodNotSupported(info.Verb, schema.GroupResource{Resource: "pods/log"})
			break
		}
		loc, err = s.podLogLocation(r, info)
	case info.Resource == "pods" && info.Group == "" && (info.Subresource == "exec" || info.Subresource == "attach" || info.Subresource == "portforward"):
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			err = methodNotSupported(info.Verb, schema.GroupResource{Resource: "pods/" + info.Subresource})
			break
		}
		loc, err = s.podStreamLocation(r, info)
	case info.Resource == "nodes" && info.Group == "" && info.Subresource == "proxy":
		loc, err = s.nodeProxyLocation(r, info)
	default:
		return false
	}
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	s.proxyToAgent(w, r, loc)
	return true
}

// agentURL is where the agent of the pod's node serves path.
func (s *Server) agentURL(r *http.Request, nodeName, path string) (*url.URL, error) {
	res, _ := s.Lookup(nodesGVR)
	obj, err := s.get(r.Context(), res, "", nodeName)
	if err != nil {
		return nil, err
	}
	host, port, err := nodeAddress(obj.(*corev1.Node))
	if err != nil {
		return nil, err
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: path}, nil
}

// nodeAddress picks the address an agent is reached at: InternalIP, then
// Hostname, then ExternalIP, with the port the node reports.
func nodeAddress(node *corev1.Node) (string, int, error) {
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port == 0 {
		port = defaultKubeletPort
	}
	for _, t := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeHostName, corev1.NodeExternalIP} {
		for _, a := range node.Status.Addresses {
			if a.Type == t && a.Address != "" {
				return a.Address, port, nil
			}
		}
	}
	return "", 0, apierrors.NewBadRequest(fmt.Sprintf("node %s has no address", node.Name))
}

func (s *Server) nodeProxyLocation(r *http.Request, info requestInfo) (*url.URL, error) {
	path := "/" + strings.Join(info.Parts[3:], "/")
	if strings.HasSuffix(r.URL.Path, "/") && path != "/" {
		path += "/"
	}
	loc, err := s.agentURL(r, info.Name, path)
	if err != nil {
		return nil, err
	}
	loc.RawQuery = r.URL.RawQuery
	return loc, nil
}

// proxyToAgent forwards r to loc with the API server's client certificate.
// The caller's own credentials stay here: the agent trusts the API server,
// which has already authorized the caller.
func (s *Server) proxyToAgent(w http.ResponseWriter, r *http.Request, loc *url.URL) {
	if s.cfg.KubeletClient == nil {
		s.writeError(w, r, apierrors.NewServiceUnavailable("this server has no client certificate for node agents"))
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = loc
			pr.Out.Host = loc.Host
			pr.Out.Header.Del("Authorization")
			for k := range pr.Out.Header {
				if strings.HasPrefix(k, "Impersonate-") {
					pr.Out.Header.Del(k)
				}
			}
		},
		Transport:     s.agentTransport(),
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(w, r, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure,
				Code: http.StatusInternalServerError, Reason: metav1.StatusReasonInternalError, Message: err.Error()}})
		},
	}
	rp.ServeHTTP(w, r)
}

// agentTransport is built once: agents are dialed often, by logs followers
// and probes of kubectl users alike.
func (s *Server) agentTransport() http.RoundTripper {
	s.agentOnce.Do(func() {
		s.agentRT = &http.Transport{
			TLSClientConfig:     s.cfg.KubeletClient.Clone(),
			DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			IdleConnTimeout:     90 * time.Second,
			MaxIdleConnsPerHost: 10,
			ForceAttemptHTTP2:   false,
			// Upgraded streams need HTTP/1.1; an empty map keeps h2 off.
			TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
		}
	})
	return s.agentRT
}
