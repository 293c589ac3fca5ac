package containerd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopTimeout is how long containerd gets to shut down on SIGTERM before
// SIGKILL; shims and containers survive either.
const stopTimeout = 10 * time.Second

// pollInterval is how often a process that is not our child is checked
// for exit; only a child can be waited for.
const pollInterval = 100 * time.Millisecond

// readPID returns the pid in file, or 0 when there is none.
func readPID(file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func writePID(file string, pid int) error {
	if err := writeAtomic(file, strconv.Itoa(pid)+"\n"); err != nil {
		return fmt.Errorf("record containerd pid: %w", err)
	}
	return nil
}

// ourContainerd reports whether pid is alive and is a containerd started
// with configPath, so a recycled pid is never adopted or signalled.
func ourContainerd(pid int, configPath string) bool {
	if pid <= 0 || !alive(pid) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	for i := 0; i+1 < len(args); i++ {
		if string(args[i]) == "--config" && string(args[i+1]) == configPath {
			return true
		}
	}
	return false
}

// alive reports whether pid runs; a zombie does not, since a PID 1 that
// does not reap would otherwise keep a dead containerd "alive".
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain them.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	state := b[i+2]
	return state != 'Z' && state != 'X'
}

// exitWatch returns a channel closed when the process ends: a child is
// waited for (which also reaps it), anything else is polled.
func exitWatch(pid int, cmd *exec.Cmd) (<-chan struct{}, *error) {
	done := make(chan struct{})
	var waitErr error
	if cmd != nil {
		go func() { waitErr = cmd.Wait(); close(done) }()
		return done, &waitErr
	}
	go func() {
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		for range t.C {
			if !alive(pid) {
				close(done)
				return
			}
		}
	}()
	return done, &waitErr
}

// terminate asks pid to stop, then kills it after stopTimeout, and waits
// until exited is closed.
func terminate(pid int, exited <-chan struct{}) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal containerd %d: %w", pid, err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-exited:
		return nil
	case <-timer.C:
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill containerd %d: %w", pid, err)
	}
	<-exited
	return nil
}
