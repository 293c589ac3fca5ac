package cluster

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// saveAt writes a test cluster of that name (with one worker of each
// given name) under stateDir.
func saveAt(t *testing.T, stateDir, name string, workers ...string) *Cluster {
	t.Helper()
	c := &Cluster{Name: name, Subnet: "172.30.1.0/24", dir: filepath.Join(stateDir, name)}
	c.Nodes = append(c.Nodes, newNode(c, ControlPlaneName(name), RoleControlPlane, "172.30.1.2"))
	for _, w := range workers {
		c.Nodes = append(c.Nodes, newNode(c, w, RoleWorker, "172.30.1.3"))
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c := saveAt(t, dir, "demo", "demo-worker-1")
	c.Nodes[1].Join = &Join{Token: "abcdef.0123456789abcdef", CACertHash: "sha256:00"}
	c.Nodes[1].Partitioned = true
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if got.Dir() != c.dir || got.Kubeconfig() != filepath.Join(dir, "demo", "kubeconfig") || len(got.Nodes) != 2 ||
		!got.Nodes[1].Partitioned || *got.Nodes[1].Join != *c.Nodes[1].Join || got.ControlPlane().Name != "demo-control-plane" {
		t.Errorf("loaded %+v", got)
	}
	// The state holds a bootstrap token: only root reads it.
	if fi, err := os.Stat(stateFile(c.dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cluster.json mode %v, %v", fi.Mode(), err)
	}
	if _, err := Load(dir, "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load of a missing cluster: %v", err)
	}
	// A directory without cluster.json is not a cluster.
	if err := os.Mkdir(filepath.Join(dir, "stray"), 0o755); err != nil {
		t.Fatal(err)
	}
	saveAt(t, dir, "alpha")
	all, err := List(dir)
	if err != nil || len(all) != 2 || all[0].Name != "alpha" || all[1].Name != "demo" {
		t.Errorf("List = %v, %v", all, err)
	}
	if none, err := List(filepath.Join(dir, "missing")); err != nil || none != nil {
		t.Errorf("List of a missing state dir = %v, %v", none, err)
	}
}

func TestFindNode(t *testing.T) {
	dir := t.TempDir()
	saveAt(t, dir, "a", "a-worker-1", "shared")
	saveAt(t, dir, "b", "shared")
	m := &Manager{StateDir: dir, Binary: "/bin/true"}
	for _, tc := range []struct {
		node, cluster, want, err string
	}{
		{node: "a-worker-1", want: "a"},
		{node: "b-control-plane", want: "b"},
		{node: "shared", cluster: "b", want: "b"},
		{node: "shared", err: "is in clusters a, b: choose one with --cluster"},
		{node: "a-worker-1", cluster: "b", err: "cluster b has no node a-worker-1"},
		{node: "nosuch", err: "has a node nosuch"},
	} {
		got, err := m.FindNode(tc.node, tc.cluster)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("FindNode(%s, %q) = %q, %v; want an error saying %q", tc.node, tc.cluster, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("FindNode(%s, %q) = %q, %v; want %s", tc.node, tc.cluster, got, err, tc.want)
		}
	}
}
