package apiserver_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestKubectlThroughAgent runs the installed kubectl: its WebSocket exec
// (v5.channel.k8s.io), and port-forward's SPDY tunnelled in a WebSocket.
func TestKubectlThroughAgent(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatal("kubectl is not installed")
	}
	c := startAgentCluster(t)
	kubectl := func(args ...string) (string, error) {
		out, err := exec.Command("kubectl", append([]string{"--kubeconfig", c.env.Kubeconfig}, args...)...).CombinedOutput()
		return string(out), err
	}

	if out, err := kubectl("logs", "web", "-c", "server"); err != nil || out != "hello\nworld\n" {
		t.Fatalf("kubectl logs: %q %v", out, err)
	}
	if out, _ := kubectl("logs", "web"); !strings.Contains(out, "Defaulted container \"server\"") && !strings.Contains(out, "hello") {
		t.Fatalf("kubectl logs without a container: %q", out)
	}
	if out, err := kubectl("logs", "web", "-c", "sidecar"); err == nil || !strings.Contains(out, `Error from server (BadRequest): container "sidecar" in pod "web" is waiting to start: ContainerCreating`) {
		t.Fatalf("kubectl logs of a waiting container: %q %v", out, err)
	}

	c.rt.StreamURL = c.streams + "?streams=3" // kubectl asks for stdout and stderr
	out, err := kubectl("exec", "web", "-c", "server", "--", "sh", "-c", "exit 3")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(out, "hi") {
		t.Fatalf("kubectl exec: %q %v, want hi and exit code 3", out, err)
	}

	pf := exec.Command("kubectl", "--kubeconfig", c.env.Kubeconfig, "port-forward", "pod/web", ":8080")
	var pfErr strings.Builder
	pf.Stderr = &pfErr
	stdout, err := pf.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pf.Process.Kill()
		pf.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := regexp.MustCompile(`Forwarding from (127\.0\.0\.1:\d+) -> 8080`).FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("kubectl port-forward said %q, %v; stderr %s", line, err, pfErr.String())
	}
	conn, err := net.DialTimeout("tcp", m[1], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("port-forward echo = %q, %v; %s", buf, err, pfErr.String())
	}
}
