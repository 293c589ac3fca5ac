package framework

// Code says whether preemption could help a node that rejected a pod.
type Code int

const (
	// Unschedulable: evicting lower-priority pods might make room.
	Unschedulable Code = iota + 1
	// UnschedulableAndUnresolvable: no eviction changes the answer
	// (labels, taints, node name do not depend on other pods).
	UnschedulableAndUnresolvable
)

// Status is a filter's rejection; a nil *Status means the node fits.
type Status struct {
	Code    Code
	Reasons []string
}

func unschedulable(reasons ...string) *Status {
	return &Status{Code: Unschedulable, Reasons: reasons}
}

func unresolvable(reasons ...string) *Status {
	return &Status{Code: UnschedulableAndUnresolvable, Reasons: reasons}
}

// Reason strings, worded exactly as kube-scheduler words them because users
// and tools grep FailedScheduling events for them.
const (
	ReasonNodeName                 = "node(s) didn't match the requested node name"
	ReasonNodeUnschedulable        = "node(s) were unschedulable"
	ReasonNodeAffinity             = "node(s) didn't match Pod's node affinity/selector"
	ReasonPodAffinity              = "node(s) didn't match pod affinity rules"
	ReasonPodAntiAffinity          = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAffinity     = "node(s) didn't satisfy existing pods anti-affinity rules"
	ReasonTopologySpread           = "node(s) didn't match pod topology spread constraints"
	ReasonTopologySpreadMissingKey = "node(s) didn't match pod topology spread constraints (missing required label)"
	ReasonNodePorts                = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods              = "Too many pods"
	ReasonInsufficientCPU          = "Insufficient cpu"
	ReasonInsufficientMemory       = "Insufficient memory"
	ReasonInsufficientStorage      = "Insufficient ephemeral-storage"
	ReasonNodeNotFound             = "node(s) not found"

	// Preemption's own per-node reasons.
	ReasonPreemptionNotHelpful = "Preemption is not helpful for scheduling"
	ReasonNoVictims            = "No preemption victims found for incoming pod"
)

// Pre-built statuses for the constant reasons, so rejecting 999 of 1,000
// nodes allocates nothing.
var (
	statusNodeName          = unresolvable(ReasonNodeName)
	statusNodeUnschedulable = unresolvable(ReasonNodeUnschedulable)
	statusNodeAffinity      = unresolvable(ReasonNodeAffinity)
	statusPodAffinity       = unresolvable(ReasonPodAffinity)
	statusPodAntiAffinity   = unschedulable(ReasonPodAntiAffinity)
	statusExistingAnti      = unschedulable(ReasonExistingAntiAffinity)
	statusSpread            = unschedulable(ReasonTopologySpread)
	statusSpreadMissingKey  = unresolvable(ReasonTopologySpreadMissingKey)
	statusNodePorts         = unschedulable(ReasonNodePorts)
	statusNodeNotFound      = unresolvable(ReasonNodeNotFound)
)
