package daemonset_test

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/daemonset"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestIntegrationRollout runs a DaemonSet over two nodes of a real server,
// binding its pods to their pinned nodes and marking them ready as a
// scheduler and kubelet would, then rolls a new image to both nodes.
func TestIntegrationRollout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := env.Client
	for _, name := range []string{"w1", "w2"} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"role": "worker"}}}
		if _, err := client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	c := daemonset.New(client, factory, record.NewFakeRecorder(1000), daemonset.Options{})
	factory.Start(ctx.Done())
	go c.Run(ctx, 2)

	labels := map[string]string{"app": "agent"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "agent"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{NodeSelector: map[string]string{"role": "worker"},
					Containers: []corev1.Container{{Name: "agent", Image: "agent:1"}}}},
		},
	}
	if _, err := client.AppsV1().DaemonSets("default").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRolledOut(ctx, t, client)
	ds, err := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Spec.Template.Spec.Containers[0].Image = "agent:2"
	if _, err := client.AppsV1().DaemonSets("default").Update(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRolledOut(ctx, t, client)
	pods, _ := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	seen := map[string]bool{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		if p.Spec.Containers[0].Image != "agent:2" || seen[p.Spec.NodeName] {
			t.Fatalf("pod %s on %s: %s", p.Name, p.Spec.NodeName, p.Spec.Containers[0].Image)
		}
		seen[p.Spec.NodeName] = true
	}
}

// waitRolledOut plays scheduler and kubelet until the DaemonSet reports
// the rollout done as kubectl rollout status judges it.
func waitRolledOut(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	var st appsv1.DaemonSetStatus
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				// No kubelet here: finish the graceful deletion.
				_ = client.CoreV1().Pods("default").Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
				continue
			}
			if p.Spec.NodeName == "" {
				b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: p.Name}, Target: corev1.ObjectReference{Kind: "Node", Name: pinnedNode(&p)}}
				_ = client.CoreV1().Pods("default").Bind(ctx, b, metav1.CreateOptions{})
				continue
			}
			if p.Status.Phase != corev1.PodRunning {
				p.Status.Phase = corev1.PodRunning
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
				_, _ = client.CoreV1().Pods("default").UpdateStatus(ctx, &p, metav1.UpdateOptions{})
			}
		}
		ds, err := client.AppsV1().DaemonSets("default").Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		st = ds.Status
		return st.ObservedGeneration == ds.Generation && st.DesiredNumberScheduled == 2 &&
			st.UpdatedNumberScheduled == 2 && st.NumberAvailable == 2 && st.NumberMisscheduled == 0, nil
	})
	if err != nil {
		t.Fatalf("rollout not done: %+v", st)
	}
}

// pinnedNode reads the node a daemon pod's required affinity names.
func pinnedNode(p *corev1.Pod) string {
	terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	return terms[0].MatchFields[0].Values[0]
}
