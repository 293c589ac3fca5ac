package controlplane

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func deployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
			},
		},
	}
}

func (cl *cluster) rolledOut(t *testing.T, ns, name string) {
	t.Helper()
	cl.poll(t, 60*time.Second, "deployment "+name+" rolled out", func(ctx context.Context) (bool, error) {
		d, err := cl.c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s, want := d.Status, *d.Spec.Replicas
		return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.ReadyReplicas == want &&
			s.AvailableReplicas == want && s.Replicas == want, nil
	})
}

// A Deployment is scheduled onto sim nodes, runs, scales, rolls to a new
// image keeping the old ReplicaSet, and its deletion takes everything with it.
func TestDeploymentLifecycle(t *testing.T) {
	cl := newCluster(t, 3, 0)
	ctx := context.Background()
	ns := cl.namespace(t, "deploy")
	deps := cl.c.AppsV1().Deployments(ns)
	if _, err := deps.Create(ctx, deployment("web", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.rolledOut(t, ns, "web")
	pods, err := cl.c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]bool{}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			t.Errorf("pod %s: phase %s, IP %q; want Running with an IP", p.Name, p.Status.Phase, p.Status.PodIP)
		}
		nodes[p.Spec.NodeName] = true
	}
	if len(nodes) < 2 {
		t.Errorf("3 replicas on nodes %v; want them spread", nodes)
	}
	cl.poll(t, 10*time.Second, "Scheduled event", func(ctx context.Context) (bool, error) {
		evs, err := cl.c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=Scheduled"})
		if err != nil || len(evs.Items) == 0 {
			return false, err
		}
		return strings.HasPrefix(evs.Items[0].Message, "Successfully assigned "+ns+"/web-"), nil
	})

	if _, err := deps.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":6}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.rolledOut(t, ns, "web")

	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2"}]}}}}`
	if _, err := deps.Patch(ctx, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.rolledOut(t, ns, "web")
	rss, err := cl.c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rss.Items) != 2 {
		t.Fatalf("%d ReplicaSets after a rollout, want the new and the old", len(rss.Items))
	}
	for _, rs := range rss.Items {
		img := rs.Spec.Template.Spec.Containers[0].Image
		if want := map[string]int32{"app:1": 0, "app:2": 6}[img]; *rs.Spec.Replicas != want {
			t.Errorf("ReplicaSet %s (%s) has %d replicas, want %d", rs.Name, img, *rs.Spec.Replicas, want)
		}
	}

	if err := deps.Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.poll(t, 60*time.Second, "ReplicaSets and pods collected", func(ctx context.Context) (bool, error) {
		rss, err := cl.c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		pods, err := cl.c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return len(rss.Items) == 0 && len(pods.Items) == 0, nil
	})
}

// A pod no node can take stays Pending with Kubernetes' FailedScheduling message.
func TestUnschedulablePod(t *testing.T) {
	cl := newCluster(t, 3, 0)
	ctx := context.Background()
	ns := cl.namespace(t, "unsched")
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "picky"},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"disk": "ssd"},
			Containers:   []corev1.Container{{Name: "app", Image: "app:1"}},
		},
	}
	if _, err := cl.c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
	cl.poll(t, 20*time.Second, "FailedScheduling event", func(ctx context.Context) (bool, error) {
		evs, err := cl.c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedScheduling,involvedObject.name=picky"})
		if err != nil || len(evs.Items) == 0 {
			return false, err
		}
		if evs.Items[0].Message != want {
			t.Fatalf("FailedScheduling %q, want %q", evs.Items[0].Message, want)
		}
		return true, nil
	})
	got, err := cl.c.CoreV1().Pods(ns).Get(ctx, "picky", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.NodeName != "" || got.Status.Phase != corev1.PodPending {
		t.Errorf("pod on %q, phase %s; want Pending and unbound", got.Spec.NodeName, got.Status.Phase)
	}
}
