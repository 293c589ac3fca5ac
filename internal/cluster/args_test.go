package cluster

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func testCluster() *Cluster {
	c := &Cluster{Name: "demo", Subnet: "172.30.1.0/24", BridgeIP: "172.30.1.1", ClusterCIDR: "10.244.0.0/16",
		RegistryMirrors: []string{defaultMirror("172.30.1.1")}, dir: "/s/demo"}
	c.Nodes = []Node{
		newNode(c, ControlPlaneName("demo"), RoleControlPlane, "172.30.1.2"),
		newNode(c, WorkerName("demo", 1), RoleWorker, "172.30.1.3"),
	}
	return c
}

func TestCommandLines(t *testing.T) {
	c := testCluster()
	c.NodeMonitorGracePeriod = 15 * time.Second
	c.ServerArgs = []string{"--service-cluster-ip-range", "10.1.0.0/24"}
	c.AgentArgs = []string{"--cluster-dns", "10.1.0.10"}
	cp, w := &c.Nodes[0], &c.Nodes[1]
	for _, tc := range []struct {
		name string
		got  []string
		want string
	}{
		{"server", serverArgs(c, cp), "server --data-dir /s/demo/demo-control-plane --secure-port 6443 --advertise-address 172.30.1.2 " +
			"--cluster-cidr 10.244.0.0/16 --node-monitor-grace-period 15s --node-name demo-control-plane --node-ip 172.30.1.2 " +
			"--cgroup-root /bosun-demo.demo-control-plane --pod-bridge bosun0 --registry-mirror localhost:5000=http://172.30.1.1:5000 " +
			"--node-labels node-role.kubernetes.io/control-plane= --service-cluster-ip-range 10.1.0.0/24"},
		{"agent", agentArgs(c, w, Join{Token: "abcdef.0123456789abcdef", CACertHash: "sha256:00"}),
			"agent --data-dir /s/demo/demo-worker-1/agent --server https://172.30.1.2:6443 --token abcdef.0123456789abcdef " +
				"--ca-cert-hash sha256:00 --cluster-cidr 10.244.0.0/16 --node-name demo-worker-1 --node-ip 172.30.1.3 " +
				"--cgroup-root /bosun-demo.demo-worker-1 --pod-bridge bosun0 --registry-mirror localhost:5000=http://172.30.1.1:5000 " +
				"--cluster-dns 10.1.0.10"},
		{"cleanup", cleanupArgs(w), "agent cleanup --keep-images --data-dir /s/demo/demo-worker-1/agent --cgroup-root /bosun-demo.demo-worker-1 --pod-bridge bosun0"},
	} {
		if got := strings.Join(tc.got, " "); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	// What tells a node's process from any other is on its command line.
	for _, n := range c.Nodes {
		args := serverArgs(c, &n)
		if n.Role == RoleWorker {
			args = agentArgs(c, &n, Join{})
		}
		i := slices.Index(args, "--data-dir")
		if i < 0 || args[i+1] != n.processDataDir() {
			t.Errorf("node %s runs with %v, not --data-dir %s", n.Name, args, n.processDataDir())
		}
	}
}

func TestNoGracePeriodOrMirror(t *testing.T) {
	c := testCluster()
	c.RegistryMirrors = []string{}
	got := strings.Join(serverArgs(c, &c.Nodes[0]), " ")
	if strings.Contains(got, "--node-monitor-grace-period") || strings.Contains(got, "--registry-mirror") {
		t.Errorf("server args without a grace period or mirrors: %s", got)
	}
	if c.APIServerURL() != "https://172.30.1.2:6443" {
		t.Errorf("APIServerURL = %s", c.APIServerURL())
	}
	if (&Cluster{}).APIServerURL() != "" {
		t.Error("a cluster without a control plane has an API server URL")
	}
}

func TestMasqueradeRules(t *testing.T) {
	got := masqueradeRules("bosun-cluster-demo", "bosun-demo", testPrefix("172.30.1.0/24"))
	for _, want := range []string{
		"table ip bosun-cluster-demo {",
		"type nat hook postrouting priority srcnat; policy accept;",
		`ip saddr 172.30.1.0/24 ip daddr != 172.30.1.0/24 oifname != "bosun-demo" masquerade`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rules lack %q:\n%s", want, got)
		}
	}
}

func TestParseRoutes(t *testing.T) {
	raw := `[{"dst":"default","gateway":"192.0.2.1"},{"dst":"192.0.2.0/24"},{"dst":"10.9.8.7"},{"dst":"fe80::/64"},{"type":"broadcast","dst":"127.255.255.255"}]`
	got, err := parseRoutes([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"192.0.2.0/24", "10.9.8.7/32", "127.255.255.255/32"}
	if len(got) != len(want) {
		t.Fatalf("parseRoutes = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("parseRoutes[%d] = %v, want %s", i, got[i], want[i])
		}
	}
	if _, err := parseRoutes([]byte("not json")); err == nil {
		t.Error("parseRoutes accepted garbage")
	}
}
