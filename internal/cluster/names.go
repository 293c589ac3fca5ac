package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxNameLen bounds cluster names so the names derived from them (node names,
// network namespaces, cgroups, the nftables table) stay readable and legal.
const MaxNameLen = 20

// maxIfName is Linux's IFNAMSIZ minus the terminating NUL.
const maxIfName = 15

// Node roles.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
)

// ValidateName checks a cluster name: a DNS label of at most MaxNameLen characters.
func ValidateName(name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("invalid cluster name %q: %s", name, strings.Join(errs, "; "))
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("invalid cluster name %q: at most %d characters", name, MaxNameLen)
	}
	return nil
}

// ValidateNodeName checks a node name: a DNS label, as the Node object, the
// network namespace and the cgroup are all named after it.
func ValidateNodeName(name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("invalid node name %q: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

// ValidateBridgeName checks a Linux interface name.
func ValidateBridgeName(name string) error {
	if name == "" || len(name) > maxIfName || strings.ContainsAny(name, "/: \t\n") || name == "." || name == ".." {
		return fmt.Errorf("invalid bridge name %q: 1-%d characters, no '/', ':' or spaces", name, maxIfName)
	}
	return nil
}

// DefaultBridge names a cluster's host bridge "bosun-<name>", or, when that
// is too long for an interface, a prefix of the name and a hash of all of it.
// The "bosun" prefix also keeps hostaddr from taking its address for the
// host's own.
func DefaultBridge(cluster string) string {
	if b := "bosun-" + cluster; len(b) <= maxIfName {
		return b
	}
	return "bosun-" + cluster[:4] + "-" + shortHash(cluster, 4)
}

// ControlPlaneName is the control-plane node's name.
func ControlPlaneName(cluster string) string { return cluster + "-" + RoleControlPlane }

// WorkerName is the i-th worker's default name (from 1).
func WorkerName(cluster string, i int) string {
	return cluster + "-worker-" + strconv.Itoa(i)
}

// NetnsPrefix starts the name of every network namespace of the cluster; a
// dot follows the cluster name because neither cluster nor node names may
// contain one, so no two clusters' prefixes overlap.
func NetnsPrefix(cluster string) string { return "bosun-" + cluster + "." }

// Netns names a node's network namespace; the node's cgroup root is named
// alike.
func Netns(cluster, node string) string { return NetnsPrefix(cluster) + node }

// CgroupRoot is the cgroup a node's pods live under.
func CgroupRoot(cluster, node string) string { return "/" + Netns(cluster, node) }

// HostVeth names the host end of a node's veth pair. It is a hash because
// no readable name of both cluster and node fits in 15 characters; "veth"
// keeps hostaddr from taking it for the host's address.
func HostVeth(cluster, node string) string { return "veth" + shortHash(Netns(cluster, node), 8) }

// NFTable is the host nftables table (family ip) masquerading the cluster's traffic.
func NFTable(cluster string) string { return "bosun-cluster-" + cluster }

func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}
