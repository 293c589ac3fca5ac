package volumes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	testclock "k8s.io/utils/clock/testing"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: needs root to mount tmpfs (CI runs as root)")
	}
}

// newTestManager returns a manager over a fake clientset whose token
// requests are answered with tok-1, tok-2, ... expiring as asked.
func newTestManager(t *testing.T, clk *testclock.FakeClock, objs ...runtime.Object) (*Manager, *fake.Clientset, *atomic.Int32) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	var issued atomic.Int32
	client.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ca, ok := a.(k8stesting.CreateAction)
		if !ok || a.GetSubresource() != "token" {
			return false, nil, nil
		}
		tr := ca.GetObject().(*authenticationv1.TokenRequest).DeepCopy()
		n := issued.Add(1)
		tr.Status.Token = fmt.Sprintf("tok-%d", n)
		tr.Status.ExpirationTimestamp = metav1.NewTime(clk.Now().Add(time.Duration(*tr.Spec.ExpirationSeconds) * time.Second))
		return true, tr, nil
	})
	m := NewManager(Config{PodsDir: t.TempDir(), Client: client, NodeName: "n1", Clock: clk})
	t.Cleanup(func() {
		m.mu.Lock()
		uids := make([]string, 0, len(m.pods))
		for uid := range m.pods {
			uids = append(uids, string(uid))
		}
		m.mu.Unlock()
		for _, uid := range uids {
			if err := m.Teardown(context.Background(), k8stypes.UID(uid)); err != nil {
				t.Errorf("cleanup teardown: %v", err)
			}
		}
	})
	return m, client, &issued
}

func readVolumeFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSetupErrorsInKubeletWords(t *testing.T) {
	clk := testclock.NewFakeClock(t0)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "present", Namespace: "apps"}, Data: map[string]string{"a": "1"}}
	unbound := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "apps"},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
	m, _, _ := newTestManager(t, clk, cm, unbound)
	file := t.TempDir() + "/f"
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dirType := corev1.HostPathDirectory
	tests := []struct {
		vol  corev1.VolumeSource
		want string
	}{
		{corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}},
			`MountVolume.SetUp failed for volume "v" : configmap "settings" not found`},
		{corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "present"},
			Items: []corev1.KeyToPath{{Key: "k", Path: "k"}}}},
			`MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: k`},
		{corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}},
			`pod has unbound immediate PersistentVolumeClaims`},
		{corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "nope"}},
			`persistentvolumeclaim "nope" not found`},
		{corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: file, Type: &dirType}},
			`MountVolume.SetUp failed for volume "v" : hostPath type check failed: ` + file + ` is not a directory`},
		{corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "s", Path: "/"}},
			`MountVolume.SetUp failed for volume "v" : volume type not supported by bosun`},
	}
	for _, tt := range tests {
		pod := testPod()
		pod.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: tt.vol}}
		_, err := m.Setup(context.Background(), pod)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
}

func TestSetupClaimAndDiskVolumes(t *testing.T) {
	clk := testclock.NewFakeClock(t0)
	storage := filepath.Join(t.TempDir(), "pvc-1")
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "apps", UID: "c1"},
		Spec:   corev1.PersistentVolumeClaimSpec{VolumeName: "pvc-1"},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pvc-1"}, Spec: corev1.PersistentVolumeSpec{
		ClaimRef:               &corev1.ObjectReference{Namespace: "apps", Name: "data", UID: "c1"},
		PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: storage}}}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "apps"}, Data: map[string]string{"k": "v"}}
	m, client, _ := newTestManager(t, clk, pvc, pv, cm)
	pod := testPod()
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}},
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
		{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
	}
	paths, err := m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	if paths["data"] != storage {
		t.Fatalf("claim path = %q", paths["data"])
	}
	if info, err := os.Stat(storage); err != nil || !info.IsDir() {
		t.Fatalf("claim dir not made: %v", err)
	}
	if info, err := os.Stat(paths["scratch"]); err != nil || info.Mode().Perm() != 0o777 {
		t.Fatalf("emptyDir: %v %v", info, err)
	}
	if got := readVolumeFile(t, paths["cfg"], "k"); got != "v" {
		t.Fatalf("configmap file = %q", got)
	}
	if got := readVolumeFile(t, paths["info"], "labels"); got != "app=\"web\"\nzone=\"b\"" {
		t.Fatalf("labels file = %q", got)
	}

	// A second sync with nothing changed reads the configmap and nothing
	// else from the API (settled volumes are remembered).
	client.ClearActions()
	if _, err := m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	for _, a := range client.Actions() {
		if a.GetResource().Resource != "configmaps" {
			t.Fatalf("unchanged sync called %v", a)
		}
	}

	// New labels rewrite the downward API file.
	pod = pod.DeepCopy()
	pod.Labels["tier"] = "front"
	if _, err := m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if got := readVolumeFile(t, paths["info"], "labels"); !strings.Contains(got, `tier="front"`) {
		t.Fatalf("labels after update = %q", got)
	}

	if err := m.Teardown(context.Background(), pod.UID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(m.cfg.PodsDir, "u1")); !os.IsNotExist(err) {
		t.Fatalf("pod dir left: %v", err)
	}
	if _, err := os.Stat(storage); err != nil {
		t.Fatalf("teardown removed the claim's data: %v", err)
	}
}

func TestRunRewritesOnConfigMapChange(t *testing.T) {
	clk := testclock.NewFakeClock(t0)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "apps", ResourceVersion: "1"}, Data: map[string]string{"k": "v1"}}
	client := fake.NewSimpleClientset(cm)
	factory := informers.NewSharedInformerFactory(client, 0)
	m := NewManager(Config{PodsDir: t.TempDir(), Client: client, Factory: factory, NodeName: "n1", Clock: clk})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	pod := testPod()
	pod.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}}}
	paths, err := m.Setup(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Teardown(context.Background(), pod.UID)
	cm = cm.DeepCopy()
	cm.Data["k"], cm.ResourceVersion = "v2", "2"
	if _, err := client.CoreV1().ConfigMaps("apps").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for readVolumeFile(t, paths["cfg"], "k") != "v2" {
		if time.Now().After(deadline) {
			t.Fatalf("volume still holds %q", readVolumeFile(t, paths["cfg"], "k"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
