package cluster

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// agentRestart stops only the agent of the node running web-0, as a crash
// or an upgrade would: the pod keeps answering through its Service from
// another node and through the node's NodePort meanwhile, and the agent
// started again adopts it (same container, no restart) rather than
// replacing it.
func agentRestart(t *testing.T, nc *netCluster, node string) {
	ctx := context.Background()
	before, err := nc.kc.CoreV1().Pods("default").Get(ctx, "web-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id, restarts := containerState(before)
	if before.Spec.NodeName != node || id == "" {
		t.Fatalf("web-0 runs on %s with container %q, want a container on %s", before.Spec.NodeName, id, node)
	}
	np, err := nc.kc.CoreV1().Services("default").Get(ctx, "web-np", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nodePort := "http://" + net.JoinHostPort(nc.nodeIP(node), strconv.Itoa(int(np.Spec.Ports[0].NodePort))) + "/cgi-bin/ip"

	if err := nc.m.StopProcess(ctx, nc.c.Name, node); err != nil {
		t.Fatal(err)
	}
	// The node stays Ready (and web-0 an endpoint) for the server's 40s
	// grace period, far longer than this takes.
	if got := fetch(t, nc.kubeconfig, "client", "http://web-0/cgi-bin/ip"); !answeredBy(got, "web-0") {
		t.Errorf("with %s's agent stopped, the web-0 Service answered %v, want web-0", node, got)
	}
	if body := hostGet(t, nodePort); !answeredBy(strings.Fields(body), "web-0", "web-1") {
		t.Errorf("with %s's agent stopped, its NodePort %s answered %q", node, nodePort, body)
	}

	started := time.Now()
	if err := nc.m.StartNode(ctx, nc.c.Name, node); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s's agent back and Ready in %s", node, time.Since(started).Round(100*time.Millisecond))
	after := waitPodsReady(t, nc.kc, "web-0")["web-0"]
	if id2, restarts2 := containerState(after); id2 != id || restarts2 != restarts {
		t.Errorf("web-0 after its agent restarted: container %s, %d restarts; before: %s, %d restarts", id2, restarts2, id, restarts)
	}
	if after.Status.PodIP != before.Status.PodIP || after.UID != before.UID {
		t.Errorf("web-0 after its agent restarted: uid %s, IP %s; before: uid %s, IP %s", after.UID, after.Status.PodIP, before.UID, before.Status.PodIP)
	}
	if got := fetch(t, nc.kubeconfig, "client", "http://web-0/cgi-bin/ip"); !answeredBy(got, "web-0") {
		t.Errorf("after %s's agent restarted, the web-0 Service answered %v, want web-0", node, got)
	}
}
