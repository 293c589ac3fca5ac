package sim

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// zones spreads nodes round-robin so topology spread constraints have
// something to spread over.
var zones = []string{"sim-a", "sim-b", "sim-c"}

// nodeName is the name of node i.
func nodeName(prefix string, i int) string { return fmt.Sprintf("%s%d", prefix, i) }

// newNode is node i as kubelet would register it.
func newNode(o Options, i int, kubeletVersion string, now time.Time) *corev1.Node {
	name := nodeName(o.NamePrefix, i)
	resources := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(o.CPU),
		corev1.ResourceMemory:           resource.MustParse(o.Memory),
		corev1.ResourcePods:             *resource.NewQuantity(int64(o.Pods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:           name,
				corev1.LabelOSStable:           "linux",
				corev1.LabelArchStable:         "amd64",
				"beta.kubernetes.io/os":        "linux",
				"beta.kubernetes.io/arch":      "amd64",
				corev1.LabelInstanceTypeStable: "sim",
				corev1.LabelTopologyZone:       zones[i%len(zones)],
				corev1.LabelTopologyRegion:     "sim",
				"node.bosun.dev/simulated":     "true",
			},
			Annotations: map[string]string{"volumes.kubernetes.io/controller-managed-attach-detach": "true"},
		},
		Status: corev1.NodeStatus{
			Capacity:    resources,
			Allocatable: resources.DeepCopy(),
			Phase:       corev1.NodeRunning,
			Conditions:  refreshConditions(nil, now),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: nodeIP(i).String()},
				{Type: corev1.NodeHostName, Address: name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID:               fmt.Sprintf("%032x", i+1),
				SystemUUID:              fmt.Sprintf("00000000-0000-0000-0000-%012x", i+1),
				BootID:                  fmt.Sprintf("%032x", now.UnixNano()),
				KernelVersion:           "6.1.0-sim",
				OSImage:                 "Bosun simulated node",
				ContainerRuntimeVersion: "sim://1.0.0",
				KubeletVersion:          kubeletVersion,
				OperatingSystem:         "linux",
				Architecture:            "amd64",
			},
		},
	}
}

// healthy is the condition set of a kubelet with nothing to report.
var healthy = []corev1.NodeCondition{
	{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
	{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
	{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
	{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
}

// refreshConditions is what kubelet posts at now: the healthy set with a
// fresh heartbeat, keeping each transition time whose status is unchanged
// (so a node coming back from Unknown shows when it did).
func refreshConditions(old []corev1.NodeCondition, now time.Time) []corev1.NodeCondition {
	t := metav1.NewTime(now.Truncate(time.Second))
	out := make([]corev1.NodeCondition, 0, len(healthy)+len(old))
	for _, h := range healthy {
		h.LastHeartbeatTime, h.LastTransitionTime = t, t
		for _, o := range old {
			if o.Type == h.Type && o.Status == h.Status {
				h.LastTransitionTime = o.LastTransitionTime
			}
		}
		out = append(out, h)
	}
	// Conditions other components own (NetworkUnavailable…) stay as they are.
	for _, o := range old {
		if !isKubeletCondition(o.Type) {
			out = append(out, o)
		}
	}
	return out
}

func isKubeletCondition(t corev1.NodeConditionType) bool {
	for _, h := range healthy {
		if h.Type == t {
			return true
		}
	}
	return false
}

// needsStatus says whether a live node's status must be posted now: it is
// not reporting Ready (the node controller marked it Unknown), or its last
// heartbeat is older than the report interval.
func needsStatus(n *corev1.Node, now time.Time, every time.Duration) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status != corev1.ConditionTrue || now.Sub(c.LastHeartbeatTime.Time) >= every
		}
	}
	return true
}
