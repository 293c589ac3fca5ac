// Package apiserver serves the Kubernetes REST API over a storage.Interface:
// discovery, the standard verbs on every registered resource, subresources,
// watch streams, patch and server-side apply, Tables and metav1.Status errors.
package apiserver

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/registry"
)

var schemaGR = schema.GroupResource{}

// Config is what the API server is built from.
type Config struct {
	Storage       storage.Interface
	Authenticator auth.Authenticator
	Authorizer    auth.Authorizer
	// Resources are the built-in resources; custom resources are added later.
	Resources []*registry.Resource
	// Version is reported by /version.
	Version version.Info
	// OpenAPI serves /openapi/v2 and /openapi/v3; it is told about resources as they change.
	OpenAPI OpenAPI
	// Allocators assign Service cluster IPs and node ports (nil: Services get none).
	Services *ServiceAllocators
	// MaxRequestBytes bounds request bodies (default 3 MiB, as Kubernetes).
	MaxRequestBytes int64
	// Tokens issues service-account tokens (serviceaccounts/token).
	Tokens *auth.TokenIssuer
	// KubeletClient dials node agents for pods/log, exec, attach,
	// portforward and nodes/proxy: the kube-apiserver-kubelet-client
	// certificate and the CA agents' serving certificates chain to (nil:
	// those subresources answer 503).
	KubeletClient *tls.Config
	// DisableAdmissionPlugins names admission plugins not to run, as
	// kube-apiserver's --disable-admission-plugins ("ServiceAccount",
	// "DefaultStorageClass"); API-only test servers run no serviceaccount
	// controller, so they turn ServiceAccount admission off.
	DisableAdmissionPlugins []string
}

// OpenAPI is the part of the OpenAPI service the server drives.
type OpenAPI interface {
	http.Handler
	SetResources([]*registry.Resource)
}

// Server is the HTTP handler of the API.
type Server struct {
	cfg      Config
	store    storage.Interface
	metrics  *metrics
	set      atomic.Pointer[resourceSet]
	mu       sync.Mutex // serializes changes to the resource set
	builtin  []*registry.Resource
	custom   map[string][]*registry.Resource
	managers fieldManagers
	started  time.Time
	ready    atomic.Bool

	agentOnce sync.Once
	agentRT   http.RoundTripper
}

// SetReady makes /readyz answer ok: storage is filled and bootstrap done.
func (s *Server) SetReady() { s.ready.Store(true) }

// New builds a Server.
func New(cfg Config) *Server {
	if cfg.MaxRequestBytes == 0 {
		cfg.MaxRequestBytes = 3 * 1024 * 1024
	}
	s := &Server{
		cfg:     cfg,
		store:   cfg.Storage,
		metrics: newMetrics(),
		builtin: cfg.Resources,
		custom:  map[string][]*registry.Resource{},
		started: time.Now(),
	}
	s.rebuild()
	return s
}

// resourceSet is an immutable snapshot of everything served, swapped
// atomically when custom resources change so requests never lock.
type resourceSet struct {
	all   []*registry.Resource
	byGVR map[schema.GroupVersionResource]*registry.Resource
	// groups lists group versions in discovery order (core first, then by group name).
	groups []groupVersions
	disc   *discoveryCache
}

type groupVersions struct {
	group    string
	versions []string
}

func (s *Server) rebuild() {
	var all []*registry.Resource
	all = append(all, s.builtin...)
	names := make([]string, 0, len(s.custom))
	for n := range s.custom {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		all = append(all, s.custom[n]...)
	}
	set := &resourceSet{all: all, byGVR: map[schema.GroupVersionResource]*registry.Resource{}}
	seen := map[string]int{}
	for _, r := range all {
		set.byGVR[r.GVR] = r
		i, ok := seen[r.GVR.Group]
		if !ok {
			i = len(set.groups)
			seen[r.GVR.Group] = i
			set.groups = append(set.groups, groupVersions{group: r.GVR.Group})
		}
		if !contains(set.groups[i].versions, r.GVR.Version) {
			set.groups[i].versions = append(set.groups[i].versions, r.GVR.Version)
		}
	}
	set.disc = newDiscoveryCache(set)
	s.set.Store(set)
	if s.cfg.OpenAPI != nil {
		s.cfg.OpenAPI.SetResources(all)
	}
}

// Resources returns everything currently served.
func (s *Server) Resources() []*registry.Resource { return s.set.Load().all }

// Lookup returns the resource served at gvr.
func (s *Server) Lookup(gvr schema.GroupVersionResource) (*registry.Resource, bool) {
	r, ok := s.set.Load().byGVR[gvr]
	return r, ok
}

// InstallCustomResources serves rs (the versions of one CRD), replacing what
// was served for that CRD before.
func (s *Server) InstallCustomResources(crdName string, rs []*registry.Resource) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.custom[crdName] = rs
	s.managers.forget(rs)
	s.rebuild()
	slog.Info("Serving custom resource", "crd", crdName, "versions", len(rs))
	return nil
}

// RemoveCustomResources stops serving a CRD's resources.
func (s *Server) RemoveCustomResources(crdName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rs, ok := s.custom[crdName]; ok {
		s.managers.forget(rs)
	}
	delete(s.custom, crdName)
	s.rebuild()
}

// DeleteAllCustomResources deletes every stored object of a CRD (all
// namespaces), used when the CRD itself is deleted.
func (s *Server) DeleteAllCustomResources(ctx context.Context, rs []*registry.Resource) error {
	if len(rs) == 0 {
		return nil
	}
	res := rs[0]
	list, err := s.store.List(ctx, s.prefix(res, ""), storage.ListOptions{})
	if err != nil {
		return err
	}
	for _, obj := range list.Items {
		key, err := s.objectKey(res, obj)
		if err != nil {
			return err
		}
		if _, err := s.store.Delete(ctx, key, nil); err != nil && !apierrors.IsNotFound(storageError(err, res.GVR.GroupResource(), "")) {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
