package node

import (
	"context"
	"fmt"
	"maps"
	"runtime"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// attachDetachAnnotation tells the attach/detach controller it, not the
// agent, attaches volumes to this node; kubelet sets it by default.
const attachDetachAnnotation = "volumes.kubernetes.io/controller-managed-attach-detach"

// nodeLabels are the labels kubelet puts on its Node, then the extra ones.
func nodeLabels(hostname string, extra map[string]string) map[string]string {
	l := map[string]string{
		corev1.LabelHostname:      hostname,
		corev1.LabelOSStable:      runtime.GOOS,
		corev1.LabelArchStable:    runtime.GOARCH,
		"beta.kubernetes.io/os":   runtime.GOOS,
		"beta.kubernetes.io/arch": runtime.GOARCH,
	}
	maps.Copy(l, extra)
	return l
}

// initialNode is the Node as first registered. Like kubelet it starts
// tainted not-ready, so nothing is scheduled before the first Ready status
// (the node lifecycle controller lifts the taint).
func initialNode(cfg Config) *corev1.Node {
	taints := append([]corev1.Taint(nil), cfg.Taints...)
	notReady := corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}
	if !hasTaint(taints, notReady) {
		taints = append(taints, notReady)
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        cfg.NodeName,
			Labels:      nodeLabels(cfg.Hostname, cfg.Labels),
			Annotations: map[string]string{attachDetachAnnotation: "true"},
		},
		Spec: corev1.NodeSpec{Taints: taints},
	}
}

func hasTaint(ts []corev1.Taint, t corev1.Taint) bool {
	for _, x := range ts {
		if x.Key == t.Key && x.Effect == t.Effect {
			return true
		}
	}
	return false
}

// Register creates the Node, or adopts an existing one of the same name by
// updating its labels and annotation (its spec, podCIDR and taints
// included, stays as the cluster left it), then posts a first status.
func (n *Node) Register(ctx context.Context) error {
	if n.err != nil {
		return n.err
	}
	cfg := n.cfg
	n.recorder.Eventf(n.ref(), corev1.EventTypeNormal, "Starting", "Starting kubelet.")
	nodes := cfg.Client.CoreV1().Nodes()
	created, err := nodes.Create(ctx, initialNode(cfg), metav1.CreateOptions{})
	switch {
	case err == nil:
		cfg.Log.Info("Registered node", "node", cfg.NodeName)
		n.setUID(created.UID)
	case apierrors.IsAlreadyExists(err):
		if err := n.adopt(ctx); err != nil {
			return err
		}
	default:
		return fmt.Errorf("register node %s: %w", cfg.NodeName, err)
	}
	_, err = n.syncStatus(ctx)
	return err
}

// adopt brings an existing Node's labels and annotation up to date.
func (n *Node) adopt(ctx context.Context) error {
	cfg := n.cfg
	nodes := cfg.Client.CoreV1().Nodes()
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get existing node %s: %w", cfg.NodeName, err)
		}
		n.setUID(node.UID)
		want := nodeLabels(cfg.Hostname, cfg.Labels)
		changed := false
		if node.Labels == nil {
			node.Labels = map[string]string{}
		}
		for k, v := range want {
			if node.Labels[k] != v {
				node.Labels[k], changed = v, true
			}
		}
		if node.Annotations[attachDetachAnnotation] != "true" {
			if node.Annotations == nil {
				node.Annotations = map[string]string{}
			}
			node.Annotations[attachDetachAnnotation], changed = "true", true
		}
		if !changed {
			cfg.Log.Info("Adopted existing node", "node", cfg.NodeName)
			return nil
		}
		if _, err := nodes.Update(ctx, node, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("update existing node %s: %w", cfg.NodeName, err)
		}
		cfg.Log.Info("Adopted existing node, labels updated", "node", cfg.NodeName)
		return nil
	})
}
