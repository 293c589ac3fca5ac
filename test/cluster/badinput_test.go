package cluster

import (
	"os"
	"strings"
	"testing"
)

// TestBadInput: every refused request says why and changes nothing.
func TestBadInput(t *testing.T) {
	c := newCLI(t)
	name := uniqueName()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "Bad_Name"}, "invalid cluster name"},
		{[]string{"create", strings.Repeat("a", 21)}, "at most 20 characters"},
		{[]string{"create", name, "--nodes", "0"}, "--nodes must be at least 1"},
		// lo's 127.0.0.1/8 is on every host.
		{[]string{"create", name, "--subnet", "127.0.0.0/24"}, "overlaps 127.0.0.0/8"},
		{[]string{"create", name, "--subnet", "10.1.0.0/29", "--nodes", "6"}, "room for 5 nodes"},
		{[]string{"create", name, "--bridge", "lo"}, "bridge lo already exists"},
		{[]string{"create", name, "--subnet", "10.1.0.0/24", "--cluster-cidr", "10.1.0.0/16"}, "cluster CIDR 10.1.0.0/16 overlaps the node subnet 10.1.0.0/24"},
		{[]string{"create", name, "--cluster-cidr", "10.0.0.0/8"}, "cluster CIDR 10.0.0.0/8 overlaps the Service range 10.0.0.0/24"},
		{[]string{"create", name, "--node-monitor-grace-period", "8s"}, "must exceed the 10s in which agents renew"},
		{[]string{"create", name, "--bridge", "name-far-too-long"}, "invalid bridge name"},
		{[]string{"node", "stop", "nosuch-node"}, "no cluster in " + c.state + " has a node nosuch-node"},
		{[]string{"node", "start", "nosuch-node"}, "has a node nosuch-node"},
		{[]string{"partition", "nosuch-node"}, "has a node nosuch-node"},
		{[]string{"heal", "nosuch-node"}, "has a node nosuch-node"},
		{[]string{"node", "add", name}, "cluster " + name + " not found"},
		{[]string{"delete", name}, "cluster " + name + " not found"},
		{[]string{"kubeconfig", name}, "cluster " + name + " not found"},
	} {
		out, err := c.run(tc.args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("bosun cluster %s: %v, want an error saying %q; output:\n%s", strings.Join(tc.args, " "), err, tc.want, out)
		}
		if entries, _ := os.ReadDir(c.state); len(entries) > 0 {
			t.Fatalf("bosun cluster %s left %s in the state dir", strings.Join(tc.args, " "), entries[0].Name())
		}
	}
	if out := c.must("list"); strings.TrimSpace(out) != "NAME   SUBNET   BRIDGE   NODES   RUNNING   API SERVER" {
		t.Errorf("list of no clusters:\n%s", out)
	}
}
