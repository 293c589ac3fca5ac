package cluster

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/cluster"
)

// leftovers lists what a deleted cluster (named name, state in stateDir,
// with this bridge and nodes) left on the host: anything of its nodes,
// any network namespace with its prefix, its bridge, its nftables table,
// its state.
func leftovers(stateDir, name, bridge string, nodes []string) []string {
	var left []string
	for _, n := range nodes {
		left = append(left, nodeLeftovers(stateDir, name, n)...)
	}
	if entries, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), cluster.NetnsPrefix(name)) {
				left = append(left, "netns "+e.Name())
			}
		}
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		left = append(left, "link "+bridge)
	}
	if exec.Command("nft", "list", "table", "ip", cluster.NFTable(name)).Run() == nil {
		left = append(left, "nft table "+cluster.NFTable(name))
	}
	if dir := filepath.Join(stateDir, name); exists(dir) {
		left = append(left, "state dir "+dir)
	}
	return left
}

// nodeLeftovers lists what a removed node left: its namespace, host veth,
// cgroups, processes run from its directory or on its containerd, the
// containerd's run dir, its directory.
func nodeLeftovers(stateDir, name, node string) []string {
	var left []string
	if ns := cluster.Netns(name, node); exists("/run/netns/" + ns) {
		left = append(left, "netns "+ns)
	}
	if veth := cluster.HostVeth(name, node); veth != "" {
		if _, err := net.InterfaceByName(veth); err == nil {
			left = append(left, "link "+veth)
		}
	}
	for _, pattern := range []string{"/sys/fs/cgroup/*" + cluster.CgroupRoot(name, node), "/sys/fs/cgroup" + cluster.CgroupRoot(name, node)} {
		dirs, _ := filepath.Glob(pattern)
		for _, d := range dirs {
			left = append(left, "cgroup "+d)
		}
	}
	dir := filepath.Join(stateDir, name, node)
	runDir := containerd.RunDir(filepath.Join(dir, "agent"))
	if exists(runDir) {
		left = append(left, "containerd run dir "+runDir)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		cmdline, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if bytes.Contains(cmdline, []byte(dir+"/")) || bytes.Contains(cmdline, []byte(dir+"\x00")) || bytes.Contains(cmdline, []byte(runDir)) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			left = append(left, fmt.Sprintf("process %d %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	if exists(dir) {
		left = append(left, "node dir "+dir)
	}
	return left
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
