package node

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// health is what the agent observed, from which its conditions follow.
type health struct {
	// notReady holds why the node cannot run pods; empty means Ready.
	notReady []string
	memory   bool
	disk     bool
	pid      bool
}

// event is a Node event to record, in kubelet's words.
type event struct {
	reason  string
	message string
}

// wording is kubelet's reason and message for one condition either way,
// and the event it records when the condition turns that way.
type wording struct {
	reason, message, event string
}

// pressureWording holds, per pressure condition, the False (healthy) and
// True (under pressure) wording.
var pressureWording = map[corev1.NodeConditionType][2]wording{
	corev1.NodeMemoryPressure: {
		{"KubeletHasSufficientMemory", "kubelet has sufficient memory available", "NodeHasSufficientMemory"},
		{"KubeletHasInsufficientMemory", "kubelet has insufficient memory available", "NodeHasInsufficientMemory"},
	},
	corev1.NodeDiskPressure: {
		{"KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"},
		{"KubeletHasDiskPressure", "kubelet has disk pressure", "NodeHasDiskPressure"},
	},
	corev1.NodePIDPressure: {
		{"KubeletHasSufficientPID", "kubelet has sufficient PID available", "NodeHasSufficientPID"},
		{"KubeletHasInsufficientPID", "kubelet has insufficient PID available", "NodeHasInsufficientPID"},
	},
}

// conditions is the node's condition list at now: kubelet's four in its
// order with a fresh heartbeat, each transition time kept unless its status
// changed, then the conditions other components own, untouched. The events
// are those kubelet records for each condition that turned, and for each
// pressure condition that appeared (kubelet starts those Unknown; Ready
// only records a change from a status it already had).
func conditions(old []corev1.NodeCondition, h health, now time.Time, nodeName string) ([]corev1.NodeCondition, []event) {
	t := metav1.NewTime(now)
	var out []corev1.NodeCondition
	var events []event
	set := func(typ corev1.NodeConditionType, status corev1.ConditionStatus, w wording) {
		c := corev1.NodeCondition{Type: typ, Status: status, Reason: w.reason, Message: w.message, LastHeartbeatTime: t, LastTransitionTime: t}
		prev := find(old, typ)
		switch {
		case prev != nil && prev.Status == status:
			c.LastTransitionTime = prev.LastTransitionTime
		case prev != nil || typ != corev1.NodeReady:
			events = append(events, event{reason: w.event, message: fmt.Sprintf("Node %s status is now: %s", nodeName, w.event)})
		}
		out = append(out, c)
	}
	for _, p := range []struct {
		typ      corev1.NodeConditionType
		pressure bool
	}{{corev1.NodeMemoryPressure, h.memory}, {corev1.NodeDiskPressure, h.disk}, {corev1.NodePIDPressure, h.pid}} {
		if p.pressure {
			set(p.typ, corev1.ConditionTrue, pressureWording[p.typ][1])
		} else {
			set(p.typ, corev1.ConditionFalse, pressureWording[p.typ][0])
		}
	}
	if len(h.notReady) == 0 {
		set(corev1.NodeReady, corev1.ConditionTrue, wording{"KubeletReady", "kubelet is posting ready status", "NodeReady"})
	} else {
		set(corev1.NodeReady, corev1.ConditionFalse, wording{"KubeletNotReady", aggregate(h.notReady), "NodeNotReady"})
	}
	for _, c := range old {
		if c.Type != corev1.NodeReady && pressureWording[c.Type][0].reason == "" {
			out = append(out, c)
		}
	}
	return out, events
}

func find(cs []corev1.NodeCondition, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}

// aggregate joins messages as apimachinery's error aggregate prints them,
// which is what kubelet's NotReady message is.
func aggregate(msgs []string) string {
	if len(msgs) == 1 {
		return msgs[0]
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}

// runtimeErrors is why the container runtime cannot run pods, in kubelet's
// words, from its CRI status (or the error getting it).
func runtimeErrors(st *runtimeapi.RuntimeStatus, err error) []string {
	if err != nil || st == nil {
		return []string{"container runtime is down"}
	}
	var errs []string
	var runtimeReady, networkReady *runtimeapi.RuntimeCondition
	for _, c := range st.GetConditions() {
		switch c.GetType() {
		case runtimeapi.RuntimeReady:
			runtimeReady = c
		case runtimeapi.NetworkReady:
			networkReady = c
		}
	}
	if runtimeReady == nil || !runtimeReady.Status {
		errs = append(errs, "container runtime not ready: "+conditionString(runtimeapi.RuntimeReady, runtimeReady))
	}
	if networkReady == nil || !networkReady.Status {
		errs = append(errs, "container runtime network not ready: "+conditionString(runtimeapi.NetworkReady, networkReady))
	}
	return errs
}

func conditionString(typ string, c *runtimeapi.RuntimeCondition) string {
	if c == nil {
		return typ + "=false reason: message:condition not reported"
	}
	return fmt.Sprintf("%s=%t reason:%s message:%s", typ, c.Status, c.Reason, c.Message)
}
