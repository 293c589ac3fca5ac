package core

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestConfigMap(t *testing.T) {
	r := configMapRules()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Data: map[string]string{"a.txt": "x", "bad key": "y"}, BinaryData: map[string][]byte{"a.txt": nil}}
	wantErrors(t, r.Validate(cm),
		`data[a.txt]: Invalid value: "a.txt": duplicate of key present in binaryData`,
		`data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
	)
	big := &corev1.ConfigMap{Data: map[string]string{"k": strings.Repeat("x", maxDataSize+1)}}
	wantErrors(t, r.Validate(big), "[]: Too long: may not be more than 1048576 bytes")

	yes := true
	old := &corev1.ConfigMap{Data: map[string]string{"k": "v"}, Immutable: &yes}
	upd := old.DeepCopy()
	upd.Data["k"] = "w"
	wantErrors(t, r.ValidateUpdate(upd, old), "data: Forbidden: field is immutable when `immutable` is set")
	wantCells(t, r.Row(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Data: map[string]string{"a": ""}, BinaryData: map[string][]byte{"b": nil}}), "c", int64(2), "<unknown>")
}

func TestSecret(t *testing.T) {
	r := secretRules()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}, StringData: map[string]string{"user": "admin"}, Data: map[string][]byte{"user": []byte("x")}}
	r.Default(s)
	if s.Type != corev1.SecretTypeOpaque || string(s.Data["user"]) != "admin" || s.StringData != nil {
		t.Errorf("defaults: %+v", s)
	}
	for _, tc := range []struct {
		typ  corev1.SecretType
		data map[string][]byte
		want []string
	}{
		{corev1.SecretTypeTLS, nil, []string{"data[tls.crt]: Required value", "data[tls.key]: Required value"}},
		{corev1.SecretTypeTLS, map[string][]byte{"tls.crt": nil, "tls.key": nil}, nil},
		{corev1.SecretTypeDockerConfigJson, nil, []string{"data[.dockerconfigjson]: Required value"}},
		{corev1.SecretTypeDockerConfigJson, map[string][]byte{".dockerconfigjson": []byte("{")}, []string{
			`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input`,
		}},
		{corev1.SecretTypeBasicAuth, nil, []string{"data[username]: Required value", "data[password]: Required value"}},
		{corev1.SecretTypeSSHAuth, nil, []string{"data[ssh-privatekey]: Required value"}},
		{corev1.SecretTypeServiceAccountToken, nil, []string{"metadata.annotations[kubernetes.io/service-account.name]: Required value"}},
	} {
		wantErrors(t, r.Validate(&corev1.Secret{Type: tc.typ, Data: tc.data}), tc.want...)
	}
	old := &corev1.Secret{Type: corev1.SecretTypeOpaque}
	wantErrors(t, r.ValidateUpdate(&corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": nil, "tls.key": nil}}, old),
		`type: Invalid value: "kubernetes.io/tls": field is immutable`)
	wantCells(t, r.Row(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Type: "Opaque", Data: map[string][]byte{"a": nil}}), "s", "Opaque", int64(1), "<unknown>")
	if f := r.Fields(&corev1.Secret{Type: corev1.SecretTypeTLS}); f["type"] != "kubernetes.io/tls" {
		t.Errorf("fields: %v", f)
	}
}

func TestNamespace(t *testing.T) {
	r := namespaceRules()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}
	r.Default(ns)
	r.PrepareForCreate(ns)
	if ns.Labels[corev1.LabelMetadataName] != "team-a" || ns.Status.Phase != corev1.NamespaceActive ||
		len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("namespace: %+v", ns)
	}
	if msgs := r.NameValidation("team.a", false); len(msgs) == 0 {
		t.Error("namespace names are DNS labels")
	}
	bad := ns.DeepCopy()
	bad.Spec.Finalizers = append(bad.Spec.Finalizers, "mine")
	wantErrors(t, r.Validate(bad), `spec.finalizers: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified`)
	upd := ns.DeepCopy()
	upd.Spec.Finalizers = nil
	r.PrepareForUpdate(upd, ns)
	if len(upd.Spec.Finalizers) != 1 {
		t.Error("spec.finalizers changed outside /finalize")
	}
	term := ns.DeepCopy()
	term.Status.Phase = corev1.NamespaceTerminating
	wantErrors(t, r.ValidateStatusUpdate(term, ns), `status.Phase: Invalid value: "Terminating": may only be 'Active' if `+"`deletionTimestamp`"+` is empty`)
	wantCells(t, r.Row(ns), "team-a", "Active", "<unknown>")
	var _ runtime.Object = ns
}
