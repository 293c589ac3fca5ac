package apiserver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestDefaultStorageClassAdmission relies on the local-path class the
// server's bootstrap marks as the default.
func TestDefaultStorageClassAdmission(t *testing.T) {
	env := testenv.Start(t, "")
	ctx := context.Background()
	c := env.Client
	claim := func(name string, class *string, annotations map[string]string) *string {
		t.Helper()
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations},
			Spec: corev1.PersistentVolumeClaimSpec{
				StorageClassName: class,
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}
		out, err := c.CoreV1().PersistentVolumeClaims("default").Create(ctx, pvc, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create claim %s: %v", name, err)
		}
		return out.Spec.StorageClassName
	}
	expect := func(what string, got *string, want *string) {
		t.Helper()
		switch {
		case got == nil && want == nil:
		case got == nil || want == nil || *got != *want:
			t.Errorf("%s: storageClassName = %v, want %v", what, ptr.Deref(got, "<nil>"), ptr.Deref(want, "<nil>"))
		}
	}

	expect("no class", claim("plain", nil, nil), ptr.To("local-path"))
	expect("explicit empty class", claim("unclassed", ptr.To(""), nil), ptr.To(""))
	expect("explicit class", claim("fast", ptr.To("fast"), nil), ptr.To("fast"))
	expect("beta class annotation", claim("beta", nil, map[string]string{"volume.beta.kubernetes.io/storage-class": "slow"}), nil)

	// Creation timestamps have second resolution: the newer default is made
	// in a later second than local-path, and named to lose a tie on name,
	// so only its age can make it win.
	local, err := c.StorageV1().StorageClasses().Get(ctx, "local-path", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for !time.Now().After(local.CreationTimestamp.Add(time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	newer := &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "zz-default", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner: "example.com/disk",
	}
	if _, err := c.StorageV1().StorageClasses().Create(ctx, newer, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The class list comes from the watch cache, which may lag a write, as
	// Kubernetes' informer does.
	n := 0
	eventually := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n++
			got := claim(fmt.Sprintf("claim-%d", n), nil, nil)
			if got != nil && *got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: claims get %v, want %s", what, ptr.Deref(got, "<nil>"), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	eventually("two defaults", "zz-default")
	if err := c.StorageV1().StorageClasses().Delete(ctx, newer.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually("newer default deleted", "local-path")
}
