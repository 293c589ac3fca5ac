package harness

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Server is one `bosun server` child process on its own data dir.
type Server struct {
	cmd     *exec.Cmd
	dir     string
	port    int
	logPath string
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed
}

// StartServer execs bin (with extra server flags args) on a fresh temp data
// dir and a free loopback port.
// It does not wait for readiness; see WaitReady.
func StartServer(bin string, args ...string) (*Server, error) {
	dir, err := os.MkdirTemp("", "bosun-bench-")
	if err != nil {
		return nil, fmt.Errorf("make data dir: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// The log lives beside, not inside, the data dir so it survives for
	// reading after a failed start; stop removes both.
	logPath := dir + ".log"
	logFile, err := os.Create(logPath)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("create server log: %w", err)
	}
	cmd := exec.Command(bin, append([]string{"server",
		"--data-dir", filepath.Join(dir, "data"),
		"--secure-port", strconv.Itoa(port),
		"--bind-address", "127.0.0.1",
		"--disable-agent"}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		_ = os.RemoveAll(dir)
		_ = os.Remove(logPath)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &Server{cmd: cmd, dir: dir, port: port, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	return s, nil
}

// URL is the server's HTTPS address; Kubeconfig its admin kubeconfig.
func (s *Server) URL() string        { return "https://127.0.0.1:" + strconv.Itoa(s.port) }
func (s *Server) Kubeconfig() string { return filepath.Join(s.dir, "data", "admin.kubeconfig") }

// DataDir is the server's --data-dir (its pki lives under it).
func (s *Server) DataDir() string { return filepath.Join(s.dir, "data") }

// WaitReady polls /readyz every 10 ms until it answers 200 and returns how
// long that took since start.
func (s *Server) WaitReady(start time.Time, timeout time.Duration) (time.Duration, error) {
	client := &http.Client{
		Timeout: time.Second,
		Transport: &http.Transport{
			// readyz is public; the server's CA is not known before it
			// starts, so there is nothing to verify against yet.
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
			DisableKeepAlives: false,
		},
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(s.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("server not ready after %s (log: %s)%s", timeout, s.logPath, s.LogTail())
		}
		select {
		case <-s.exited:
			return 0, fmt.Errorf("server exited before ready: %v%s", s.waitErr, s.LogTail())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM to the server's PID, kills that PID if it has not
// exited after 15 s, and removes its data dir and log.
func (s *Server) Stop() error {
	var err error
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
			err = errors.New("server did not stop within 15 s of SIGTERM; killed")
		}
	}
	_ = os.RemoveAll(s.dir)
	_ = os.Remove(s.logPath)
	return err
}

// Memory reads the server's resident memory from /proc.
func (s *Server) Memory() (Memory, error) { return ReadMemory(s.cmd.Process.Pid) }

// LogTail is the end of the server's log, for error messages.
func (s *Server) LogTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n--- server log (tail) ---\n" + string(b)
}

// FreePort is a loopback TCP port nobody listens on.
func FreePort() (int, error) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// ClientConfig loads a kubeconfig for a bench client: no client-side rate
// limit, since the server is what is measured.
func ClientConfig(path string) (*rest.Config, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	rc.QPS, rc.Burst = 100000, 100000
	rc.UserAgent = "bosun-bench"
	return rc, nil
}
