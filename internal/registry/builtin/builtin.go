// Package builtin lists the built-in resources Bosun serves, wiring each to the
// rules of its group package and to its Go type from k8s.io/api.
package builtin

import (
	"fmt"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/apps"
	"github.com/bosun-dev/bosun/internal/registry/autoscaling"
	"github.com/bosun-dev/bosun/internal/registry/batch"
	"github.com/bosun-dev/bosun/internal/registry/certificates"
	"github.com/bosun-dev/bosun/internal/registry/coordination"
	"github.com/bosun-dev/bosun/internal/registry/core"
	"github.com/bosun-dev/bosun/internal/registry/discovery"
	"github.com/bosun-dev/bosun/internal/registry/events"
	"github.com/bosun-dev/bosun/internal/registry/networking"
	"github.com/bosun-dev/bosun/internal/registry/policy"
	"github.com/bosun-dev/bosun/internal/registry/rbac"
	"github.com/bosun-dev/bosun/internal/registry/scheduling"
	"github.com/bosun-dev/bosun/internal/registry/storage"
)

// Scheme knows every built-in type, the apiextensions types and the meta types.
var Scheme = newScheme()

// Codecs are the serializers for Scheme (JSON, YAML, protobuf).
var Codecs = serializer.NewCodecFactory(Scheme)

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := apiextv1.AddToScheme(s); err != nil {
		panic(err)
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return s
}

// spec is one row of the resource table below.
type spec struct {
	gv         string
	resource   string
	kind       string
	namespaced bool
	short      []string
	categories []string
	status     bool
	scale      bool
	extra      []string
	verbs      []string
}

const ns, cluster = true, false

var all = []string{"all"}
var createOnly = []string{"create"}

