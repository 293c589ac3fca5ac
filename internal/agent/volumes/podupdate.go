package volumes

import (
	corev1 "k8s.io/api/core/v1"
)

// Update takes a newer version of a pod whose volumes are set up, so that
// downward API files follow its labels, annotations and resources as
// kubelet's do: kubelet remounts downward API volumes on every pod sync,
// and a pod update is one. The pod's own sync may not call Setup again
// (a running pod starts nothing), hence this separate entry point for the
// agent's pod informer. Pods never set up, or torn down, are ignored.
func (m *Manager) Update(pod *corev1.Pod) {
	m.mu.Lock()
	s := m.pods[pod.UID]
	m.mu.Unlock()
	if s == nil || !usesDownwardAPI(pod) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pod == nil || s.pod.ResourceVersion == pod.ResourceVersion {
		return
	}
	s.pod = pod
	s.current.Store(pod)
	m.queue.Add(pod.UID)
}

// usesDownwardAPI says whether any volume of pod projects pod fields.
func usesDownwardAPI(pod *corev1.Pod) bool {
	for _, v := range pod.Spec.Volumes {
		if v.DownwardAPI != nil {
			return true
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.DownwardAPI != nil {
					return true
				}
			}
		}
	}
	return false
}
