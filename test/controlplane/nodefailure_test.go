package controlplane

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// Pods of a node that stops renewing its Lease are evicted after their
// toleration and replaced on the other nodes.
func TestNodeFailureReplacesPods(t *testing.T) {
	cl := newCluster(t, 3, 3*time.Second)
	ctx := context.Background()
	ns := cl.namespace(t, "nodefail")
	d := deployment("web", 6)
	one := int64(1)
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		d.Spec.Template.Spec.Tolerations = append(d.Spec.Template.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &one})
	}
	if _, err := cl.c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.rolledOut(t, ns, "web")
	pods, err := cl.c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	victim := pods.Items[0].Spec.NodeName
	patch := []byte(`{"metadata":{"annotations":{"sim.bosun.dev/fail":"true"}}}`)
	if _, err := cl.c.CoreV1().Nodes().Patch(ctx, victim, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	cl.poll(t, 60*time.Second, "6 Ready pods off the failed node", func(ctx context.Context) (bool, error) {
		pods, err := cl.c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		ready := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName != victim && p.DeletionTimestamp == nil && podstatus.Ready(&p) {
				ready++
			}
		}
		return ready == 6, nil
	})
	node, err := cl.c.CoreV1().Nodes().Get(ctx, victim, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tainted := false
	for _, taint := range node.Spec.Taints {
		tainted = tainted || (taint.Key == corev1.TaintNodeUnreachable && taint.Effect == corev1.TaintEffectNoExecute)
	}
	if !tainted {
		t.Errorf("failed node's taints %v, want %s:NoExecute", node.Spec.Taints, corev1.TaintNodeUnreachable)
	}
}
