package localpath_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/localpath"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestIntegrationProvisionBindAndReclaim runs the provisioner against the
// real API server: its writes must pass the registry's validation, and
// the agent's Cleanup must release the volume so it is finally deleted.
func TestIntegrationProvisionBindAndReclaim(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := t.TempDir()
	factory := informers.NewSharedInformerFactory(env.Client, 0)
	c := localpath.New(env.Client, factory, record.NewFakeRecorder(10), localpath.Options{BaseDir: base})
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)

	// The server's bootstrap made the class; it must be the one we export.
	sc, err := env.Client.StorageV1().StorageClasses().Get(ctx, localpath.ClassName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Provisioner != localpath.DefaultStorageClass().Provisioner {
		t.Fatalf("bootstrap class provisioner = %q", sc.Provisioner)
	}
	if _, err := env.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pvc, err := env.Client.CoreV1().PersistentVolumeClaims("apps").Create(ctx, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CoreV1().Pods("apps").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "db", Image: "busybox"}},
			Volumes: []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 15*time.Second, true, func(ctx context.Context) (bool, error) {
		pvc, err = env.Client.CoreV1().PersistentVolumeClaims("apps").Get(ctx, "data", metav1.GetOptions{})
		return err == nil && pvc.Status.Phase == corev1.ClaimBound, nil
	})
	if err != nil {
		t.Fatalf("claim never bound: %+v", pvc)
	}
	pv, err := env.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Status.Phase != corev1.VolumeBound || pv.Spec.HostPath.Path != filepath.Join(base, pv.Name) {
		t.Fatalf("volume = %+v", pv)
	}
	// The agent makes the directory on first use.
	if err := os.MkdirAll(pv.Spec.HostPath.Path, 0o777); err != nil {
		t.Fatal(err)
	}

	if err := env.Client.CoreV1().Pods("apps").Delete(ctx, "db", *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.CoreV1().PersistentVolumeClaims("apps").Delete(ctx, "data", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 15*time.Second, true, func(ctx context.Context) (bool, error) {
		pv, err = env.Client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return err == nil && pv.DeletionTimestamp != nil, nil
	})
	if err != nil {
		t.Fatalf("volume never deleted: %+v", pv)
	}
	if err := localpath.Cleanup(ctx, env.Client, pv, "n1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pv.Spec.HostPath.Path); !os.IsNotExist(err) {
		t.Fatalf("directory left: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 15*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := env.Client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatal("volume still stored after cleanup")
	}
}
