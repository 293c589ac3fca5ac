package volumes_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/agent/volumes"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestIntegrationKubeAPIAccess sets up the projected volume the
// ServiceAccount admission adds, against the real API server's
// TokenRequest API.
func TestIntegrationKubeAPIAccess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: needs root to mount tmpfs (CI runs as root)")
	}
	env := testenv.Start(t, "")
	ctx := context.Background()
	if _, err := env.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CoreV1().ServiceAccounts("apps").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CoreV1().ConfigMaps("apps").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt"},
		Data: map[string]string{"ca.crt": "PEM"}}, metav1.CreateOptions{}); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	seconds, mode := int64(3607), int32(0o644)
	pod, err := env.Client.CoreV1().Pods("apps").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "busybox"}},
			Volumes: []corev1.Volume{{Name: "kube-api-access-abcde", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				DefaultMode: &mode,
				Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &seconds, Path: "token"}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
						Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
						{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
				}}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := volumes.NewManager(volumes.Config{PodsDir: filepath.Join(t.TempDir(), "pods"), Client: env.Client, NodeName: "n1"})
	paths, err := m.Setup(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Teardown(ctx, pod.UID); err != nil {
			t.Error(err)
		}
	}()
	dir := paths["kube-api-access-abcde"]
	for name, check := range map[string]func(string) bool{
		"token":     func(s string) bool { return strings.Count(s, ".") == 2 },
		"ca.crt":    func(s string) bool { return s != "" },
		"namespace": func(s string) bool { return s == "apps" },
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !check(string(b)) {
			t.Errorf("%s = %q, %v", name, b, err)
		}
	}
}
