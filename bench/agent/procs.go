package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runtimeProcs are the PIDs of the agent's containerd and of the shims
// serving its containers, found in /proc: containerd is the agent's child
// named "containerd"; shims re-parent away from it, so they are known by
// the containerd address on their command line.
func runtimeProcs(agentPID int, socket string) (containerdPID int, shims []int, err error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, nil, fmt.Errorf("list processes: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited since the listing
		}
		comm, ppid := statCommPPID(string(stat))
		switch {
		case comm == "containerd" && ppid == agentPID:
			containerdPID = pid
		case strings.HasPrefix(comm, "containerd-shim"):
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err == nil && isShimOf(string(cmdline), socket) {
				shims = append(shims, pid)
			}
		}
	}
	if containerdPID == 0 {
		return 0, nil, fmt.Errorf("no containerd process under the agent (pid %d)", agentPID)
	}
	return containerdPID, shims, nil
}

// statCommPPID reads the command name (field 2) and parent PID (field 4)
// of a /proc/PID/stat line; the name may hold spaces and parentheses.
func statCommPPID(stat string) (string, int) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return "", 0
	}
	f := strings.Fields(stat[end+1:])
	if len(f) < 2 {
		return "", 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return stat[open+1 : end], ppid
}

// isShimOf says whether a NUL-separated shim command line names socket
// (with or without unix://) as its containerd address.
func isShimOf(cmdline, socket string) bool {
	args := strings.Split(cmdline, "\x00")
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-address" && strings.TrimPrefix(args[i+1], "unix://") == socket {
			return true
		}
	}
	return false
}

// mountsUnder lists the mount points at or below dir.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Field 5 is the mount point, with spaces escaped as \040.
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := fields[4]
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out, sc.Err()
}
