package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bosun-dev/bosun/bench/internal/harness"
	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/hostaddr"
	"github.com/bosun-dev/bosun/internal/pki"
)

// benchClusterCIDR is the server's --cluster-cidr: outside `make run`'s
// 10.244.0.0/16 and the 10.128.0.0–10.247.255.255 test clusters pick from.
const benchClusterCIDR = "10.250.0.0/16"

// certTTL outlives any bench run.
const certTTL = 24 * time.Hour

// agentProc is one `bosun agent` child process and what it must leave
// behind when removed: nothing.
type agentProc struct {
	bin        string
	cmd        *exec.Cmd
	dir        string // holds certs/, data/ and agent.log
	nodeName   string
	cgroupRoot string
	bridge     string
	exited     chan struct{}
	waitErr    error
}

func (a *agentProc) dataDir() string { return filepath.Join(a.dir, "data") }
func (a *agentProc) pid() int        { return a.cmd.Process.Pid }
func (a *agentProc) logPath() string { return filepath.Join(a.dir, "agent.log") }

// containerdSocket is where the agent's containerd listens.
func (a *agentProc) containerdSocket() string {
	return filepath.Join(containerd.RunDir(a.dataDir()), "containerd.sock")
}

// startAgent issues a node client certificate (system:node:<name> in
// system:nodes) and a serving certificate from srv's CA, read without
// writing to the server's files, and starts `bosun agent` with them.
func startAgent(bin string, srv *harness.Server) (*agentProc, error) {
	id := make([]byte, 3)
	_, _ = rand.Read(id)
	suffix := hex.EncodeToString(id)
	dir, err := os.MkdirTemp("", "bosun-bench-agent-")
	if err != nil {
		return nil, fmt.Errorf("make agent dir: %w", err)
	}
	a := &agentProc{bin: bin, dir: dir, nodeName: "bench-" + suffix,
		cgroupRoot: "/bosun-bench-" + suffix, bridge: "bb" + suffix, exited: make(chan struct{})}
	args, err := a.writeCredentials(srv)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	port, err := harness.FreePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	logFile, err := os.Create(a.logPath())
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("create agent log: %w", err)
	}
	a.cmd = exec.Command(bin, append([]string{"agent",
		"--data-dir", a.dataDir(),
		"--node-name", a.nodeName,
		"--node-ip", hostaddr.IPv4(),
		"--kubelet-port", strconv.Itoa(port),
		"--cgroup-root", a.cgroupRoot,
		"--pod-bridge", a.bridge}, args...)...)
	a.cmd.Stdout, a.cmd.Stderr = logFile, logFile
	if err := a.cmd.Start(); err != nil {
		logFile.Close()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s agent: %w", bin, err)
	}
	go func() {
		a.waitErr = a.cmd.Wait()
		logFile.Close()
		close(a.exited)
	}()
	return a, nil
}

// writeCredentials writes the agent's kubeconfig and certificates and
// returns the flags naming them.
func (a *agentProc) writeCredentials(srv *harness.Server) ([]string, error) {
	ca, err := pki.LoadCA(srv.DataDir())
	if err != nil {
		return nil, fmt.Errorf("agent certificates: %w", err)
	}
	certPEM, keyPEM, err := ca.IssueClientCert("system:node:"+a.nodeName, []string{"system:nodes"}, certTTL)
	if err != nil {
		return nil, err
	}
	servingPEM, servingKeyPEM, err := ca.IssueServingCert(a.nodeName, []string{a.nodeName, "localhost", "127.0.0.1", hostaddr.IPv4()}, certTTL)
	if err != nil {
		return nil, err
	}
	certs := filepath.Join(a.dir, "certs")
	if err := os.MkdirAll(certs, 0o700); err != nil {
		return nil, fmt.Errorf("agent certificates: %w", err)
	}
	kubeconfig := filepath.Join(certs, "kubelet.kubeconfig")
	if err := pki.WriteKubeconfig(kubeconfig, srv.URL(), ca.CAPEM, certPEM, keyPEM, "bosun-node"); err != nil {
		return nil, fmt.Errorf("agent kubeconfig: %w", err)
	}
	files := []struct {
		flag, name string
		data       []byte
	}{
		{"--tls-cert-file", "serving.crt", servingPEM},
		{"--tls-private-key-file", "serving.key", servingKeyPEM},
		{"--client-ca-file", "ca.crt", ca.CAPEM},
	}
	args := []string{"--kubeconfig", kubeconfig}
	for _, f := range files {
		path := filepath.Join(certs, f.name)
		if err := os.WriteFile(path, f.data, 0o600); err != nil {
			return nil, fmt.Errorf("agent certificates: %w", err)
		}
		args = append(args, f.flag, path)
	}
	return args, nil
}

// stop sends SIGTERM to the agent's PID and kills that PID if it has not
// exited within 30 s. The agent leaves its pods running; remove clears them.
func (a *agentProc) stop() error {
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
		return nil
	case <-time.After(30 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.exited
		return errors.New("agent did not stop within 30 s of SIGTERM; killed")
	}
}

// remove runs `bosun agent cleanup` for the agent's data dir, cgroup root
// and bridge, then deletes the data dir unless something is still mounted
// under it (deleting through a mount would reach outside the dir).
func (a *agentProc) remove(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, a.bin, "agent", "cleanup", "--data-dir", a.dataDir(),
		"--cgroup-root", a.cgroupRoot, "--pod-bridge", a.bridge).CombinedOutput()
	if err != nil {
		return fmt.Errorf("bosun agent cleanup: %w\n%s", err, out)
	}
	mounts, err := mountsUnder(a.dir)
	if err != nil {
		return err
	}
	if len(mounts) > 0 {
		return fmt.Errorf("bosun agent cleanup left mounts under %s: %s", a.dir, strings.Join(mounts, ", "))
	}
	if err := os.RemoveAll(a.dir); err != nil {
		return fmt.Errorf("remove agent dir: %w", err)
	}
	return nil
}

// logTail is the end of the agent's log, for error messages.
func (a *agentProc) logTail() string {
	b, err := os.ReadFile(a.logPath())
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n--- agent log (tail) ---\n" + string(b)
}
