package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startInNetns starts binary with args inside a network namespace (the
// host's mount namespace stays, so /sys needs no remount), detached from
// this process: its own session, stdin /dev/null, output appended to
// logFile. It outlives the CLI that started it.
func startInNetns(netns, logFile, binary string, args ...string) (int, error) {
	if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
		return 0, fmt.Errorf("create log dir: %w", err)
	}
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("open log: %w", err)
	}
	defer log.Close()
	cmd := exec.Command("nsenter", append([]string{"--net=" + netnsPath(netns), "--", binary}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s in %s: %w", filepath.Base(binary), netns, err)
	}
	// Reap it should it exit while this process still runs (a test calling
	// the library), so a stopped node does not linger as a zombie.
	go func() { _ = cmd.Wait() }()
	return cmd.Process.Pid, nil
}

// runInNetns runs binary to completion inside a network namespace,
// appending its output to logFile.
func runInNetns(ctx context.Context, netns, logFile, binary string, args ...string) error {
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=" + netnsPath(netns), "--", binary}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s in %s: %w (see %s)", filepath.Base(binary), strings.Join(args[:min(2, len(args))], " "), netns, err, logFile)
	}
	return nil
}

// ownsProcess reports whether pid is still the process a node started:
// alive (not a zombie) and run with the node's data dir. A recorded PID
// the kernel has since given to another program is not ours to signal.
func ownsProcess(pid int, dataDir string) bool {
	if pid <= 0 {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !alive(pid) {
		return false
	}
	return cmdlineHasDataDir(cmdline, dataDir)
}

// cmdlineHasDataDir reports whether a NUL-separated command line names
// dataDir as its --data-dir.
func cmdlineHasDataDir(cmdline []byte, dataDir string) bool {
	args := strings.Split(string(bytes.TrimRight(cmdline, "\x00")), "\x00")
	for i, a := range args {
		if a == "--data-dir="+dataDir || (a == "--data-dir" && i+1 < len(args) && args[i+1] == dataDir) {
			return true
		}
	}
	return false
}

// alive reports whether pid exists and has not exited; a zombie (exited,
// not yet reaped by its parent) counts as gone.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name, which may itself
	// contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	return stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// stopProcess sends SIGTERM, waits up to grace for the process to exit,
// then SIGKILLs it and waits for that too.
func stopProcess(ctx context.Context, pid int, grace time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	if waitExit(ctx, pid, grace) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill process %d: %w", pid, err)
	}
	if !waitExit(ctx, pid, 10*time.Second) {
		return fmt.Errorf("process %d survived SIGKILL", pid)
	}
	return nil
}

func waitExit(ctx context.Context, pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for alive(pid) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// tail returns the last lines of a file, for errors pointing at a log.
func tail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
