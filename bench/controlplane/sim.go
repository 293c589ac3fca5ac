package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// simNodes is one `bosun sim` child process.
type simNodes struct {
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
}

// startSim runs `bosun sim` with n nodes (and extra flags args) against
// kubeconfig, logging beside logBase.
func startSim(bin, kubeconfig string, n int, logBase string, args ...string) (*simNodes, error) {
	logPath := logBase + ".sim.log"
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create sim log: %w", err)
	}
	cmd := exec.Command(bin, append([]string{"sim", "--kubeconfig", kubeconfig, "--nodes", strconv.Itoa(n), "--name-prefix", "bench-"}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s sim: %w", bin, err)
	}
	s := &simNodes{cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(s.exited) }()
	return s, nil
}

// stop sends SIGTERM to the sim's PID (SIGKILL after 10 s) and removes its log.
func (s *simNodes) stop() error {
	var err error
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		err = errors.New("sim did not stop within 10 s of SIGTERM; killed")
	}
	_ = os.Remove(s.log)
	return err
}

// waitNodesReady polls until n nodes report Ready.
func waitNodesReady(ctx context.Context, c kubernetes.Interface, s *simNodes, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		list, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err == nil {
			ready := 0
			for _, node := range list.Items {
				for _, cond := range node.Status.Conditions {
					if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready >= n {
				return nil
			}
		}
		select {
		case <-s.exited:
			b, _ := os.ReadFile(s.log)
			return fmt.Errorf("sim exited before its nodes were ready:\n%s", b)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("fewer than %d nodes Ready after %s", n, timeout)
		}
	}
}
