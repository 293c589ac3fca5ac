package cluster

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/internal/cluster"
)

// netCluster is a running three-node cluster with the network test's pods:
// a client on worker 1, web-0 on worker 2 and web-1 on the control plane.
type netCluster struct {
	m          *cluster.Manager
	c          *cluster.Cluster
	kubeconfig string
	kc         kubernetes.Interface
	pods       map[string]*corev1.Pod
	outside    *outside
}

// nodeIP returns a node's address on the cluster subnet.
func (nc *netCluster) nodeIP(node string) string { return nc.c.Node(node).IP }

// TestNetwork checks the pod network of a three-node cluster end to end:
// pods reach pods on other nodes from their own addresses, Services work
// by name through cluster DNS, headless and NodePort ones too, traffic
// leaving the cluster takes the node's address, names outside the cluster
// domain are forwarded, and pods keep their network while their agent
// restarts. A stand-in outside on the cluster's bridge plays the world.
func TestNetwork(t *testing.T) {
	needRoot(t)
	cli := newCLI(t)
	name := uniqueName()
	cp, w1, w2 := cluster.ControlPlaneName(name), cluster.WorkerName(name, 1), cluster.WorkerName(name, 2)
	ctx := context.Background()

	// The CLI has no flag for server arguments: the library creates the
	// cluster, in the state dir whose clusters the CLI deletes at the end.
	outIP := pickOutsideAddr(t)
	var progress bytes.Buffer
	m := &cluster.Manager{StateDir: cli.state, Binary: cli.bin, Out: &progress}
	c, err := m.Create(ctx, name, cluster.CreateOptions{
		Nodes:      3,
		ServerArgs: []string{"--dns-upstreams", net.JoinHostPort(outIP.String(), "53")},
	})
	t.Logf("create:\n%s", progress.String())
	if err != nil {
		t.Fatal(err)
	}
	nc := &netCluster{m: m, c: c, kubeconfig: c.Kubeconfig(), kc: clientFor(t, c.Kubeconfig())}
	nc.outside = startOutside(t, outIP, c.Bridge, c.BridgeIP)
	for _, n := range c.Nodes {
		importBusybox(t, n.AgentDataDir())
	}

	for _, p := range []*corev1.Pod{netPod("client", w1, false), netPod("web-0", w2, true), netPod("web-1", cp, true)} {
		if _, err := nc.kc.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	web := map[string]string{"app": "web"}
	for _, s := range []*corev1.Service{
		webService("web", web, corev1.ServiceTypeClusterIP, ""),
		webService("web-headless", web, corev1.ServiceTypeClusterIP, corev1.ClusterIPNone),
		webService("web-np", web, corev1.ServiceTypeNodePort, ""),
		webService("web-0", map[string]string{"pod": "web-0"}, corev1.ServiceTypeClusterIP, ""),
	} {
		if _, err := nc.kc.CoreV1().Services("default").Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nc.pods = waitPodsReady(t, nc.kc, "client", "web-0", "web-1")

	t.Run("pod to pod", func(t *testing.T) { podToPod(t, nc) })
	t.Run("services", func(t *testing.T) { services(t, nc) })
	t.Run("outside", func(t *testing.T) { reachOutside(t, nc, map[string]string{"client": w1, "web-1": cp}) })
	t.Run("agent restart", func(t *testing.T) { agentRestart(t, nc, w2) })

	// Pods that outlived an agent restart (their shims were started by the
	// containerd before) go with the cluster too.
	cli.must("delete", name)
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	if left := leftovers(cli.state, name, c.Bridge, names); len(left) > 0 {
		t.Errorf("delete left:\n%s", strings.Join(left, "\n"))
	}
}

// podToPod: a pod reaches pods on other nodes at their pod IPs, in both
// directions, and the server sees the client pod's own address (nothing
// masquerades traffic that stays in the cluster CIDR).
func podToPod(t *testing.T, nc *netCluster) {
	ctx := context.Background()
	cidrs := map[string]bool{}
	for _, p := range nc.pods {
		n, err := nc.kc.CoreV1().Nodes().Get(ctx, p.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cidr, err := netip.ParsePrefix(n.Spec.PodCIDR)
		if err != nil || !cidr.Contains(netip.MustParseAddr(p.Status.PodIP)) {
			t.Errorf("pod %s has IP %s outside its node %s's podCIDR %q", p.Name, p.Status.PodIP, n.Name, n.Spec.PodCIDR)
		}
		cidrs[n.Spec.PodCIDR] = true
	}
	if len(cidrs) != 3 {
		t.Errorf("the three pods should be in three nodes' podCIDRs, got %v", cidrs)
	}
	for _, tc := range []struct{ from, to string }{{"client", "web-0"}, {"client", "web-1"}, {"web-1", "web-0"}} {
		got := fetch(t, nc.kubeconfig, tc.from, "http://"+net.JoinHostPort(nc.pods[tc.to].Status.PodIP, "8080")+"/cgi-bin/ip")
		want := []string{nc.pods[tc.from].Status.PodIP, tc.to}
		if !slices.Equal(got, want) {
			t.Errorf("%s (on %s) to %s (on %s) by pod IP: the server saw %v, want %v",
				tc.from, nc.pods[tc.from].Spec.NodeName, tc.to, nc.pods[tc.to].Spec.NodeName, got, want)
		}
	}
}

// reachOutside: pods on different nodes reach an address outside the
// cluster from their node's address, and resolve a name outside the
// cluster domain through cluster DNS, which forwards it to the upstream
// the server was given.
func reachOutside(t *testing.T, nc *netCluster, podNodes map[string]string) {
	url := "http://" + net.JoinHostPort(nc.outside.ip.String(), "8080") + "/"
	for pod, node := range podNodes {
		got := fetch(t, nc.kubeconfig, pod, url)
		if want := nc.nodeIP(node); !slices.Equal(got, []string{want}) {
			t.Errorf("%s (on %s) reached the outside as %v, want its node's address %s", pod, node, got, want)
		}
	}

	var out string
	poll(t, 30*time.Second, "client resolving "+outsideName, func() (bool, error) {
		var err error
		out, err = execPod(nc.kubeconfig, "client", "nslookup", strings.TrimSuffix(outsideName, "."))
		if err != nil {
			return false, &execError{err, out}
		}
		return strings.Contains(out, "Address: "+outsideAnswer.String()), nil
	})
	if queries := nc.outside.questions(); !slices.Contains(queries, outsideName+" A") {
		t.Errorf("the stand-in upstream was never asked for %s A; it was asked %v; nslookup said:\n%s", outsideName, queries, out)
	}
}
