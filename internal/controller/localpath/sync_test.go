package localpath

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

func newTestController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset, *record.FakeRecorder) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(10)
	c := New(client, factory, rec, Options{BaseDir: "/data"})
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *corev1.PersistentVolumeClaim:
			err = factory.Core().V1().PersistentVolumeClaims().Informer().GetIndexer().Add(o)
		case *corev1.PersistentVolume:
			err = factory.Core().V1().PersistentVolumes().Informer().GetIndexer().Add(o)
		case *corev1.Pod:
			err = factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
		case *storagev1.StorageClass:
			err = factory.Storage().V1().StorageClasses().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return c, client, rec
}

func claim(class *string, annotations map[string]string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "apps", UID: "c1", Annotations: annotations},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: class,
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
}

func str(s string) *string { return &s }

func verbs(actions []k8stesting.Action) string {
	var out []string
	for _, a := range actions {
		v := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			v += "/" + a.GetSubresource()
		}
		out = append(out, v)
	}
	return strings.Join(out, ", ")
}

func scheduledPod(node string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p-" + node, Namespace: "apps"}, Spec: corev1.PodSpec{NodeName: node,
		Volumes: []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}}}
}

func TestSync(t *testing.T) {
	selected := map[string]string{selectedNodeAnnotation: "n1"}
	other := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "other"}, Provisioner: "example.com/x"}
	tests := []struct {
		name string
		objs []runtime.Object
		want string
	}{
		{"selected claim is provisioned and bound", []runtime.Object{DefaultStorageClass(), claim(str(ClassName), selected)},
			"create persistentvolumes, update persistentvolumes/status, update persistentvolumeclaims, update persistentvolumeclaims/status"},
		{"claim without class uses the default class", []runtime.Object{DefaultStorageClass(), claim(nil, selected)},
			"create persistentvolumes, update persistentvolumes/status, update persistentvolumeclaims, update persistentvolumeclaims/status"},
		{"explicit empty class is not ours", []runtime.Object{DefaultStorageClass(), claim(str(""), selected)}, ""},
		{"other provisioner's class is not ours", []runtime.Object{DefaultStorageClass(), other, claim(str("other"), selected)}, ""},
		{"no node and no pod waits", []runtime.Object{DefaultStorageClass(), claim(str(ClassName), nil)}, ""},
		{"scheduled pod selects the node", []runtime.Object{DefaultStorageClass(), claim(str(ClassName), nil), scheduledPod("n2"), scheduledPod("n1")},
			"update persistentvolumeclaims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, client, _ := newTestController(t, tt.objs...)
			if err := c.sync(context.Background(), "apps/data"); err != nil {
				t.Fatal(err)
			}
			if got := verbs(client.Actions()); got != tt.want {
				t.Fatalf("actions = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProvisionedVolume(t *testing.T) {
	c, client, rec := newTestController(t, DefaultStorageClass(), claim(str(ClassName), map[string]string{selectedNodeAnnotation: "n1"}))
	if err := c.sync(context.Background(), "apps/data"); err != nil {
		t.Fatal(err)
	}
	pv, err := client.CoreV1().PersistentVolumes().Get(context.Background(), "pvc-c1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Spec.HostPath.Path != "/data/pvc-c1" || pv.Spec.ClaimRef.UID != "c1" || pv.Status.Phase != corev1.VolumeBound ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.Annotations[NodeAnnotation] != "n1" ||
		pv.Annotations[provisionedByAnn] != ProvisionerName || pv.Finalizers[0] != CleanupFinalizer ||
		pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Values[0] != "n1" {
		t.Fatalf("volume = %+v", pv)
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	if size.String() != "1Gi" {
		t.Fatalf("capacity = %s", size.String())
	}
	pvc, _ := client.CoreV1().PersistentVolumeClaims("apps").Get(context.Background(), "data", metav1.GetOptions{})
	if pvc.Spec.VolumeName != "pvc-c1" || pvc.Status.Phase != corev1.ClaimBound || pvc.Annotations[bindCompletedAnn] != "yes" {
		t.Fatalf("claim = %+v", pvc)
	}
	if ev := <-rec.Events; ev != "Normal ProvisioningSucceeded Successfully provisioned volume pvc-c1" {
		t.Fatalf("event = %q", ev)
	}
}

func TestReclaim(t *testing.T) {
	pvc := claim(str(ClassName), map[string]string{selectedNodeAnnotation: "n1"})
	pv := newVolume(pvc, DefaultStorageClass(), "n1", "/data")
	retain := corev1.PersistentVolumeReclaimRetain
	retained := pv.DeepCopy()
	retained.Spec.PersistentVolumeReclaimPolicy = retain
	for _, tt := range []struct {
		name string
		pv   *corev1.PersistentVolume
		want string
	}{
		{"delete policy deletes the volume", pv, "delete persistentvolumes"},
		{"retain policy releases it", retained, "update persistentvolumes/status"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, client, _ := newTestController(t, DefaultStorageClass(), tt.pv)
			if err := c.sync(context.Background(), "apps/data"); err != nil {
				t.Fatal(err)
			}
			if got := verbs(client.Actions()); got != tt.want {
				t.Fatalf("actions = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCleanup(t *testing.T) {
	base := t.TempDir()
	pvc := claim(str(ClassName), nil)
	pv := newVolume(pvc, DefaultStorageClass(), "n1", base)
	now := metav1.Now()
	pv.DeletionTimestamp = &now
	dir := pv.Spec.HostPath.Path
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	client := fake.NewSimpleClientset(pv)
	if err := Cleanup(context.Background(), client, pv, "n2"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal("another node's agent removed the directory")
	}
	if err := Cleanup(context.Background(), client, pv, "n1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("directory left: %v", err)
	}
	got, _ := client.CoreV1().PersistentVolumes().Get(context.Background(), pv.Name, metav1.GetOptions{})
	if len(got.Finalizers) != 0 {
		t.Fatalf("finalizers = %v", got.Finalizers)
	}

	evil := pv.DeepCopy()
	evil.Spec.HostPath.Path = base
	if err := Cleanup(context.Background(), fake.NewSimpleClientset(evil), evil, "n1"); err == nil {
		t.Fatal("removed a directory not named after the volume")
	}
	if _, err := os.Stat(base); err != nil {
		t.Fatal(err)
	}
}
