package eviction

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// observeHost reads every signal: memory from /proc/meminfo, nodefs from
// the data dir's filesystem, imagefs from the containerd root's (the same
// one unless mounted apart), PIDs from the kernel's limits and task count.
func observeHost(dataDir string) (map[Signal]Observation, error) {
	obs := map[Signal]Observation{}
	mem, err := memory()
	if err != nil {
		return nil, err
	}
	obs[MemoryAvailable] = mem
	bytes, inodes, err := filesystem(dataDir)
	if err != nil {
		return nil, err
	}
	obs[NodeFsAvailable], obs[NodeFsInodesFree] = bytes, inodes
	imageRoot := filepath.Join(dataDir, "containerd")
	if _, err := os.Stat(imageRoot); err != nil {
		imageRoot = dataDir
	}
	if bytes, inodes, err = filesystem(imageRoot); err != nil {
		return nil, err
	}
	obs[ImageFsAvailable], obs[ImageFsInodesFree] = bytes, inodes
	if pids, err := pids(); err == nil {
		obs[PIDAvailable] = pids
	}
	return obs, nil
}

func memory() (Observation, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return Observation{}, fmt.Errorf("read memory: %w", err)
	}
	defer f.Close()
	var o Observation
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, _ := strings.Cut(sc.Text(), ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "MemTotal":
			o.Capacity = kb * 1024
		case "MemAvailable":
			o.Available = kb * 1024
		}
	}
	if o.Capacity == 0 {
		return o, fmt.Errorf("read memory: no MemTotal in /proc/meminfo")
	}
	return o, nil
}

// filesystem is free bytes and free inodes of the filesystem holding dir,
// as an unprivileged user sees them (Bavail), like df.
func filesystem(dir string) (bytes, inodes Observation, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return bytes, inodes, fmt.Errorf("statfs %s: %w", dir, err)
	}
	bs := int64(st.Bsize)
	bytes = Observation{Available: int64(st.Bavail) * bs, Capacity: int64(st.Blocks) * bs}
	inodes = Observation{Available: int64(st.Ffree), Capacity: int64(st.Files)}
	return bytes, inodes, nil
}

// pids is how many more tasks the kernel will create: the lower of pid_max
// and threads-max, less the tasks that exist.
func pids() (Observation, error) {
	limit, err := readInt("/proc/sys/kernel/pid_max")
	if err != nil {
		return Observation{}, err
	}
	if threads, err := readInt("/proc/sys/kernel/threads-max"); err == nil && threads < limit {
		limit = threads
	}
	var info unix.Sysinfo_t
	if err := unix.Sysinfo(&info); err != nil {
		return Observation{}, fmt.Errorf("sysinfo: %w", err)
	}
	return Observation{Available: limit - int64(info.Procs), Capacity: limit}, nil
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", path, err)
	}
	return v, nil
}
