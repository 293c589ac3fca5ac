package volumes

import (
	"os"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func i32(v int32) *int32 { return &v }

func summary(p map[string]File) string {
	var parts []string
	for k, f := range p {
		parts = append(parts, k+"="+string(f.Data)+"@"+strings.TrimPrefix(f.Mode.String(), "-"))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func TestConfigMapPayload(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"},
		Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"bin": {'x'}}}
	tests := []struct {
		name     string
		cm       *corev1.ConfigMap
		items    []corev1.KeyToPath
		def      *int32
		optional bool
		want     string
		err      string
	}{
		{name: "all keys default mode", cm: cm, want: "a=1@rw-r--r-- b=2@rw-r--r-- bin=x@rw-r--r--"},
		{name: "defaultMode", cm: cm, def: i32(0o400), want: "a=1@r-------- b=2@r-------- bin=x@r--------"},
		{name: "items with paths and modes", cm: cm, def: i32(0o440),
			items: []corev1.KeyToPath{{Key: "a", Path: "conf/a.txt"}, {Key: "b", Path: "b", Mode: i32(0o600)}},
			want:  "b=2@rw------- conf/a.txt=1@r--r-----"},
		{name: "missing key", cm: cm, items: []corev1.KeyToPath{{Key: "k", Path: "k"}},
			err: "configmap references non-existent config key: k"},
		{name: "missing key optional", cm: cm, optional: true, items: []corev1.KeyToPath{{Key: "k", Path: "k"}, {Key: "a", Path: "a"}},
			want: "a=1@rw-r--r--"},
		{name: "missing map", err: `configmap "settings" not found`},
		{name: "missing map optional", optional: true, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configMapPayload("settings", tt.cm, tt.items, tt.def, tt.optional, -1)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || summary(got) != tt.want {
				t.Fatalf("payload = %q, %v; want %q", summary(got), err, tt.want)
			}
		})
	}
}

func TestSecretPayloadErrors(t *testing.T) {
	if _, err := secretPayload("x", nil, nil, nil, false, -1); err == nil || err.Error() != `secret "x" not found` {
		t.Fatalf("missing secret: %v", err)
	}
	s := &corev1.Secret{Data: map[string][]byte{"a": []byte("1")}}
	if _, err := secretPayload("x", s, []corev1.KeyToPath{{Key: "k", Path: "k"}}, nil, false, -1); err == nil ||
		err.Error() != "references non-existent secret key: k" {
		t.Fatalf("missing key: %v", err)
	}
	got, err := secretPayload("x", s, nil, i32(0o600), false, 1234)
	if err != nil || got["a"].Mode != os.FileMode(0o600) || got["a"].GID != 1234 {
		t.Fatalf("payload = %+v, %v", got, err)
	}
}
