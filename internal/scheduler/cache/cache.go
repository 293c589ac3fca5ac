package cache

import (
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bosun-dev/bosun/internal/scheduler/framework"
)

// nodeItem is a node's live info and the generation of its last change.
type nodeItem struct {
	info       *framework.NodeInfo
	generation int64
}

// podState records where the cache placed a pod and whether that is only
// an assumption awaiting its binding.
type podState struct {
	info    *framework.PodInfo
	node    string
	assumed bool
}

// Cache is safe for concurrent use by informer handlers, the scheduling
// loop and binding goroutines.
type Cache struct {
	mu         sync.Mutex
	nodes      map[string]*nodeItem
	pods       map[types.UID]*podState
	nominated  map[types.UID]*podState
	namespaces map[string]labels.Set
	generation int64
	// listChanged forces the next snapshot to rebuild its node list.
	listChanged bool
	positions   map[string]int
}

// New returns an empty cache.
func New() *Cache {
	return &Cache{
		nodes:      map[string]*nodeItem{},
		pods:       map[types.UID]*podState{},
		nominated:  map[types.UID]*podState{},
		namespaces: map[string]labels.Set{},
	}
}

// item returns the node's entry, creating one for pods that arrive before
// their node; callers hold mu.
func (c *Cache) item(name string) *nodeItem {
	it, ok := c.nodes[name]
	if !ok {
		it = &nodeItem{info: framework.NewNodeInfo(nil)}
		c.nodes[name] = it
		c.listChanged = true
	}
	return it
}

// touch marks a node changed.
func (c *Cache) touch(it *nodeItem) {
	c.generation++
	it.generation = c.generation
}

// SetNode adds or updates a node.
func (c *Cache) SetNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.item(node.Name)
	if it.info.Node == nil {
		c.listChanged = true
	}
	it.info.SetNode(node)
	c.touch(it)
}

// RemoveNode drops a node; its pods go with it (their deletions follow).
func (c *Cache) RemoveNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.nodes[name]; ok {
		delete(c.nodes, name)
		c.listChanged = true
		c.generation++
	}
}

// AddPod records a pod bound to a node (seen by the informer). A pod the
// scheduler assumed is confirmed; one bound elsewhere is moved.
func (c *Cache) AddPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok {
		if ps.assumed && ps.node == pod.Spec.NodeName {
			ps.assumed = false
			return
		}
		c.removeLocked(pod.UID)
	}
	c.addLocked(framework.NewPodInfo(pod), false)
}

// UpdatePod replaces a bound pod's record (its labels or requests may have
// changed); a pod that finished frees its resources.
func (c *Cache) UpdatePod(pod *corev1.Pod) {
	if terminated(pod) {
		c.RemovePod(pod.UID)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(pod.UID)
	c.addLocked(framework.NewPodInfo(pod), false)
}

// RemovePod forgets a pod.
func (c *Cache) RemovePod(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(uid)
	c.removeNominatedLocked(uid)
}

// AssumePod places pi (whose pod already names node) on node before the
// binding is confirmed.
func (c *Cache) AssumePod(pi *framework.PodInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeNominatedLocked(pi.Pod.UID)
	c.addLocked(pi, true)
}

// ForgetPod undoes an assumption whose binding failed.
func (c *Cache) ForgetPod(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[uid]; ok && ps.assumed {
		c.removeLocked(uid)
	}
}

// IsAssumedOrBound reports whether the cache already placed the pod.
func (c *Cache) IsAssumedOrBound(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.pods[uid]
	return ok
}

func (c *Cache) addLocked(pi *framework.PodInfo, assumed bool) {
	name := pi.Pod.Spec.NodeName
	it := c.item(name)
	it.info.AddPod(pi)
	c.touch(it)
	c.pods[pi.Pod.UID] = &podState{info: pi, node: name, assumed: assumed}
}

func (c *Cache) removeLocked(uid types.UID) {
	ps, ok := c.pods[uid]
	if !ok {
		return
	}
	delete(c.pods, uid)
	if it, ok := c.nodes[ps.node]; ok && it.info.RemovePod(uid) {
		c.touch(it)
	}
}

// SetNominated holds room on node for a preemptor until it binds.
func (c *Cache) SetNominated(pi *framework.PodInfo, node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeNominatedLocked(pi.Pod.UID)
	it, ok := c.nodes[node]
	if !ok {
		return
	}
	it.info.Nominated = append(it.info.Nominated, pi)
	c.touch(it)
	c.nominated[pi.Pod.UID] = &podState{info: pi, node: node}
}

func (c *Cache) removeNominatedLocked(uid types.UID) {
	ps, ok := c.nominated[uid]
	if !ok {
		return
	}
	delete(c.nominated, uid)
	it, ok := c.nodes[ps.node]
	if !ok {
		return
	}
	kept := it.info.Nominated[:0:0]
	for _, n := range it.info.Nominated {
		if n.Pod.UID != uid {
			kept = append(kept, n)
		}
	}
	it.info.Nominated = kept
	c.touch(it)
}

// SetNamespace records a namespace's labels for namespaceSelector terms.
func (c *Cache) SetNamespace(ns *corev1.Namespace) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.copyNamespaces()
	c.namespaces[ns.Name] = labels.Set(ns.Labels)
}

// RemoveNamespace forgets a namespace.
func (c *Cache) RemoveNamespace(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.copyNamespaces()
	delete(c.namespaces, name)
}

// copyNamespaces replaces the map before a write, since snapshots share
// the previous one without a lock.
func (c *Cache) copyNamespaces() {
	m := make(map[string]labels.Set, len(c.namespaces)+1)
	for k, v := range c.namespaces {
		m[k] = v
	}
	c.namespaces = m
	c.generation++
}

// UpdateSnapshot brings s up to date, copying only nodes changed since s
// was last updated, and rebuilding the node list only when nodes came or
// went.
func (c *Cache) UpdateSnapshot(s *framework.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.NamespaceLabels = c.namespaces
	if c.listChanged || c.positions == nil {
		names := make([]string, 0, len(c.nodes))
		for name, it := range c.nodes {
			if it.info.Node != nil {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		infos := make([]*framework.NodeInfo, len(names))
		c.positions = make(map[string]int, len(names))
		for i, name := range names {
			infos[i] = c.nodes[name].info.Clone()
			c.positions[name] = i
		}
		s.SetNodes(infos)
		c.listChanged = false
		s.Generation = c.generation
		return
	}
	for name, it := range c.nodes {
		if it.generation > s.Generation {
			if i, ok := c.positions[name]; ok {
				s.Replace(i, it.info.Clone())
			}
		}
	}
	s.Generation = c.generation
}

// NodeCount is the number of known nodes.
func (c *Cache) NodeCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.nodes)
}

func terminated(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}
