package statefulset_test

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/controller/statefulset"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestIntegrationOrderedRollout creates a StatefulSet on a real server,
// plays kubelet by marking its pods Running and Ready, then changes the
// image and waits for the rollout kubectl rollout status would wait for.
func TestIntegrationOrderedRollout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := env.Client
	factory := informers.NewSharedInformerFactory(client, 0)
	c := statefulset.New(client, factory, record.NewFakeRecorder(1000), statefulset.Options{})
	factory.Start(ctx.Done())
	go c.Run(ctx, 2)

	labels := map[string]string{"app": "web"}
	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](3), ServiceName: "nginx",
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1"}}}},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "www"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}},
		},
	}
	if _, err := client.AppsV1().StatefulSets("default").Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRolledOut(ctx, t, client, 3)
	claims, err := client.CoreV1().PersistentVolumeClaims("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(claims.Items) != 3 {
		t.Fatalf("claims = %v %v", claims, err)
	}
	set, err = client.AppsV1().StatefulSets("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	if _, err := client.AppsV1().StatefulSets("default").Update(ctx, set, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	st := waitRolledOut(ctx, t, client, 3)
	pods, _ := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	for _, p := range pods.Items {
		if p.Spec.Containers[0].Image != "nginx:2" || p.Labels["controller-revision-hash"] != st.UpdateRevision {
			t.Fatalf("pod %s not updated: %s", p.Name, p.Spec.Containers[0].Image)
		}
	}
	revs, _ := client.AppsV1().ControllerRevisions("default").List(ctx, metav1.ListOptions{})
	if len(revs.Items) != 2 {
		t.Fatalf("want 2 revisions, have %d", len(revs.Items))
	}
}

// waitRolledOut marks pods ready as they appear until the set reports the
// rollout done as kubectl judges it.
func waitRolledOut(ctx context.Context, t *testing.T, client kubernetes.Interface, n int32) appsv1.StatefulSetStatus {
	t.Helper()
	var st appsv1.StatefulSetStatus
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning || p.DeletionTimestamp != nil {
				continue
			}
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
			_, _ = client.CoreV1().Pods("default").UpdateStatus(ctx, &p, metav1.UpdateOptions{})
		}
		set, err := client.AppsV1().StatefulSets("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		st = set.Status
		return st.ObservedGeneration == set.Generation && st.ReadyReplicas == n && st.UpdatedReplicas == n &&
			st.CurrentRevision == st.UpdateRevision, nil
	})
	if err != nil {
		pods, _ := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		for _, p := range pods.Items {
			t.Logf("pod %s %s %+v", p.Name, p.Status.Phase, p.Status.Conditions)
		}
		t.Fatalf("rollout not done: %+v", st)
	}
	return st
}
