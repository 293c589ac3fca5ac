package cluster

import (
	"net"
	"strings"
)

// APIPort is the port every cluster's API server serves on, inside the
// control-plane node's namespace.
const APIPort = "6443"

// podBridge is the pod bridge inside every node's namespace; namespaces
// keep the nodes' apart, so all use the agent's default name.
const podBridge = "bosun0"

// APIServerURL is the control plane's address as nodes and the host reach it.
func (c *Cluster) APIServerURL() string {
	cp := c.ControlPlane()
	if cp == nil {
		return ""
	}
	return "https://" + net.JoinHostPort(cp.IP, APIPort)
}

// defaultMirror sends pulls of localhost:5000 images to a registry on the
// host (hack/testimages.sh serves one on 0.0.0.0:5000), which nodes reach
// at the bridge's address.
func defaultMirror(bridgeIP string) string {
	return "localhost:5000=http://" + net.JoinHostPort(bridgeIP, "5000")
}

// nodeArgs are the flags the server's local agent and `bosun agent` share.
func nodeArgs(c *Cluster, n *Node) []string {
	args := []string{
		"--node-name", n.Name,
		"--node-ip", n.IP,
		"--cgroup-root", n.CgroupRoot,
		"--pod-bridge", podBridge,
	}
	if len(c.RegistryMirrors) > 0 {
		args = append(args, "--registry-mirror", strings.Join(c.RegistryMirrors, ","))
	}
	if n.Role == RoleControlPlane {
		// kubectl get nodes shows it in ROLES, as on a kubeadm cluster; the
		// node takes pods like any other (no NoSchedule taint).
		args = append(args, "--node-labels", "node-role.kubernetes.io/control-plane=")
	}
	return args
}

// serverArgs is the control-plane node's command line after the binary.
func serverArgs(c *Cluster, n *Node) []string {
	args := []string{"server",
		"--data-dir", n.DataDir,
		"--secure-port", APIPort,
		"--advertise-address", n.IP,
		"--cluster-cidr", c.ClusterCIDR,
	}
	if c.NodeMonitorGracePeriod > 0 {
		args = append(args, "--node-monitor-grace-period", c.NodeMonitorGracePeriod.String())
	}
	args = append(args, nodeArgs(c, n)...)
	return append(args, c.ServerArgs...)
}

// Join is what a worker needs to join: a bootstrap token and the pin of
// the cluster CA's public key.
type Join struct {
	Token      string `json:"token"`
	CACertHash string `json:"caCertHash"`
}

// agentArgs is a worker's command line after the binary.
func agentArgs(c *Cluster, n *Node, join Join) []string {
	args := []string{"agent",
		"--data-dir", n.AgentDataDir(),
		"--server", c.APIServerURL(),
		"--token", join.Token,
		"--ca-cert-hash", join.CACertHash,
		"--cluster-cidr", c.ClusterCIDR,
	}
	args = append(args, nodeArgs(c, n)...)
	return append(args, c.AgentArgs...)
}

// cleanupArgs removes a stopped node's pods and containerd as a power-off
// would, keeping images for its next start.
func cleanupArgs(n *Node) []string {
	return []string{"agent", "cleanup", "--keep-images",
		"--data-dir", n.AgentDataDir(),
		"--cgroup-root", n.CgroupRoot,
		"--pod-bridge", podBridge,
	}
}
