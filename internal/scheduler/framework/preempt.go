package framework

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Preemption messages kube-scheduler appends to FailedScheduling.
const (
	msgPreemptNever       = "not eligible due to preemptionPolicy=Never."
	msgTerminatingVictims = "not eligible due to terminating pod on the nominated node."
)

// PDB is a PodDisruptionBudget as preemption weighs it.
type PDB struct {
	Namespace string
	Selector  labels.Selector
	// Allowed is status.disruptionsAllowed.
	Allowed int32
}

// Preemption is the chosen node and the pods to evict there.
type Preemption struct {
	Node    string
	Victims []*corev1.Pod
}

type candidate struct {
	node       string
	victims    []*PodInfo
	violations int
}

// Preempt looks for a node where evicting lower-priority pods lets the pod
// fit: as few budget violations as possible, then the lowest-priority and
// fewest victims. With no candidate it returns the message kube-scheduler
// appends to the FitError ("preemption: 0/3 nodes are available: …").
// Each dry run adjusts a copy of the cycle's affinity and spread counts as
// it removes victims, so anti-affinity and skew conflicts resolve too.
func (a *Algorithm) Preempt(st *CycleState, snap *Snapshot, fe *FitError, pdbs []PDB) (Preemption, string) {
	pod := st.pod.Pod
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == corev1.PreemptNever {
		return Preemption{}, msgPreemptNever
	}
	prio := podPriority(pod)
	if nn := pod.Status.NominatedNodeName; nn != "" {
		if ni := snap.Get(nn); ni != nil {
			for _, p := range ni.Pods {
				if p.Pod.DeletionTimestamp != nil && podPriority(p.Pod) < prio {
					return Preemption{}, msgTerminatingVictims
				}
			}
		}
	}
	statuses := map[string]*Status{}
	var best *candidate
	for _, ni := range snap.Nodes {
		name := ni.Name()
		s, ok := fe.Statuses[name]
		if ni.Node == nil || !ok || s.Code == UnschedulableAndUnresolvable {
			statuses[name] = unresolvable(ReasonPreemptionNotHelpful)
			continue
		}
		c, why := a.victimsOn(st, ni, prio, pdbs)
		if c == nil {
			statuses[name] = why
			continue
		}
		if best == nil || better(c, best) {
			best = c
		}
	}
	if best == nil {
		inner := &FitError{NumAllNodes: len(snap.Nodes), Statuses: statuses}
		return Preemption{}, "preemption: " + inner.Error()
	}
	p := Preemption{Node: best.node}
	for _, v := range best.victims {
		p.Victims = append(p.Victims, v.Pod)
	}
	return p, ""
}

// victimsOn removes every lower-priority pod from a copy of ni, checks the
// pod fits, then reprieves victims (highest priority first, budget-covered
// ones before others) while it still fits.
func (a *Algorithm) victimsOn(st *CycleState, ni *NodeInfo, prio int32, pdbs []PDB) (*candidate, *Status) {
	var lower []*PodInfo
	for _, p := range ni.Pods {
		if podPriority(p.Pod) < prio {
			lower = append(lower, p)
		}
	}
	if len(lower) == 0 {
		return nil, unresolvable(ReasonNoVictims)
	}
	clone := ni.Clone()
	// Counts of other pods (affinity, spread) change with the victims too;
	// a state without such counts is shared as is.
	counted := st.hasPodCounts()
	if counted {
		st = st.clone()
	}
	move := func(p *PodInfo, delta int) {
		if delta > 0 {
			clone.AddPod(p)
		} else {
			clone.RemovePod(p.Pod.UID)
		}
		if counted {
			st.updateWithPod(p, ni, delta)
		}
	}
	for _, p := range lower {
		move(p, -1)
	}
	if s := a.RunFilters(st, clone); s != nil {
		return nil, s
	}
	sort.SliceStable(lower, func(i, j int) bool { return podPriority(lower[i].Pod) > podPriority(lower[j].Pod) })
	violating, safe := splitByBudget(lower, pdbs)
	c := &candidate{node: ni.Name()}
	reprieve := func(p *PodInfo) bool {
		move(p, 1)
		if a.RunFilters(st, clone) == nil {
			return true
		}
		move(p, -1)
		c.victims = append(c.victims, p)
		return false
	}
	for _, p := range violating {
		if !reprieve(p) {
			c.violations++
		}
	}
	for _, p := range safe {
		reprieve(p)
	}
	return c, nil
}

// splitByBudget separates pods whose eviction would exceed a budget's
// allowed disruptions from the rest, spending each budget in order.
func splitByBudget(pods []*PodInfo, pdbs []PDB) (violating, safe []*PodInfo) {
	allowed := make([]int32, len(pdbs))
	for i := range pdbs {
		allowed[i] = pdbs[i].Allowed
	}
	for _, p := range pods {
		violates := false
		for i := range pdbs {
			if pdbs[i].Namespace != p.Pod.Namespace || !pdbs[i].Selector.Matches(labels.Set(p.Pod.Labels)) {
				continue
			}
			allowed[i]--
			if allowed[i] < 0 {
				violates = true
			}
		}
		if violates {
			violating = append(violating, p)
		} else {
			safe = append(safe, p)
		}
	}
	return violating, safe
}

// better orders candidates as Kubernetes does: fewer budget violations,
// then a lower highest victim priority, then a lower priority sum, then
// fewer victims.
func better(a, b *candidate) bool {
	if a.violations != b.violations {
		return a.violations < b.violations
	}
	ha, hb := highest(a.victims), highest(b.victims)
	if ha != hb {
		return ha < hb
	}
	sa, sb := prioritySum(a.victims), prioritySum(b.victims)
	if sa != sb {
		return sa < sb
	}
	return len(a.victims) < len(b.victims)
}

func highest(v []*PodInfo) int32 {
	h := int32(-1 << 31)
	for _, p := range v {
		h = max(h, podPriority(p.Pod))
	}
	return h
}

// prioritySum shifts priorities to be positive so that negative priorities
// do not make more victims look cheaper.
func prioritySum(v []*PodInfo) int64 {
	var s int64
	for _, p := range v {
		s += int64(podPriority(p.Pod)) + 1<<31
	}
	return s
}
