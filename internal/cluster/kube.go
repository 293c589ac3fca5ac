package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// writeKubeconfig copies the control plane's admin.kubeconfig, which points
// at the server's loopback address inside its namespace, to the cluster's
// kubeconfig pointing at the node's address the host reaches.
func writeKubeconfig(c *Cluster) error {
	cp := c.ControlPlane()
	cfg, err := clientcmd.LoadFromFile(filepath.Join(cp.DataDir, "admin.kubeconfig"))
	if err != nil {
		return fmt.Errorf("read the control plane's admin kubeconfig: %w", err)
	}
	for _, cl := range cfg.Clusters {
		cl.Server = c.APIServerURL()
	}
	if err := clientcmd.WriteToFile(*cfg, c.Kubeconfig()); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

// client reaches the cluster with its admin kubeconfig.
func client(c *Cluster) (kubernetes.Interface, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig())
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig of cluster %s: %w", c.Name, err)
	}
	rc.Timeout = 10 * time.Second
	return kubernetes.NewForConfig(rc)
}

// nodeFailed reports why a node's process just started is no longer
// running, with the end of its log, or nil while it runs. It asks only
// whether the PID lives: its command line reads empty while nsenter execs
// bosun, and a PID is not reused within the seconds this is asked for.
func nodeFailed(n *Node) error {
	if alive(n.PID) {
		return nil
	}
	return fmt.Errorf("node %s's process (pid %d) exited; %s ends with:\n%s", n.Name, n.PID, n.LogFile(), tail(n.LogFile(), 15))
}

// waitAPI waits until the control plane wrote its admin kubeconfig and
// answers /readyz at the address the host reaches, then writes the
// cluster's kubeconfig.
func waitAPI(ctx context.Context, c *Cluster, timeout time.Duration) error {
	cp := c.ControlPlane()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if err := nodeFailed(cp); err != nil {
			return err
		}
		last = readyz(ctx, c)
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("API server of %s not ready after %s: %v; see %s:\n%s", cp.Name, timeout, last, cp.LogFile(), tail(cp.LogFile(), 15))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func readyz(ctx context.Context, c *Cluster) error {
	if _, err := os.Stat(filepath.Join(c.ControlPlane().DataDir, "admin.kubeconfig")); err != nil {
		return errors.New("no admin kubeconfig yet")
	}
	if err := writeKubeconfig(c); err != nil {
		return err
	}
	kc, err := client(c)
	if err != nil {
		return err
	}
	return kc.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
}

// waitNodesReady waits until every named node's Node is Ready with a
// heartbeat from since on (a Ready left by a node's previous run does not
// count), failing early when a node's process exits. The error names the
// nodes still not Ready and where their logs are.
func waitNodesReady(ctx context.Context, c *Cluster, names []string, since time.Time, timeout time.Duration) error {
	kc, err := client(c)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		pending := map[string]string{}
		for _, name := range names {
			pending[name] = "not registered"
		}
		if list, err := kc.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil {
			for i := range list.Items {
				n := &list.Items[i]
				if _, ok := pending[n.Name]; !ok {
					continue
				}
				if ready(n, since) {
					delete(pending, n.Name)
				} else {
					pending[n.Name] = "not Ready"
				}
			}
		}
		if len(pending) == 0 {
			return nil
		}
		for name := range pending {
			if n := c.Node(name); n != nil {
				if err := nodeFailed(n); err != nil {
					return err
				}
			}
		}
		if time.Now().After(deadline) {
			var msgs []string
			for _, name := range names {
				if why, ok := pending[name]; ok {
					n := c.Node(name)
					msgs = append(msgs, fmt.Sprintf("%s %s after %s; see %s:\n%s", name, why, timeout, n.LogFile(), tail(n.LogFile(), 10)))
				}
			}
			return errors.New(strings.Join(msgs, "\n"))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ready reports a Ready condition heartbeat at or after since (which the
// API's whole-second times round down).
func ready(n *corev1.Node, since time.Time) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue && !c.LastHeartbeatTime.Time.Before(since.Truncate(time.Second))
		}
	}
	return false
}

// deleteNodeObject removes a node from the API, as an operator draining a
// machine for good would; a Node already gone is fine.
func deleteNodeObject(ctx context.Context, c *Cluster, name string) error {
	kc, err := client(c)
	if err != nil {
		return err
	}
	if err := kc.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete Node %s: %w", name, err)
	}
	return nil
}
