package openapi

import (
	"strings"
	"testing"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/bosun-dev/bosun/internal/registry"
)

// testScheme knows what builtin.Scheme knows; the builtin package itself is
// not imported so these tests do not depend on every group package.
var testScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := apiextv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

type row struct {
	gv, resource, kind string
	namespaced, status bool
	scale              bool
	extra, verbs       []string
}

// builtinRows mirrors the shape of builtin.Resources: about fifty resources
// across the served groups.
var builtinRows = []row{
	{"v1", "pods", "Pod", true, true, false, []string{"binding", "eviction"}, nil},
	{"v1", "services", "Service", true, true, false, nil, nil},
	{"v1", "configmaps", "ConfigMap", true, false, false, nil, nil},
	{"v1", "secrets", "Secret", true, false, false, nil, nil},
	{"v1", "namespaces", "Namespace", false, true, false, []string{"finalize"}, nil},
	{"v1", "nodes", "Node", false, true, false, nil, nil},
	{"v1", "events", "Event", true, false, false, nil, nil},
	{"v1", "endpoints", "Endpoints", true, false, false, nil, nil},
	{"v1", "serviceaccounts", "ServiceAccount", true, false, false, []string{"token"}, nil},
	{"v1", "persistentvolumes", "PersistentVolume", false, true, false, nil, nil},
	{"v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true, false, nil, nil},
	{"v1", "resourcequotas", "ResourceQuota", true, true, false, nil, nil},
	{"v1", "limitranges", "LimitRange", true, false, false, nil, nil},
	{"v1", "podtemplates", "PodTemplate", true, false, false, nil, nil},
	{"v1", "replicationcontrollers", "ReplicationController", true, true, true, nil, nil},
	{"apps/v1", "deployments", "Deployment", true, true, true, nil, nil},
	{"apps/v1", "replicasets", "ReplicaSet", true, true, true, nil, nil},
	{"apps/v1", "statefulsets", "StatefulSet", true, true, true, nil, nil},
	{"apps/v1", "daemonsets", "DaemonSet", true, true, false, nil, nil},
	{"apps/v1", "controllerrevisions", "ControllerRevision", true, false, false, nil, nil},
	{"batch/v1", "jobs", "Job", true, true, false, nil, nil},
	{"batch/v1", "cronjobs", "CronJob", true, true, false, nil, nil},
	{"autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true, false, nil, nil},
	{"coordination.k8s.io/v1", "leases", "Lease", true, false, false, nil, nil},
	{"discovery.k8s.io/v1", "endpointslices", "EndpointSlice", true, false, false, nil, nil},
	{"events.k8s.io/v1", "events", "Event", true, false, false, nil, nil},
	{"policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true, false, nil, nil},
	{"rbac.authorization.k8s.io/v1", "roles", "Role", true, false, false, nil, nil},
	{"rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true, false, false, nil, nil},
	{"rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false, false, false, nil, nil},
	{"rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false, false, false, nil, nil},
	{"storage.k8s.io/v1", "storageclasses", "StorageClass", false, false, false, nil, nil},
	{"storage.k8s.io/v1", "volumeattachments", "VolumeAttachment", false, true, false, nil, nil},
	{"storage.k8s.io/v1", "csidrivers", "CSIDriver", false, false, false, nil, nil},
	{"storage.k8s.io/v1", "csinodes", "CSINode", false, false, false, nil, nil},
	{"networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", true, false, false, nil, nil},
	{"networking.k8s.io/v1", "ingresses", "Ingress", true, true, false, nil, nil},
	{"networking.k8s.io/v1", "ingressclasses", "IngressClass", false, false, false, nil, nil},
	{"scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", false, false, false, nil, nil},
	{"certificates.k8s.io/v1", "certificatesigningrequests", "CertificateSigningRequest", false, true, false, []string{"approval"}, nil},
	{"apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", false, true, false, nil, nil},
	{"authentication.k8s.io/v1", "tokenreviews", "TokenReview", false, false, false, nil, []string{"create"}},
	{"authentication.k8s.io/v1", "selfsubjectreviews", "SelfSubjectReview", false, false, false, nil, []string{"create"}},
	{"authorization.k8s.io/v1", "subjectaccessreviews", "SubjectAccessReview", false, false, false, nil, []string{"create"}},
	{"authorization.k8s.io/v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, false, false, nil, []string{"create"}},
	{"authorization.k8s.io/v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, false, false, nil, []string{"create"}},
	{"authorization.k8s.io/v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", true, false, false, nil, []string{"create"}},
}

func builtinResources(t testing.TB) []*registry.Resource {
	t.Helper()
	var out []*registry.Resource
	for _, r := range builtinRows {
		gv, err := schema.ParseGroupVersion(r.gv)
		if err != nil {
			t.Fatal(err)
		}
		gvk := gv.WithKind(r.kind)
		res := &registry.Resource{
			GVR: gv.WithResource(r.resource), Kind: r.kind, ListKind: r.kind + "List",
			SingularName: strings.ToLower(r.kind), Namespaced: r.namespaced, Status: r.status,
			Extra: r.extra, Verbs: r.verbs, New: newFunc(t, gvk),
		}
		if testScheme.Recognizes(gv.WithKind(r.kind + "List")) {
			res.NewList = newFunc(t, gv.WithKind(r.kind+"List"))
		}
		if r.scale {
			res.Scale = &registry.ScalePaths{SpecReplicas: ".spec.replicas", StatusReplicas: ".status.replicas", LabelSelector: ".spec.selector"}
		}
		out = append(out, res)
	}
	return out
}

func newFunc(t testing.TB, gvk schema.GroupVersionKind) func() runtime.Object {
	if !testScheme.Recognizes(gvk) {
		t.Fatalf("scheme does not know %s", gvk)
	}
	return func() runtime.Object {
		obj, err := testScheme.New(gvk)
		if err != nil {
			panic(err)
		}
		return obj
	}
}

// widgetSchema is the schema of the test CRD: spec.size is an integer,
// spec.color a string, spec.port int-or-string, status preserved.
func widgetSchema() *spec.Schema {
	return &spec.Schema{SchemaProps: spec.SchemaProps{
		Type:        spec.StringOrArray{"object"},
		Description: "Widget is a test custom resource.",
		Properties: map[string]spec.Schema{
			"spec": {SchemaProps: spec.SchemaProps{
				Type:        spec.StringOrArray{"object"},
				Description: "Spec says what the widget should be.",
				Properties: map[string]spec.Schema{
					"size":  {SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"integer"}, Format: "int64", Description: "Size of the widget."}},
					"color": {SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}, Nullable: true}},
					"port":  {VendorExtensible: spec.VendorExtensible{Extensions: spec.Extensions{extIntOrString: true}}, SchemaProps: spec.SchemaProps{AnyOf: []spec.Schema{{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"integer"}}}, {SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}}}}}},
					"parts": {
						VendorExtensible: spec.VendorExtensible{Extensions: spec.Extensions{extListType: "map", extListMapKeys: []interface{}{"name"}}},
						SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"array"}, Items: &spec.SchemaOrArray{Schema: &spec.Schema{SchemaProps: spec.SchemaProps{
							Type: spec.StringOrArray{"object"}, Required: []string{"name"},
							Properties: map[string]spec.Schema{"name": {SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}}}},
						}}}}},
				},
			}},
			"status": {VendorExtensible: spec.VendorExtensible{Extensions: spec.Extensions{extPreserve: true}}, SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"object"}}},
		},
	}}
}

func widgetResource() *registry.Resource {
	gvk := schema.GroupVersionKind{Group: "stable.example.com", Version: "v1", Kind: "Widget"}
	return &registry.Resource{
		GVR: gvk.GroupVersion().WithResource("widgets"), Kind: "Widget", ListKind: "WidgetList", SingularName: "widget",
		Namespaced: true, Status: true,
		Scale: &registry.ScalePaths{SpecReplicas: ".spec.size", StatusReplicas: ".status.size"},
		New: func() runtime.Object {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(gvk)
			return u
		},
		NewList: func() runtime.Object {
			u := &unstructured.UnstructuredList{}
			u.SetGroupVersionKind(gvk.GroupVersion().WithKind("WidgetList"))
			return u
		},
		Schema: widgetSchema(),
	}
}

func newTestService(t testing.TB, extra ...*registry.Resource) *Service {
	s := New(testScheme)
	s.SetResources(append(builtinResources(t), extra...))
	return s
}
