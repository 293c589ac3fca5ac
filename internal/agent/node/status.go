package node

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/version"
)

// statusUpdateRetries is how often a conflicting status write is retried
// on a fresh read within one sync, as kubelet's nodeStatusUpdateRetry.
const statusUpdateRetries = 5

// runtimeTimeout bounds the CRI calls of one status sync, so a stuck
// runtime shows as NotReady instead of freezing the status.
const runtimeTimeout = 10 * time.Second

// observation is everything the status is computed from, read once per sync.
type observation struct {
	info        corev1.NodeSystemInfo
	addresses   []corev1.NodeAddress
	port        int32
	capacity    corev1.ResourceList
	allocatable corev1.ResourceList
	images      []corev1.ContainerImage
	health      health
}

// nodeStatus is old with everything the agent owns replaced by what it
// observed at now; fields others own (volumes, config…) stay.
func nodeStatus(old corev1.NodeStatus, o observation, now time.Time, nodeName string) (corev1.NodeStatus, []event) {
	st := *old.DeepCopy()
	st.NodeInfo = o.info
	st.Addresses = o.addresses
	st.DaemonEndpoints.KubeletEndpoint.Port = o.port
	if o.capacity != nil {
		st.Capacity, st.Allocatable = o.capacity, o.allocatable
	}
	st.Images = o.images
	var events []event
	st.Conditions, events = conditions(old.Conditions, o.health, now, nodeName)
	return st, events
}

// observe reads the host, the runtime and the pressure signals. Failures
// of single sources degrade the status (NotReady, no images, capacity
// unchanged) rather than skip the heartbeat.
func (n *Node) observe(ctx context.Context) observation {
	cfg := n.cfg
	ctx, cancel := context.WithTimeout(ctx, runtimeTimeout)
	defer cancel()
	o := observation{
		info:      n.info,
		addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: cfg.NodeIP}, {Type: corev1.NodeHostName, Address: cfg.Hostname}},
		port:      cfg.KubeletPort,
	}
	o.info.KubeletVersion = version.GitVersion()
	if v, err := cfg.Runtime.Version(ctx, &runtimeapi.VersionRequest{}); err != nil {
		cfg.Log.Warn("Container runtime version unavailable", "node", cfg.NodeName, "err", err)
	} else {
		o.info.ContainerRuntimeVersion = v.GetRuntimeName() + "://" + v.GetRuntimeVersion()
	}
	st, err := cfg.Runtime.Status(ctx, &runtimeapi.StatusRequest{})
	if err != nil {
		cfg.Log.Warn("Container runtime status unavailable", "node", cfg.NodeName, "err", err)
	}
	o.health.notReady = runtimeErrors(st.GetStatus(), err)
	o.health.memory, o.health.disk, o.health.pid = cfg.Pressure()
	if imgs, err := cfg.Images.ListImages(ctx, &runtimeapi.ListImagesRequest{}); err != nil {
		cfg.Log.Warn("Image list unavailable", "node", cfg.NodeName, "err", err)
	} else {
		o.images = nodeImages(imgs.GetImages())
	}
	if c, err := cfg.Capacity(); err != nil {
		cfg.Log.Warn("Node capacity unavailable", "node", cfg.NodeName, "err", err)
	} else {
		o.capacity = capacity(c, cfg.MaxPods)
		o.allocatable = allocatable(o.capacity, cfg.Reserved, cfg.EvictionHard)
	}
	return o
}

// syncStatus posts the node's status through the status subresource,
// re-reading the Node on conflict, then records the transitions' events
// and hands a newly seen podCIDR to PodCIDRReady.
func (n *Node) syncStatus(ctx context.Context) (ready bool, err error) {
	cfg := n.cfg
	o := n.observe(ctx)
	ready = len(o.health.notReady) == 0
	nodes := cfg.Client.CoreV1().Nodes()
	for range statusUpdateRetries {
		var node *corev1.Node
		node, err = nodes.Get(ctx, cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			return false, fmt.Errorf("get node %s: %w", cfg.NodeName, err)
		}
		n.setUID(node.UID)
		n.podCIDRSeen(node.Spec.PodCIDR)
		st, events := nodeStatus(node.Status, o, cfg.Clock.Now(), cfg.NodeName)
		if apiequality.Semantic.DeepEqual(st, node.Status) {
			return ready, nil
		}
		node.Status = st
		if _, err = nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{}); apierrors.IsConflict(err) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("update status of node %s: %w", cfg.NodeName, err)
		}
		for _, e := range events {
			n.recorder.Event(n.ref(), corev1.EventTypeNormal, e.reason, e.message)
		}
		return ready, nil
	}
	return false, fmt.Errorf("update status of node %s: still conflicting after %d tries: %w", cfg.NodeName, statusUpdateRetries, err)
}

// podCIDRSeen calls PodCIDRReady the first time the spec carries a podCIDR.
func (n *Node) podCIDRSeen(cidr string) {
	if cidr == "" || n.cidrDone || n.cfg.PodCIDRReady == nil {
		return
	}
	n.cidrDone = true
	n.cfg.Log.Info("Node podCIDR assigned", "node", n.cfg.NodeName, "podCIDR", cidr)
	n.cfg.PodCIDRReady(cidr)
}
