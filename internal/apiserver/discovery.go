package apiserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/bosun-dev/bosun/internal/registry"
)

// discoveryCache holds the discovery documents of one resourceSet, encoded once.
type discoveryCache struct {
	core       []byte // /api
	groups     []byte // /apis
	aggCore    []byte // aggregated /api
	aggGroups  []byte // aggregated /apis
	aggCoreTag string
	aggTag     string
	perGroup   map[string][]byte // /apis/<group>
	perVersion map[string][]byte // "v1" for core, "<group>/<version>"
}

const aggregatedMediaType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

func newDiscoveryCache(set *resourceSet) *discoveryCache {
	c := &discoveryCache{perGroup: map[string][]byte{}, perVersion: map[string][]byte{}}
	byGV := map[schema.GroupVersion][]*registry.Resource{}
	for _, r := range set.all {
		gv := r.GVR.GroupVersion()
		byGV[gv] = append(byGV[gv], r)
	}
	groups := append([]groupVersions(nil), set.groups...)
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].group == "" || groups[j].group == "" {
			return groups[i].group == ""
		}
		return false // keep registration order for named groups, as Kubernetes' priority order
	})

	c.core = mustJSON(&metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: ""}}})
	groupList := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}, Groups: []metav1.APIGroup{}}
	aggCore := &apidiscoveryv2.APIGroupDiscoveryList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/v2"}}
	aggGroups := &apidiscoveryv2.APIGroupDiscoveryList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/v2"}}

	for _, g := range groups {
		var versions []metav1.GroupVersionForDiscovery
		agg := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g.group}}
		for _, v := range g.versions {
			gv := schema.GroupVersion{Group: g.group, Version: v}
			rs := byGV[gv]
			versions = append(versions, metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: v})
			c.perVersion[gv.String()] = mustJSON(resourceList(gv, rs))
			agg.Versions = append(agg.Versions, aggregatedVersion(v, rs))
		}
		if g.group == "" {
			aggCore.Items = append(aggCore.Items, agg)
			continue
		}
		group := metav1.APIGroup{
			TypeMeta:         metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"},
			Name:             g.group,
			Versions:         versions,
			PreferredVersion: versions[0],
		}
		c.perGroup[g.group] = mustJSON(&group)
		group.TypeMeta = metav1.TypeMeta{}
		groupList.Groups = append(groupList.Groups, group)
		aggGroups.Items = append(aggGroups.Items, agg)
	}
	c.groups = mustJSON(groupList)
	c.aggCore = mustJSON(aggCore)
	c.aggGroups = mustJSON(aggGroups)
	c.aggCoreTag = etag(c.aggCore)
	c.aggTag = etag(c.aggGroups)
	return c
}

func resourceList(gv schema.GroupVersion, rs []*registry.Resource) *metav1.APIResourceList {
	list := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
	for _, r := range rs {
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name: r.GVR.Resource, SingularName: r.SingularName, Namespaced: r.Namespaced, Kind: r.Kind,
			Verbs: r.ServedVerbs(), ShortNames: r.ShortNames, Categories: r.Categories,
			StorageVersionHash: storageVersionHash(r),
		})
		for _, sub := range subresources(r) {
			list.APIResources = append(list.APIResources, metav1.APIResource{
				Name: r.GVR.Resource + "/" + sub.name, Namespaced: r.Namespaced, Kind: sub.kind.Kind,
				Group: sub.kind.Group, Version: sub.kind.Version, Verbs: sub.verbs,
			})
		}
	}
	if list.APIResources == nil {
		list.APIResources = []metav1.APIResource{}
	}
	return list
}

type subresourceInfo struct {
	name  string
	kind  schema.GroupVersionKind
	verbs []string
}

