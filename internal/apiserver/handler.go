package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/registry"
)

type ctxKey int

const userKey ctxKey = iota

// userFrom returns the authenticated user of a request.
func userFrom(ctx context.Context) *auth.User {
	u, _ := ctx.Value(userKey).(*auth.User)
	return u
}

// publicPaths are served without credentials, as Kubernetes' public-info-viewer role allows.
var publicPaths = map[string]bool{"/healthz": true, "/livez": true, "/readyz": true, "/version": true}

// ServeHTTP authenticates, authorizes and dispatches a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	info := parseRequestInfo(r)
	defer func() {
		s.metrics.observe(r, info, rec.code, time.Since(start))
	}()
	w = rec

	if !publicPaths[r.URL.Path] {
		user, ok, err := s.authenticate(r)
		if err != nil || !ok {
			s.writeError(w, r, apierrors.NewUnauthorized("Unauthorized"))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey, user))
		if err := s.authorize(r, info, user); err != nil {
			s.writeError(w, r, err)
			return
		}
	}

	switch p := r.URL.Path; {
	case p == "/healthz" || p == "/livez" || strings.HasPrefix(p, "/livez/") || strings.HasPrefix(p, "/healthz/"):
		writeText(w, http.StatusOK, "ok")
	case p == "/readyz" || strings.HasPrefix(p, "/readyz/"):
		s.serveReadyz(w, r)
	case p == "/version":
		writeJSON(w, http.StatusOK, s.cfg.Version)
	case p == "/metrics":
		s.metrics.handler.ServeHTTP(w, r)
	case servePprof(w, r):
	case strings.HasPrefix(p, "/openapi/"):
		if s.cfg.OpenAPI == nil {
			http.NotFound(w, r)
			return
		}
		s.cfg.OpenAPI.ServeHTTP(w, r)
	case p == "/api" || p == "/api/" || p == "/apis" || p == "/apis/":
		s.serveRootDiscovery(w, r)
	case !info.IsResource:
		s.serveGroupDiscovery(w, r, info)
	default:
		s.serveResource(w, r, info)
	}
}

func (s *Server) authenticate(r *http.Request) (*auth.User, bool, error) {
	if s.cfg.Authenticator == nil {
		return &auth.User{Name: "system:anonymous"}, true, nil
	}
	return s.cfg.Authenticator.Authenticate(r)
}

// authorize asks the authorizer; RBAC plugs in behind auth.Authorizer.
func (s *Server) authorize(r *http.Request, info requestInfo, user *auth.User) error {
	if s.cfg.Authorizer == nil {
		return nil
	}
	attrs := auth.Attributes{
		User: user, Verb: info.Verb, APIGroup: info.Group, APIVersion: info.Version,
		Resource: info.Resource, Subresource: info.Subresource, Namespace: info.Namespace,
		Name: info.Name, ResourceRequest: info.IsResource, Path: r.URL.Path,
	}
	if !info.IsResource {
		attrs.Verb = strings.ToLower(r.Method)
	}
	allowed, reason, err := s.cfg.Authorizer.Authorize(r.Context(), attrs)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if !allowed {
		gr := schema.GroupResource{Group: info.Group, Resource: info.Resource}
		return apierrors.NewForbidden(gr, info.Name, errString(reason))
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

func (s *Server) serveReadyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeText(w, http.StatusInternalServerError, "[-]bootstrap not finished\nreadyz check failed")
		return
	}
	if r.URL.Query().Has("verbose") {
		writeText(w, http.StatusOK, "[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\nreadyz check passed")
		return
	}
	writeText(w, http.StatusOK, "ok")
}

// serveResource dispatches a request on a resource path.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, info requestInfo) {
	gvr := schema.GroupVersionResource{Group: info.Group, Version: info.Version, Resource: info.Resource}
	res, ok := s.Lookup(gvr)
	if !ok {
		s.writeError(w, r, apierrors.NewNotFound(schema.GroupResource{}, ""))
		return
	}
	if (len(info.Parts) > 3 && info.Subresource != "proxy") || (info.Subresource != "" && !hasSubresource(res, info.Subresource)) {
		s.writeError(w, r, apierrors.NewNotFound(res.GVR.GroupResource(), info.Name))
		return
	}
	if res.Namespaced && info.Namespace == "" && info.Name != "" {
		s.writeError(w, r, apierrors.NewNotFound(res.GVR.GroupResource(), info.Name))
		return
	}
	if info.Subresource != "" {
		s.serveSubresource(w, r, info, res)
		return
	}
	if !res.Serves(info.Verb) || wrongTarget(info) {
		s.writeError(w, r, methodNotSupported(info.Verb, res.GVR.GroupResource()))
		return
	}
	switch info.Verb {
	case "get":
		s.serveGet(w, r, info, res)
	case "list":
		s.serveList(w, r, info, res)
	case "watch":
		s.serveWatch(w, r, info, res)
	case "create":
		s.serveCreate(w, r, info, res)
	case "update":
		s.serveUpdate(w, r, info, res, "")
	case "patch":
		s.servePatch(w, r, info, res, "")
	case "delete":
		s.serveDelete(w, r, info, res)
	case "deletecollection":
		s.serveDeleteCollection(w, r, info, res)
	default:
		s.writeError(w, r, methodNotSupported(info.Verb, res.GVR.GroupResource()))
	}
}

// wrongTarget: creates go to collections, updates and patches to objects;
// kube-apiserver has no route for the other way round and answers 405.
func wrongTarget(info requestInfo) bool {
	switch info.Verb {
	case "create":
		return info.Name != ""
	case "update", "patch":
		return info.Name == ""
	}
	return false
}

func hasSubresource(res *registry.Resource, sub string) bool {
	switch sub {
	case "status":
		return res.Status
	case "scale":
		return res.Scale != nil
	}
	return contains(res.Extra, sub)
}

// prefix is the storage prefix of res, optionally within one namespace.
func (s *Server) prefix(res *registry.Resource, namespace string) string {
	if res.StoragePrefix != "" {
		p := storage.Root + res.StoragePrefix + "/"
		if namespace != "" {
			p += namespace + "/"
		}
		return p
	}
	return storage.Prefix(res.GVR.Group, res.GVR.Resource, namespace)
}

func (s *Server) key(res *registry.Resource, namespace, name string) string {
	if !res.Namespaced {
		namespace = ""
	}
	return s.prefix(res, namespace) + name
}

func (s *Server) objectKey(res *registry.Resource, obj runtime.Object) (string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", err
	}
	return s.key(res, m.GetNamespace(), m.GetName()), nil
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (hijack, deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func writeText(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(text))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(code)
	_, _ = w.Write(data)
}
