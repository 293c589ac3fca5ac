package containerd

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri"
)

// readyTimeout bounds how long a fresh containerd may take to answer CRI.
const readyTimeout = 30 * time.Second

// Process is a supervised containerd: restarted whenever it dies until
// Stop is called.
type Process struct {
	cfg   Config
	paths paths
	log   *slog.Logger

	mu       sync.Mutex
	pid      int
	exited   <-chan struct{}
	waitErr  *error
	started  time.Time
	stopping bool

	stop     chan struct{}
	stopOnce sync.Once
	stopErr  error
	// supervised is closed when the supervisor has returned; nil until
	// Start launches it.
	supervised chan struct{}
}

// Start writes containerd's config, starts containerd (or adopts the one a
// previous agent run left on the same socket), waits until it answers CRI
// and supervises it. ctx bounds only the wait; supervision runs until Stop.
func Start(ctx context.Context, cfg Config) (*Process, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Process{cfg: cfg, paths: pathsFor(cfg.DataDir), log: cfg.Log.With("component", "containerd"),
		stop: make(chan struct{})}
	if err := writeFiles(cfg, p.paths); err != nil {
		return nil, err
	}
	if pid := readPID(p.paths.pidFile); ourContainerd(pid, p.paths.config) {
		p.log.Info("Adopting running containerd", "pid", pid, "endpoint", p.Endpoint())
		p.pid, p.started = pid, time.Now()
		p.exited, p.waitErr = exitWatch(pid, nil)
	} else if err := p.spawn(); err != nil {
		return nil, err
	}
	if err := p.waitReady(ctx); err != nil {
		p.Stop()
		return nil, err
	}
	p.supervised = make(chan struct{})
	go func() { defer close(p.supervised); p.supervise() }()
	return p, nil
}

// Endpoint is the CRI endpoint, "unix:///run/bosun/<hash>/containerd.sock".
func (p *Process) Endpoint() string { return "unix://" + p.paths.socket }

// PID is the process id of the containerd currently supervised.
func (p *Process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

// spawn starts a containerd child in its own process group, so that a
// Ctrl-C in the agent's terminal reaches only the agent, and records its
// pid for a later agent run to adopt.
func (p *Process) spawn() error {
	logFile, err := os.OpenFile(p.paths.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open containerd log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(p.cfg.Binary, "--config", p.paths.config)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.cfg.Binary, err)
	}
	pid := cmd.Process.Pid
	p.pid, p.started = pid, time.Now()
	p.exited, p.waitErr = exitWatch(pid, cmd)
	if err := writePID(p.paths.pidFile, pid); err != nil {
		// Unrecorded, it could be neither adopted nor told apart from a
		// takeover; a new attempt is better than a stray daemon.
		cmd.Process.Kill()
		<-p.exited
		return err
	}
	p.log.Info("Started containerd", "pid", pid, "endpoint", p.Endpoint(), "log", p.paths.log)
	return nil
}

// waitReady dials CRI until it answers, failing early if containerd dies.
func (p *Process) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	c, err := cri.Dial(ctx, p.Endpoint(), readyTimeout)
	if err != nil {
		return fmt.Errorf("containerd not ready (see %s): %w", p.paths.log, err)
	}
	return c.Close()
}

// Stop ends supervision and stops containerd: SIGTERM, then SIGKILL after
// 10s. Only containerd's own pid is signalled; shims and containers keep
// running. Calling it again returns the first result.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		p.mu.Lock()
		p.stopping = true
		pid, exited := p.pid, p.exited
		p.mu.Unlock()
		close(p.stop)
		// Without its pid file no later agent run adopts a containerd on
		// its way out, and a concurrent supervisor knows not to restart it.
		if readPID(p.paths.pidFile) == pid {
			os.Remove(p.paths.pidFile)
		}
		if pid > 0 {
			p.stopErr = terminate(pid, exited)
			p.log.Info("Stopped containerd", "pid", pid)
		}
		if p.supervised != nil {
			<-p.supervised
		}
	})
	return p.stopErr
}
