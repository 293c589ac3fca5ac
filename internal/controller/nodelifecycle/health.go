package nodelifecycle

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
)

// probe is what the controller last saw of a node's heartbeats, and when
// by its own clock it last saw one of them move. Judging staleness by the
// controller's clock rather than the kubelet's timestamps keeps skewed node
// clocks from faking health or death.
type probe struct {
	heartbeat time.Time
	renew     time.Time
	seenAt    time.Time
	// ready is the Ready status at the last sync, to notice transitions.
	ready corev1.ConditionStatus
}

// heartbeats reads the two signs of life: the Ready condition's heartbeat
// and the Lease's renew time (zero when absent).
func heartbeats(node *corev1.Node, lease *coordinationv1.Lease) (heartbeat, renew time.Time) {
	if c := condition(node, corev1.NodeReady); c != nil {
		heartbeat = c.LastHeartbeatTime.Time
	}
	if lease != nil && lease.Spec.RenewTime != nil {
		renew = lease.Spec.RenewTime.Time
	}
	return heartbeat, renew
}

// observe updates p with the heartbeats seen at now. A node seen for the
// first time gets a full grace period from now, except one that never
// posted anything, whose grace counts from its creation.
func observe(p *probe, node *corev1.Node, lease *coordinationv1.Lease, now time.Time) {
	hb, renew := heartbeats(node, lease)
	switch {
	case p.seenAt.IsZero() && hb.IsZero() && renew.IsZero():
		p.seenAt = node.CreationTimestamp.Time
	case p.seenAt.IsZero() || !hb.Equal(p.heartbeat) || !renew.Equal(p.renew):
		p.seenAt = now
	}
	p.heartbeat, p.renew = hb, renew
}

// staleAt is when a node last seen alive at seenAt counts as dead.
func staleAt(p probe, grace time.Duration) time.Time { return p.seenAt.Add(grace) }

// stale says whether the grace period has run out at now.
func stale(p probe, now time.Time, grace time.Duration) bool {
	return now.After(staleAt(p, grace))
}

func condition(node *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == t {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}
