package framework

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// NodeInfo is a node with the aggregate of the pods on it, kept up to date
// incrementally so no filter ever walks the node's pods to sum requests.
type NodeInfo struct {
	Node *corev1.Node
	Pods []*PodInfo
	// PodsWithAffinity (terms the affinity scorer weighs) and
	// PodsWithRequiredAntiAffinity are short lists the inter-pod filter and
	// scorer walk instead of all pods.
	PodsWithAffinity             []*PodInfo
	PodsWithRequiredAntiAffinity []*PodInfo
	// Nominated are pending pods the preemption made room for on this
	// node; equal or higher priority pods' requests are held for them.
	Nominated []*PodInfo

	Allocatable Resource
	AllowedPods int
	Requested   Resource
	// NonZeroMilliCPU and NonZeroMemory sum the scoring view of requests.
	NonZeroMilliCPU, NonZeroMemory int64

	usedPorts map[hostPort]int
	// version counts changes to Pods, snapIndex is the position in the
	// owning snapshot; together they key the snapshot's count tables.
	version   uint64
	snapIndex int
	// Generation increases on every change, so a snapshot copies only
	// nodes that changed since it was last taken.
	Generation int64
}

// NewNodeInfo wraps node (which may be nil while only its pods are known).
func NewNodeInfo(node *corev1.Node) *NodeInfo {
	ni := &NodeInfo{snapIndex: -1}
	ni.SetNode(node)
	return ni
}

// Name is the node's name, or "" before the node itself is known.
func (ni *NodeInfo) Name() string {
	if ni.Node == nil {
		return ""
	}
	return ni.Node.Name
}

// Labels are the node's labels.
func (ni *NodeInfo) Labels() labels.Set {
	if ni.Node == nil {
		return nil
	}
	return ni.Node.Labels
}

// SetNode replaces the node object and its allocatable.
func (ni *NodeInfo) SetNode(node *corev1.Node) {
	ni.Node = node
	if node == nil {
		return
	}
	ni.Allocatable = NewResource(node.Status.Allocatable)
	ni.AllowedPods = int(node.Status.Allocatable.Pods().Value())
}

// AddPod accounts for a pod bound (or assumed bound) to the node.
func (ni *NodeInfo) AddPod(pi *PodInfo) {
	ni.version++
	ni.Pods = append(ni.Pods, pi)
	if pi.scoresAffinity() {
		ni.PodsWithAffinity = append(ni.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAntiAffinity) > 0 {
		ni.PodsWithRequiredAntiAffinity = append(ni.PodsWithRequiredAntiAffinity, pi)
	}
	ni.Requested.Add(&pi.Requests)
	ni.NonZeroMilliCPU += pi.NonZeroMilliCPU
	ni.NonZeroMemory += pi.NonZeroMemory
	for _, p := range pi.ports {
		if ni.usedPorts == nil {
			ni.usedPorts = map[hostPort]int{}
		}
		ni.usedPorts[p]++
	}
}

// RemovePod undoes AddPod for the pod with uid; it reports whether the pod
// was there.
func (ni *NodeInfo) RemovePod(uid types.UID) bool {
	idx := indexOf(ni.Pods, uid)
	if idx < 0 {
		return false
	}
	pi := ni.Pods[idx]
	ni.version++
	ni.Pods = removeAt(ni.Pods, idx)
	if i := indexOf(ni.PodsWithAffinity, uid); i >= 0 {
		ni.PodsWithAffinity = removeAt(ni.PodsWithAffinity, i)
	}
	if i := indexOf(ni.PodsWithRequiredAntiAffinity, uid); i >= 0 {
		ni.PodsWithRequiredAntiAffinity = removeAt(ni.PodsWithRequiredAntiAffinity, i)
	}
	ni.Requested.Sub(&pi.Requests)
	ni.NonZeroMilliCPU -= pi.NonZeroMilliCPU
	ni.NonZeroMemory -= pi.NonZeroMemory
	for _, p := range pi.ports {
		if ni.usedPorts[p]--; ni.usedPorts[p] <= 0 {
			delete(ni.usedPorts, p)
		}
	}
	return true
}

// Clone copies the node info so a snapshot or a preemption dry run can be
// changed without touching the original; pods themselves are shared.
func (ni *NodeInfo) Clone() *NodeInfo {
	c := *ni
	c.Pods = append([]*PodInfo(nil), ni.Pods...)
	c.PodsWithAffinity = append([]*PodInfo(nil), ni.PodsWithAffinity...)
	c.PodsWithRequiredAntiAffinity = append([]*PodInfo(nil), ni.PodsWithRequiredAntiAffinity...)
	c.Nominated = append([]*PodInfo(nil), ni.Nominated...)
	c.Allocatable = ni.Allocatable.Clone()
	c.Requested = ni.Requested.Clone()
	if ni.usedPorts != nil {
		c.usedPorts = make(map[hostPort]int, len(ni.usedPorts))
		for k, v := range ni.usedPorts {
			c.usedPorts[k] = v
		}
	}
	return &c
}

func indexOf(pods []*PodInfo, uid types.UID) int {
	for i, p := range pods {
		if p.Pod.UID == uid {
			return i
		}
	}
	return -1
}

// removeAt swaps the last element in, since pod order on a node carries no
// meaning.
func removeAt(pods []*PodInfo, i int) []*PodInfo {
	last := len(pods) - 1
	pods[i] = pods[last]
	pods[last] = nil
	return pods[:last]
}

// Snapshot is the cluster as one scheduling cycle sees it.
type Snapshot struct {
	Nodes  []*NodeInfo
	byName map[string]*NodeInfo
	// NamespaceLabels feeds namespaceSelector terms.
	NamespaceLabels map[string]labels.Set
	// Generation is the cache generation the snapshot reflects.
	Generation int64

	mu     sync.Mutex
	tables map[memoKey]any
}

// NewSnapshot indexes nodes (used by tests and benchmarks; the cache keeps
// its own snapshot up to date incrementally).
func NewSnapshot(nodes []*NodeInfo, nsLabels map[string]labels.Set) *Snapshot {
	s := &Snapshot{NamespaceLabels: nsLabels}
	s.SetNodes(nodes)
	return s
}

// SetNodes replaces the node list and rebuilds the name index.
func (s *Snapshot) SetNodes(nodes []*NodeInfo) {
	s.Nodes = nodes
	s.byName = make(map[string]*NodeInfo, len(nodes))
	for i, n := range nodes {
		n.snapIndex = i
		s.byName[n.Name()] = n
	}
}

// Get returns the node info named name, or nil.
func (s *Snapshot) Get(name string) *NodeInfo { return s.byName[name] }

// Replace swaps in a newer copy of the node at index i of Nodes.
func (s *Snapshot) Replace(i int, ni *NodeInfo) {
	ni.snapIndex = i
	s.Nodes[i] = ni
	s.byName[ni.Name()] = ni
}
