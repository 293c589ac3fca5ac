package volumes

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/mounts"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"
	testclock "k8s.io/utils/clock/testing"
)

// kubeAPIAccess is the projected volume the ServiceAccount admission adds.
func kubeAPIAccess() corev1.Volume {
	return corev1.Volume{Name: "kube-api-access-x1", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: i32(0o644),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr64(3607), Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		},
	}}}
}

func ptr64(v int64) *int64 { return &v }

func TestKubeAPIAccessAndTokenRefresh(t *testing.T) {
	requireRoot(t)
	clk := testclock.NewFakeClock(t0)
	ca := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "apps"}, Data: map[string]string{"ca.crt": "PEM"}}
	m, client, issued := newTestManager(t, clk, ca)
	pod := testPod()
	pod.Spec.Volumes = []corev1.Volume{kubeAPIAccess()}
	paths, err := m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	dir := paths["kube-api-access-x1"]
	if want := filepath.Join(m.cfg.PodsDir, "u1/volumes/kubernetes.io~projected/kube-api-access-x1"); dir != want {
		t.Fatalf("path = %q, want %q", dir, want)
	}
	if got := readVolumeFile(t, dir, "token"); got != "tok-1" {
		t.Fatalf("token = %q", got)
	}
	if got := readVolumeFile(t, dir, "ca.crt") + "|" + readVolumeFile(t, dir, "namespace"); got != "PEM|apps" {
		t.Fatalf("ca.crt|namespace = %q", got)
	}
	var req *authenticationv1.TokenRequest
	for _, a := range client.Actions() {
		if a.GetSubresource() == "token" {
			req = a.(k8stesting.CreateAction).GetObject().(*authenticationv1.TokenRequest)
		}
	}
	if req == nil || a(req.Spec.BoundObjectRef) != "v1/Pod/web/u1" || *req.Spec.ExpirationSeconds != 3607 || len(req.Spec.Audiences) != 0 {
		t.Fatalf("token request = %+v", req)
	}

	// Before 80% of the lifetime the token is kept.
	clk.Step(2885 * time.Second)
	if _, err := m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if issued.Load() != 1 {
		t.Fatalf("token renewed early: %d requests", issued.Load())
	}
	clk.Step(time.Second)
	if _, err := m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if got := readVolumeFile(t, dir, "token"); got != "tok-2" || issued.Load() != 2 {
		t.Fatalf("token after 80%% = %q (%d requests)", got, issued.Load())
	}
}

func a(ref *authenticationv1.BoundObjectReference) string {
	if ref == nil {
		return ""
	}
	return ref.APIVersion + "/" + ref.Kind + "/" + ref.Name + "/" + string(ref.UID)
}

func TestTmpfsVolumesAndTeardown(t *testing.T) {
	requireRoot(t)
	clk := testclock.NewFakeClock(t0)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "apps"}, Data: map[string][]byte{"pw": []byte("s3cret")}}
	m, _, _ := newTestManager(t, clk, secret)
	limit := resource.MustParse("1Mi")
	pod := testPod()
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds", DefaultMode: i32(0o400)}}},
		{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &limit}}},
	}
	for range 2 { // idempotent: the second Setup must not stack mounts
		if _, err := m.Setup(context.Background(), pod); err != nil {
			t.Fatal(err)
		}
	}
	podDir := filepath.Join(m.cfg.PodsDir, "u1")
	points, err := mounts.Points()
	if err != nil {
		t.Fatal(err)
	}
	under := mounts.Under(points, podDir)
	if len(under) != 2 {
		t.Fatalf("mounts under pod dir = %q, want 2", under)
	}
	secretDir := filepath.Join(podDir, "volumes/kubernetes.io~secret/creds")
	if got := readVolumeFile(t, secretDir, "pw"); got != "s3cret" {
		t.Fatalf("secret file = %q", got)
	}
	if info, _ := os.Stat(filepath.Join(secretDir, "pw")); info.Mode().Perm() != 0o400 {
		t.Fatalf("secret mode = %o", info.Mode().Perm())
	}
	// The memory emptyDir is capped at its size limit.
	big := make([]byte, 2<<20)
	if err := os.WriteFile(filepath.Join(podDir, "volumes/kubernetes.io~empty-dir/mem/big"), big, 0o644); err == nil {
		t.Fatal("wrote 2 MiB into a 1 MiB memory emptyDir")
	}
	if err := m.Teardown(context.Background(), pod.UID); err != nil {
		t.Fatal(err)
	}
	points, _ = mounts.Points()
	if left := mounts.Under(points, podDir); len(left) != 0 {
		t.Fatalf("mounts left after teardown: %q", left)
	}
	if _, err := os.Stat(podDir); !os.IsNotExist(err) {
		t.Fatalf("pod dir left: %v", err)
	}
}
