package openapi

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/cached"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Service generates and serves the OpenAPI documents of a set of resources.
// SetResources may be called at any time from any goroutine; documents are
// regenerated on the next request that needs them.
type Service struct {
	types *typeSchemas
	v3    *handler3.OpenAPIService
	gen   atomic.Uint64 // distinguishes generations in cache keys

	mu  sync.Mutex
	gvs map[schema.GroupVersion]*gvState
	v2  *v2State
}

// gvState is one group-version's resources and, once asked for, their document.
type gvState struct {
	gv        schema.GroupVersion
	resources []*registry.Resource
	types     *typeSchemas
	once      sync.Once
	doc       *gvDoc
	err       error
}

func (st *gvState) get() (*gvDoc, error) {
	st.once.Do(func() { st.doc, st.err = buildGV(st.types, st.gv, st.resources) })
	return st.doc, st.err
}

// New returns a Service serving no resources. scheme must know every
// built-in kind passed to SetResources later (builtin.Scheme).
func New(scheme *runtime.Scheme) *Service {
	s := &Service{types: newTypeSchemas(scheme), v3: handler3.NewOpenAPIService(), gvs: map[schema.GroupVersion]*gvState{}}
	s.v2 = s.newV2State(nil)
	return s
}

// SetResources replaces the set of resources documented. Group-versions
// whose resources are the same pointers as before keep their documents;
// the others are regenerated when next requested.
func (s *Service) SetResources(rs []*registry.Resource) {
	byGV := map[schema.GroupVersion][]*registry.Resource{}
	for _, r := range rs {
		gv := r.GVR.GroupVersion()
		byGV[gv] = append(byGV[gv], r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for gv := range s.gvs {
		if _, ok := byGV[gv]; !ok {
			delete(s.gvs, gv)
			s.v3.DeleteGroupVersion(gvPath(gv))
			changed = true
		}
	}
	for gv, list := range byGV {
		if st, ok := s.gvs[gv]; ok && slices.Equal(st.resources, list) {
			continue
		}
		st := &gvState{gv: gv, resources: list, types: s.types}
		s.gvs[gv] = st
		etag := strconv.FormatUint(s.gen.Add(1), 10)
		s.v3.UpdateGroupVersionLazy(gvPath(gv), cached.Once(cached.Func(func() (*spec3.OpenAPI, string, error) {
			doc, err := st.get()
			if err != nil {
				return nil, "", err
			}
			return doc.openAPIV3(s.types), etag, nil
		})))
		changed = true
	}
	if changed {
		states := make([]*gvState, 0, len(s.gvs))
		for _, gv := range sortedGVs(s.gvs) {
			states = append(states, s.gvs[gv])
		}
		s.v2 = s.newV2State(states)
	}
}

// Definitions returns the definitions of every served kind and what they
// refer to, keyed by definition name, with refs of the form
// "#/definitions/NAME". Custom resources keep their full structural schema
// (nullable, int-or-string…), which structured-merge-diff needs. The map is
// shared: do not modify it.
func (s *Service) Definitions() map[string]*spec.Schema {
	s.mu.Lock()
	v2 := s.v2
	s.mu.Unlock()
	defs, _ := v2.definitions()
	return defs
}
