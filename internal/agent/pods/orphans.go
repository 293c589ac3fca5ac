package pods

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// RemoveOrphans removes the runtime's pods that no worker knows: pods deleted
// while the agent was down. Call it once the pod informer has synced and every
// listed pod was passed to Update, else live pods would be taken for orphans.
func (m *Manager) RemoveOrphans(ctx context.Context) error {
	resp, err := m.cfg.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("list pod sandboxes: %w", err)
	}
	m.mu.Lock()
	known := make(map[types.UID]bool, len(m.workers))
	for uid := range m.workers {
		known[uid] = true
	}
	m.mu.Unlock()
	for _, sb := range resp.GetItems() {
		l := sb.GetLabels()
		uid := types.UID(l[labelPodUID])
		if uid == "" || known[uid] {
			continue
		}
		known[uid] = true
		m.log.Info("Removing orphaned pod", "pod", l[labelPodNamespace]+"/"+l[labelPodName], "podUID", uid)
		// Only its identity survives in the labels; the grace period is the
		// default one.
		m.Delete(&v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: l[labelPodName], Namespace: l[labelPodNamespace], UID: uid}})
	}
	return nil
}
