package deployment_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/testenv"
)

func TestDeploymentRollsOutScalesAndRollsOver(t *testing.T) {
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := env.Client
	const ns = "default"
	startControllers(ctx, t, client)
	fakeKubelet(ctx, t, client, ns)

	three := int32(3)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, Annotations: map[string]string{"kubernetes.io/change-cause": "first"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &three,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.14.2"}}},
			},
		},
	}
	deployments := client.AppsV1().Deployments(ns)
	if _, err := deployments.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rolledOut := func(n int32, image string) func() (bool, string) {
		return func() (bool, string) {
			cur, err := deployments.Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			s := cur.Status
			cond := ""
			for _, c := range s.Conditions {
				if c.Type == appsv1.DeploymentProgressing {
					cond = c.Reason
				}
			}
			live := livePods(ctx, t, client, ns)
			total := 0
			for _, n := range live {
				total += n
			}
			state := fmt.Sprintf("gen %d/%d replicas %d updated %d available %d progressing %s pods %v",
				s.ObservedGeneration, cur.Generation, s.Replicas, s.UpdatedReplicas, s.AvailableReplicas, cond, live)
			ok := s.ObservedGeneration >= cur.Generation && s.Replicas == n && s.UpdatedReplicas == n &&
				s.AvailableReplicas == n && cond == "NewReplicaSetAvailable" && total == int(n) && live[image] == int(n)
			return ok, state
		}
	}
	eventually(t, "3 replicas rolled out", rolledOut(3, "nginx:1.14.2"))
	rss := replicaSets(ctx, t, client, ns)
	if len(rss) != 1 || rss[0].Annotations["deployment.kubernetes.io/revision"] != "1" || rss[0].Annotations["kubernetes.io/change-cause"] != "first" {
		t.Fatalf("replica sets after create: %v", describe(rss))
	}
	if cur, _ := deployments.Get(ctx, "web", metav1.GetOptions{}); cur.Annotations["deployment.kubernetes.io/revision"] != "1" {
		t.Fatalf("deployment revision = %q", cur.Annotations["deployment.kubernetes.io/revision"])
	}

	update(ctx, t, client, func(d *appsv1.Deployment) { *d.Spec.Replicas = 5 })
	eventually(t, "scaled to 5", rolledOut(5, "nginx:1.14.2"))

	update(ctx, t, client, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:1.16.1" })
	eventually(t, "rolled over to the new image", rolledOut(5, "nginx:1.16.1"))
	rss = replicaSets(ctx, t, client, ns)
	if len(rss) != 2 {
		t.Fatalf("want the old replica set kept at 0 beside the new: %v", describe(rss))
	}
	for _, rs := range rss {
		want := int32(0)
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.16.1" {
			want = 5
		}
		if *rs.Spec.Replicas != want {
			t.Fatalf("replica sets after rollover: %v", describe(rss))
		}
	}

	// kubectl rollout undo copies the old template back; the old
	// ReplicaSet is reused under the next revision.
	update(ctx, t, client, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:1.14.2" })
	eventually(t, "rolled back", rolledOut(5, "nginx:1.14.2"))
	rss = replicaSets(ctx, t, client, ns)
	for _, rs := range rss {
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.14.2" &&
			(rs.Annotations["deployment.kubernetes.io/revision"] != "3" || rs.Annotations["deployment.kubernetes.io/revision-history"] != "1") {
			t.Fatalf("reused replica set annotations: %v", rs.Annotations)
		}
	}
	if len(rss) != 2 {
		t.Fatalf("rollback created a replica set: %v", describe(rss))
	}
}

func TestDeploymentReportsProgressDeadlineExceeded(t *testing.T) {
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := env.Client
	startControllers(ctx, t, client)
	fakeKubelet(ctx, t, client, "default")

	two, deadline := int32(2), int32(2)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "stuck", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas:                &two,
			ProgressDeadlineSeconds: &deadline,
			Selector:                &metav1.LabelSelector{MatchLabels: map[string]string{"app": "stuck"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "stuck"}, Annotations: map[string]string{neverReady: "yes"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img"}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Nothing changes once the pods are bound, so only the controller's
	// own timed requeue can notice the deadline.
	eventually(t, "ProgressDeadlineExceeded", func() (bool, string) {
		cur, err := client.AppsV1().Deployments("default").Get(ctx, "stuck", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range cur.Status.Conditions {
			if c.Type == appsv1.DeploymentProgressing {
				ok := c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" &&
					strings.HasSuffix(c.Message, "has timed out progressing.")
				return ok, fmt.Sprintf("%s %s %s", c.Status, c.Reason, c.Message)
			}
		}
		return false, "no Progressing condition"
	})
}
