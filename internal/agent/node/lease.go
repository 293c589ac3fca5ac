package node

import (
	"context"
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// renewLease writes the node's Lease with a fresh renewTime, creating it
// when missing. It is owned by the Node so it goes when the Node does.
func (n *Node) renewLease(ctx context.Context) error {
	cfg := n.cfg
	leases := cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	lease, exists := n.lease, n.lease != nil
	if !exists {
		got, err := leases.Get(ctx, cfg.NodeName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: cfg.NodeName, Namespace: corev1.NamespaceNodeLease}}
		case err != nil:
			return fmt.Errorf("get lease of node %s: %w", cfg.NodeName, err)
		default:
			lease, exists = got, true
		}
	}
	lease = lease.DeepCopy()
	holder := cfg.NodeName
	seconds := int32(cfg.LeaseDuration.Seconds())
	now := metav1.NewMicroTime(cfg.Clock.Now())
	lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds, lease.Spec.RenewTime = &holder, &seconds, &now
	if uid := n.getUID(); uid != "" {
		lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: cfg.NodeName, UID: uid}}
	}
	var err error
	if !exists {
		lease, err = leases.Create(ctx, lease, metav1.CreateOptions{})
	} else {
		lease, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	if err != nil {
		// Re-read next time: the cached copy may be stale or gone.
		n.lease = nil
		return fmt.Errorf("renew lease of node %s: %w", cfg.NodeName, err)
	}
	n.lease = lease
	return nil
}
