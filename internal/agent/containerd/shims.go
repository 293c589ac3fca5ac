package containerd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// shimsOf returns the PIDs of containerd shims serving the containerd at
// socket: their command line names it after -address, which no other
// containerd on the host shares.
func shimsOf(socket string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if isShimOf(cmdline, socket) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// isShimOf reports whether a NUL-separated command line is a containerd
// shim started for socket.
func isShimOf(cmdline []byte, socket string) bool {
	args := strings.Split(string(bytes.TrimRight(cmdline, "\x00")), "\x00")
	if len(args) == 0 || !strings.HasPrefix(filepath.Base(args[0]), "containerd-shim") {
		return false
	}
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-address" && args[i+1] == socket {
			return true
		}
	}
	return false
}

// stopShims waits briefly for the shims of a purged containerd to exit on
// their own (their containers are gone; they follow shortly), then kills the
// rest. A shim outliving its containerd would otherwise stay forever.
func stopShims(socket string) error {
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && len(shimsOf(socket)) > 0 {
		time.Sleep(100 * time.Millisecond)
	}
	var errs []error
	for _, pid := range shimsOf(socket) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("kill shim %d: %w", pid, err))
		}
	}
	return errors.Join(errs...)
}
