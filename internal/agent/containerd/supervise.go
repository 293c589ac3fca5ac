package containerd

import (
	"time"
)

// supervise restarts containerd whenever it exits without Stop having been
// called. Its pid file having gone or changed means Purge or another agent
// took it over on purpose, so supervision ends there too.
func (p *Process) supervise() {
	var delay time.Duration
	for {
		p.mu.Lock()
		pid, exited, waitErr, started := p.pid, p.exited, p.waitErr, p.started
		p.mu.Unlock()
		select {
		case <-exited:
		case <-p.stop:
			return
		}
		if readPID(p.paths.pidFile) != pid {
			p.log.Info("Containerd stopped by another owner; not restarting", "pid", pid)
			return
		}
		delay = restartDelay(delay, time.Since(started))
		p.log.Warn("Containerd exited unexpectedly; restarting", "pid", pid, "err", *waitErr, "after", delay, "log", p.paths.log)
		if !p.restart(delay) {
			return
		}
	}
}

// restart waits delay, then starts a new containerd, retrying with growing
// delays while that fails; false means Stop came first.
func (p *Process) restart(delay time.Duration) bool {
	for {
		timer := time.NewTimer(delay)
		select {
		case <-p.stop:
			timer.Stop()
			return false
		case <-timer.C:
		}
		p.mu.Lock()
		if p.stopping {
			p.mu.Unlock()
			return false
		}
		err := p.spawn()
		p.mu.Unlock()
		if err == nil {
			return true
		}
		delay = restartDelay(delay, 0)
		p.log.Error("Containerd restart failed", "err", err, "retryAfter", delay)
	}
}
