package volumes

import (
	"context"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	testclock "k8s.io/utils/clock/testing"
)

func labelsVolumePod() *corev1.Pod {
	pod := testPod()
	pod.ResourceVersion = "1"
	pod.Spec.Volumes = []corev1.Volume{{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		Items: []corev1.DownwardAPIVolumeFile{{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}},
	}}}}
	return pod
}

func TestUpdateRewritesDownwardAPIOnLabelChange(t *testing.T) {
	m := NewManager(Config{PodsDir: t.TempDir(), Client: fake.NewSimpleClientset(), NodeName: "n1", Clock: testclock.NewFakeClock(t0)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	pod := labelsVolumePod()
	paths, err := m.Setup(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Teardown(context.Background(), pod.UID)
	relabelled := pod.DeepCopy()
	relabelled.ResourceVersion = "2"
	relabelled.Labels = map[string]string{"app": "api"}
	m.Update(relabelled)
	deadline := time.Now().Add(10 * time.Second)
	for readVolumeFile(t, paths["info"], "labels") != `app="api"` {
		if time.Now().After(deadline) {
			t.Fatalf("labels file still holds %q", readVolumeFile(t, paths["info"], "labels"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUpdateIgnoresPodsNotSetUp(t *testing.T) {
	m := NewManager(Config{PodsDir: t.TempDir(), Client: fake.NewSimpleClientset(), NodeName: "n1", Clock: testclock.NewFakeClock(t0)})
	ctx := context.Background()
	pod := labelsVolumePod()
	m.Update(pod)
	if n := m.queue.Len(); n != 0 {
		t.Errorf("update of an unknown pod queued %d refreshes", n)
	}
	if _, err := m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if err := m.Teardown(ctx, pod.UID); err != nil {
		t.Fatal(err)
	}
	later := pod.DeepCopy()
	later.ResourceVersion = "2"
	m.Update(later)
	if n := m.queue.Len(); n != 0 {
		t.Errorf("update of a torn-down pod queued %d refreshes", n)
	}
	if _, err := os.Stat(m.podDir(pod.UID)); !os.IsNotExist(err) {
		t.Errorf("pod dir after teardown and update: %v", err)
	}
}
