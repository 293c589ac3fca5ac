package staticpods

import (
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// key is a pod's namespace/name.
func key(p *v1.Pod) string { return p.Namespace + "/" + p.Name }

// plan says how to make the mirror pods on the node match the wanted ones
// (keyed namespace/name): delete mirrors that are stale (their manifest is
// gone or its hash changed), create wanted pods with no live mirror. A
// mirror still being deleted blocks its re-creation until it is gone.
func plan(want map[string]*v1.Pod, mirrors []v1.Pod) (create []*v1.Pod, remove []v1.Pod) {
	live := map[string]bool{}
	for _, m := range mirrors {
		k := key(&m)
		w, wanted := want[k]
		if m.DeletionTimestamp != nil {
			live[k] = true
			continue
		}
		if wanted && w.Annotations[ConfigHashAnnotation] == m.Annotations[ConfigMirrorAnnotation] {
			live[k] = true
			continue
		}
		remove = append(remove, m)
	}
	for k, w := range want {
		if !live[k] {
			create = append(create, w)
		}
	}
	slices.SortFunc(create, func(a, b *v1.Pod) int { return strings.Compare(key(a), key(b)) })
	return create, remove
}

// isMirrorOn reports whether p is a mirror pod of a static pod on node.
func isMirrorOn(p *v1.Pod, node string) bool {
	_, ok := p.Annotations[ConfigMirrorAnnotation]
	return ok && p.Spec.NodeName == node
}
