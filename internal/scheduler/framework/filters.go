package framework

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Filter answers "can this node run the pod?"; a nil Status means yes.
// Filters only read the node info and the cycle state, so nodes are
// filtered concurrently.
type Filter interface {
	Name() string
	Filter(st *CycleState, ni *NodeInfo) *Status
}

// NodeUnschedulable rejects cordoned nodes unless the pod tolerates the
// node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).
type NodeUnschedulable struct{}

// Name implements Filter.
func (NodeUnschedulable) Name() string { return "NodeUnschedulable" }

var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// Filter implements Filter.
func (NodeUnschedulable) Filter(st *CycleState, ni *NodeInfo) *Status {
	if ni.Node.Spec.Unschedulable && !tolerates(st.pod.Pod.Spec.Tolerations, &unschedulableTaint) {
		return statusNodeUnschedulable
	}
	return nil
}

// NodeName pins a pod that names its node (the scheduler normally never
// sees such pods; a pod can still ask through node affinity on the name).
type NodeName struct{}

// Name implements Filter.
func (NodeName) Name() string { return "NodeName" }

// Filter implements Filter.
func (NodeName) Filter(st *CycleState, ni *NodeInfo) *Status {
	if n := st.pod.Pod.Spec.NodeName; n != "" && n != ni.Node.Name {
		return statusNodeName
	}
	return nil
}

// TaintToleration rejects nodes with a NoSchedule or NoExecute taint the
// pod does not tolerate, naming the taint as Kubernetes does.
type TaintToleration struct{}

// Name implements Filter.
func (TaintToleration) Name() string { return "TaintToleration" }

// Filter implements Filter.
func (TaintToleration) Filter(st *CycleState, ni *NodeInfo) *Status {
	if t := untoleratedTaint(st.pod.Pod, ni.Node); t != nil {
		return unresolvable(fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value))
	}
	return nil
}

// NodeAffinity enforces spec.nodeSelector and required node affinity.
type NodeAffinity struct{}

// Name implements Filter.
func (NodeAffinity) Name() string { return "NodeAffinity" }

// Filter implements Filter.
func (NodeAffinity) Filter(st *CycleState, ni *NodeInfo) *Status {
	if !st.nodes.matches(ni.Node) {
		return statusNodeAffinity
	}
	return nil
}

// NodePorts rejects nodes where a requested host port is taken on the same
// protocol and an overlapping address (0.0.0.0 overlaps every address).
type NodePorts struct{}

// Name implements Filter.
func (NodePorts) Name() string { return "NodePorts" }

// Filter implements Filter.
func (NodePorts) Filter(st *CycleState, ni *NodeInfo) *Status {
	if len(st.pod.ports) == 0 || len(ni.usedPorts) == 0 {
		return nil
	}
	for _, want := range st.pod.ports {
		for used := range ni.usedPorts {
			if used.port == want.port && used.protocol == want.protocol &&
				(used.ip == want.ip || used.ip == "0.0.0.0" || want.ip == "0.0.0.0") {
				return statusNodePorts
			}
		}
	}
	return nil
}

// NodeResourcesFit checks the pod's requests against what is left of the
// node's allocatable, and the pod count against allocatable pods. Room held
// for nominated pods of at least the same priority counts as taken, so a
// preemptor is not robbed of the space it evicted for.
type NodeResourcesFit struct{}

// Name implements Filter.
func (NodeResourcesFit) Name() string { return "NodeResourcesFit" }

// Filter implements Filter.
func (NodeResourcesFit) Filter(st *CycleState, ni *NodeInfo) *Status {
	pod := st.pod
	used := ni.Requested
	pods := len(ni.Pods)
	if len(ni.Nominated) > 0 {
		used = used.Clone()
		prio := podPriority(pod.Pod)
		for _, n := range ni.Nominated {
			if n.Pod.UID != pod.Pod.UID && podPriority(n.Pod) >= prio {
				used.Add(&n.Requests)
				pods++
			}
		}
	}
	var reasons []string
	if pods+1 > ni.AllowedPods {
		reasons = append(reasons, ReasonTooManyPods)
	}
	req, alloc := &pod.Requests, &ni.Allocatable
	if req.MilliCPU > 0 && req.MilliCPU > alloc.MilliCPU-used.MilliCPU {
		reasons = append(reasons, ReasonInsufficientCPU)
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-used.Memory {
		reasons = append(reasons, ReasonInsufficientMemory)
	}
	if req.EphemeralStorage > 0 && req.EphemeralStorage > alloc.EphemeralStorage-used.EphemeralStorage {
		reasons = append(reasons, ReasonInsufficientStorage)
	}
	for name, q := range req.Scalar {
		if q > 0 && q > alloc.Scalar[name]-used.Scalar[name] {
			reasons = append(reasons, "Insufficient "+string(name))
		}
	}
	if len(reasons) > 0 {
		return unschedulable(reasons...)
	}
	return nil
}

// InterPodAffinity enforces required pod affinity and anti-affinity, both
// the incoming pod's and existing pods' anti-affinity against it, from the
// per-domain counts in the cycle state.
type InterPodAffinity struct{}

// Name implements Filter.
func (InterPodAffinity) Name() string { return "InterPodAffinity" }

// Filter implements Filter.
func (InterPodAffinity) Filter(st *CycleState, ni *NodeInfo) *Status {
	nl := ni.Node.Labels
	if len(st.pod.RequiredAffinity) > 0 {
		allFound := true
		for i := range st.pod.RequiredAffinity {
			key := st.pod.RequiredAffinity[i].TopologyKey
			v, ok := nl[key]
			if !ok {
				return statusPodAffinity
			}
			if st.affinityCounts[topologyPair{key, v}] <= 0 {
				allFound = false
			}
		}
		// The first pod of a group that selects itself may start it.
		if !allFound && !(len(st.affinityCounts) == 0 && st.matchesOwnAffinity) {
			return statusPodAffinity
		}
	}
	for i := range st.pod.RequiredAntiAffinity {
		key := st.pod.RequiredAntiAffinity[i].TopologyKey
		if v, ok := nl[key]; ok && st.antiAffinityCounts[topologyPair{key, v}] > 0 {
			return statusPodAntiAffinity
		}
	}
	for key, values := range st.existingAnti {
		if v, ok := nl[key]; ok && values[v] > 0 {
			return statusExistingAnti
		}
	}
	return nil
}

// podPriority is the pod's resolved priority (0 when the API server did not
// set one).
func podPriority(pod *corev1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}