// table is every built-in resource, as `kubectl api-resources` on Kubernetes lists them.
var table = []spec{
	{gv: "v1", resource: "pods", kind: "Pod", namespaced: ns, short: []string{"po"}, categories: all, status: true, extra: []string{"attach", "binding", "eviction", "exec", "log", "portforward"}},
	{gv: "v1", resource: "services", kind: "Service", namespaced: ns, short: []string{"svc"}, categories: all, status: true},
	{gv: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: ns, short: []string{"cm"}},
	{gv: "v1", resource: "secrets", kind: "Secret", namespaced: ns},
	{gv: "v1", resource: "namespaces", kind: "Namespace", namespaced: cluster, short: []string{"ns"}, status: true, extra: []string{"finalize"}},
	{gv: "v1", resource: "nodes", kind: "Node", namespaced: cluster, short: []string{"no"}, status: true, extra: []string{"proxy"}},
	{gv: "v1", resource: "events", kind: "Event", namespaced: ns, short: []string{"ev"}},
	{gv: "v1", resource: "endpoints", kind: "Endpoints", namespaced: ns, short: []string{"ep"}},
	{gv: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: ns, short: []string{"sa"}, extra: []string{"token"}},
	{gv: "v1", resource: "persistentvolumes", kind: "PersistentVolume", namespaced: cluster, short: []string{"pv"}, status: true},
	{gv: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: ns, short: []string{"pvc"}, status: true},
	{gv: "v1", resource: "resourcequotas", kind: "ResourceQuota", namespaced: ns, short: []string{"quota"}, status: true},
	{gv: "v1", resource: "limitranges", kind: "LimitRange", namespaced: ns, short: []string{"limits"}},
	{gv: "v1", resource: "podtemplates", kind: "PodTemplate", namespaced: ns},
	{gv: "v1", resource: "replicationcontrollers", kind: "ReplicationController", namespaced: ns, short: []string{"rc"}, categories: all, status: true, scale: true},
	{gv: "apps/v1", resource: "deployments", kind: "Deployment", namespaced: ns, short: []string{"deploy"}, categories: all, status: true, scale: true},
	{gv: "apps/v1", resource: "replicasets", kind: "ReplicaSet", namespaced: ns, short: []string{"rs"}, categories: all, status: true, scale: true},
	{gv: "apps/v1", resource: "statefulsets", kind: "StatefulSet", namespaced: ns, short: []string{"sts"}, categories: all, status: true, scale: true},
	{gv: "apps/v1", resource: "daemonsets", kind: "DaemonSet", namespaced: ns, short: []string{"ds"}, categories: all, status: true},
	{gv: "apps/v1", resource: "controllerrevisions", kind: "ControllerRevision", namespaced: ns},
	{gv: "batch/v1", resource: "jobs", kind: "Job", namespaced: ns, categories: all, status: true},
	{gv: "batch/v1", resource: "cronjobs", kind: "CronJob", namespaced: ns, short: []string{"cj"}, categories: all, status: true},
	{gv: "autoscaling/v2", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: ns, short: []string{"hpa"}, categories: all, status: true},
	{gv: "coordination.k8s.io/v1", resource: "leases", kind: "Lease", namespaced: ns},
	{gv: "discovery.k8s.io/v1", resource: "endpointslices", kind: "EndpointSlice", namespaced: ns},
	{gv: "events.k8s.io/v1", resource: "events", kind: "Event", namespaced: ns, short: []string{"ev"}},
	{gv: "policy/v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: ns, short: []string{"pdb"}, status: true},
	{gv: "rbac.authorization.k8s.io/v1", resource: "roles", kind: "Role", namespaced: ns},
	{gv: "rbac.authorization.k8s.io/v1", resource: "rolebindings", kind: "RoleBinding", namespaced: ns},
	{gv: "rbac.authorization.k8s.io/v1", resource: "clusterroles", kind: "ClusterRole", namespaced: cluster},
	{gv: "rbac.authorization.k8s.io/v1", resource: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: cluster},
	{gv: "storage.k8s.io/v1", resource: "storageclasses", kind: "StorageClass", namespaced: cluster, short: []string{"sc"}},
	{gv: "storage.k8s.io/v1", resource: "volumeattachments", kind: "VolumeAttachment", namespaced: cluster, status: true},
	{gv: "storage.k8s.io/v1", resource: "csidrivers", kind: "CSIDriver", namespaced: cluster},
	{gv: "storage.k8s.io/v1", resource: "csinodes", kind: "CSINode", namespaced: cluster},
	{gv: "networking.k8s.io/v1", resource: "networkpolicies", kind: "NetworkPolicy", namespaced: ns, short: []string{"netpol"}},
	{gv: "networking.k8s.io/v1", resource: "ingresses", kind: "Ingress", namespaced: ns, short: []string{"ing"}, status: true},
	{gv: "networking.k8s.io/v1", resource: "ingressclasses", kind: "IngressClass", namespaced: cluster},
	{gv: "scheduling.k8s.io/v1", resource: "priorityclasses", kind: "PriorityClass", namespaced: cluster, short: []string{"pc"}},
	{gv: "certificates.k8s.io/v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest", namespaced: cluster, short: []string{"csr"}, status: true, extra: []string{"approval"}},
	{gv: "apiextensions.k8s.io/v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: cluster, short: []string{"crd", "crds"}, status: true},
	{gv: "authentication.k8s.io/v1", resource: "tokenreviews", kind: "TokenReview", namespaced: cluster, verbs: createOnly},
	{gv: "authentication.k8s.io/v1", resource: "selfsubjectreviews", kind: "SelfSubjectReview", namespaced: cluster, verbs: createOnly},
	{gv: "authorization.k8s.io/v1", resource: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: cluster, verbs: createOnly},
	{gv: "authorization.k8s.io/v1", resource: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: cluster, verbs: createOnly},
	{gv: "authorization.k8s.io/v1", resource: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview", namespaced: cluster, verbs: createOnly},
	{gv: "authorization.k8s.io/v1", resource: "localsubjectaccessreviews", kind: "LocalSubjectAccessReview", namespaced: ns, verbs: createOnly},
}

// groupRules merges every group package's rules.
func groupRules() registry.RulesSet {
	out := registry.RulesSet{}
	for _, set := range []registry.RulesSet{
		core.Rules(), apps.Rules(), batch.Rules(), autoscaling.Rules(), policy.Rules(),
		rbac.Rules(), storage.Rules(), networking.Rules(), scheduling.Rules(),
		coordination.Rules(), discovery.Rules(), events.Rules(), certificates.Rules(),
	} {
		for gvk, r := range set {
			out[gvk] = r
		}
	}
	return out
}

// Resources returns every built-in resource. extra supplies rules for kinds
// defined outside the group packages (the CRD kind itself).
func Resources(extra registry.RulesSet) []*registry.Resource {
	rules := groupRules()
	for gvk, r := range extra {
		rules[gvk] = r
	}
	out := make([]*registry.Resource, 0, len(table))
	for _, s := range table {
		gv, err := schema.ParseGroupVersion(s.gv)
		if err != nil {
			panic(err)
		}
		gvk := gv.WithKind(s.kind)
		listGVK := gv.WithKind(s.kind + "List")
		if !Scheme.Recognizes(gvk) {
			panic(fmt.Sprintf("builtin: scheme does not know %s", gvk))
		}
		r := &registry.Resource{
			GVR:          gv.WithResource(s.resource),
			Kind:         s.kind,
			ListKind:     s.kind + "List",
			SingularName: lower(s.kind),
			Namespaced:   s.namespaced,
			ShortNames:   s.short,
			Categories:   s.categories,
			Status:       s.status,
			Extra:        s.extra,
			Verbs:        s.verbs,
			Rules:        rules[gvk],
			New:          newFunc(gvk),
		}
		if Scheme.Recognizes(listGVK) {
			r.NewList = newFunc(listGVK)
		}
		if gvk.Group == "events.k8s.io" {
			// events.k8s.io Events are core Events stored once, seen two ways.
			r.StoragePrefix, r.ToStorage, r.FromStorage = "events", events.ToCore, events.FromCore
		}
		if s.scale {
			r.Scale = &registry.ScalePaths{SpecReplicas: ".spec.replicas", StatusReplicas: ".status.replicas", LabelSelector: ".spec.selector"}
		}
		out = append(out, r)
	}
	return out
}

func newFunc(gvk schema.GroupVersionKind) func() runtime.Object {
	return func() runtime.Object {
		obj, err := Scheme.New(gvk)
		if err != nil {
			panic(err)
		}
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		return obj
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
