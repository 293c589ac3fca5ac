package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestCmdlineHasDataDir(t *testing.T) {
	for _, tc := range []struct {
		cmdline string
		ok      bool
	}{
		{"/bin/bosun\x00agent\x00--data-dir\x00/s/demo/n1\x00--node-name\x00n1\x00", true},
		{"/bin/bosun\x00server\x00--data-dir=/s/demo/n1\x00", true},
		{"/bin/bosun\x00agent\x00--data-dir\x00/s/demo/n10\x00", false},
		{"/bin/bosun\x00agent\x00--log\x00/s/demo/n1\x00", false},
		{"/bin/bosun\x00agent\x00--data-dir\x00", false},
		{"sleep\x00100\x00", false},
	} {
		if got := cmdlineHasDataDir([]byte(tc.cmdline), "/s/demo/n1"); got != tc.ok {
			t.Errorf("cmdlineHasDataDir(%q) = %v, want %v", tc.cmdline, got, tc.ok)
		}
	}
}

func TestOwnsProcessAndZombies(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", "exit 0", "--data-dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	// Unreaped, the exited child is a zombie: not alive, not ours to signal.
	if !waitExit(t.Context(), pid, 10*time.Second) {
		t.Fatal("exited child still counts as alive")
	}
	if ownsProcess(pid, dir) {
		t.Error("a zombie counts as our running process")
	}
	_ = cmd.Wait()

	// "; :" keeps the shell from exec'ing sleep, so its command line stays.
	sleeper := exec.Command("sh", "-c", "sleep 60; :", "sh", "--data-dir", dir)
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	// Right after fork the child may not have exec'd sh yet.
	deadline := time.Now().Add(10 * time.Second)
	for !ownsProcess(sleeper.Process.Pid, dir) {
		if time.Now().After(deadline) {
			t.Fatal("a running process with our data dir is not ours")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if ownsProcess(sleeper.Process.Pid, filepath.Join(dir, "other")) {
		t.Error("a process with another data dir counts as ours")
	}
	if ownsProcess(0, dir) || ownsProcess(os.Getpid(), dir) {
		t.Error("pid 0 or the test itself counts as ours")
	}
}

func TestTail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(p, []byte("a\nb\nc\nd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := tail(p, 2); got != "c\nd" {
		t.Errorf("tail = %q", got)
	}
	if got := tail(filepath.Join(t.TempDir(), "none"), 2); got != "" {
		t.Errorf("tail of a missing file = %q", got)
	}
}