// subresources lists what discovery shows for r's subresources.
func subresources(r *registry.Resource) []subresourceInfo {
	var out []subresourceInfo
	self := r.GVK()
	if r.Status {
		out = append(out, subresourceInfo{"status", self, []string{"get", "patch", "update"}})
	}
	if r.Scale != nil {
		out = append(out, subresourceInfo{"scale", schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, []string{"get", "patch", "update"}})
	}
	for _, e := range r.Extra {
		switch e {
		case "binding":
			out = append(out, subresourceInfo{e, schema.GroupVersionKind{Version: "v1", Kind: "Binding"}, []string{"create"}})
		case "eviction":
			out = append(out, subresourceInfo{e, schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, []string{"create"}})
		case "token":
			out = append(out, subresourceInfo{e, schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}, []string{"create"}})
		case "finalize", "approval":
			out = append(out, subresourceInfo{e, self, []string{"update"}})
		case "log":
			out = append(out, subresourceInfo{e, self, []string{"get"}})
		case "proxy":
			out = append(out, subresourceInfo{e, schema.GroupVersionKind{Version: "v1", Kind: r.Kind + "ProxyOptions"}, []string{"create", "delete", "get", "patch", "update"}})
		default:
			out = append(out, subresourceInfo{e, schema.GroupVersionKind{Version: "v1", Kind: "Pod" + strings.ToUpper(e[:1]) + e[1:] + "Options"}, []string{"create", "get"}})
		}
	}
	return out
}

func aggregatedVersion(v string, rs []*registry.Resource) apidiscoveryv2.APIVersionDiscovery {
	out := apidiscoveryv2.APIVersionDiscovery{Version: v, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
	for _, r := range rs {
		scope := apidiscoveryv2.ScopeCluster
		if r.Namespaced {
			scope = apidiscoveryv2.ScopeNamespace
		}
		d := apidiscoveryv2.APIResourceDiscovery{
			Resource: r.GVR.Resource, SingularResource: r.SingularName, Scope: scope,
			ResponseKind: &metav1.GroupVersionKind{Group: r.GVR.Group, Version: r.GVR.Version, Kind: r.Kind},
			Verbs:        r.ServedVerbs(), ShortNames: r.ShortNames, Categories: r.Categories,
		}
		for _, sub := range subresources(r) {
			k := sub.kind
			d.Subresources = append(d.Subresources, apidiscoveryv2.APISubresourceDiscovery{
				Subresource: sub.name, Verbs: sub.verbs,
				ResponseKind: &metav1.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind},
			})
		}
		out.Resources = append(out.Resources, d)
	}
	return out
}

func storageVersionHash(r *registry.Resource) string {
	sum := sha256.Sum256([]byte(r.GVR.Group + "/" + r.GVR.Version + "/" + r.Kind))
	return hex.EncodeToString(sum[:])[:11]
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// wantsAggregated reports whether the client asked for aggregated discovery v2.
func wantsAggregated(r *http.Request) bool {
	for _, a := range parseAccept(r.Header.Get("Accept")) {
		if a.params["g"] == "apidiscovery.k8s.io" && a.params["v"] == "v2" && a.params["as"] == "APIGroupDiscoveryList" {
			return true
		}
		if a.mediaType == mediaJSON && a.params["as"] == "" {
			return false
		}
	}
	return false
}

func (s *Server) serveRootDiscovery(w http.ResponseWriter, r *http.Request) {
	c := s.set.Load().disc
	core := strings.HasPrefix(r.URL.Path, "/api") && !strings.HasPrefix(r.URL.Path, "/apis")
	if wantsAggregated(r) {
		body, tag := c.aggGroups, c.aggTag
		if core {
			body, tag = c.aggCore, c.aggCoreTag
		}
		w.Header().Set("ETag", tag)
		w.Header().Set("Vary", "Accept")
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		writeRaw(w, aggregatedMediaType, body)
		return
	}
	if core {
		writeRaw(w, mediaJSON, c.core)
		return
	}
	writeRaw(w, mediaJSON, c.groups)
}

func (s *Server) serveGroupDiscovery(w http.ResponseWriter, r *http.Request, info requestInfo) {
	c := s.set.Load().disc
	parts := splitPath(r.URL.Path)
	var body []byte
	switch {
	case len(parts) == 2 && parts[0] == "api":
		body = c.perVersion[parts[1]]
	case len(parts) == 2 && parts[0] == "apis":
		body = c.perGroup[parts[1]]
	case len(parts) == 3 && parts[0] == "apis":
		body = c.perVersion[parts[1]+"/"+parts[2]]
	}
	if body == nil {
		s.writeError(w, r, apierrors.NewNotFound(schema.GroupResource{}, ""))
		return
	}
	writeRaw(w, mediaJSON, body)
}

func writeRaw(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
