package cluster

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/cluster"
	"github.com/bosun-dev/bosun/internal/podstatus"
)

// TestLifecycle runs one three-node cluster through what a user does to
// it: create, reach it with kubectl, lose a node and get it back, cut one
// off the network and heal it, add and remove one, delete it.
func TestLifecycle(t *testing.T) {
	needRoot(t)
	c := newCLI(t)
	name := uniqueName()
	cp, w1, w2 := cluster.ControlPlaneName(name), cluster.WorkerName(name, 1), cluster.WorkerName(name, 2)

	out := c.must("create", name, "--nodes", "3", "--node-monitor-grace-period", "15s")
	for _, want := range []string{"Creating network ", "Starting control plane " + cp, "Joining " + w1, "Joining " + w2,
		"Waiting for 3 nodes to be Ready", "Cluster " + name + " ready in ", "export KUBECONFIG="} {
		if !strings.Contains(out, want) {
			t.Errorf("create output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("create:\n%s", out)
	st, err := cluster.Load(c.state, name)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := strings.TrimSpace(c.must("kubeconfig", name))
	if kubeconfig != st.Kubeconfig() {
		t.Errorf("kubeconfig prints %q, want %q", kubeconfig, st.Kubeconfig())
	}
	kc := clientFor(t, kubeconfig)
	ctx := context.Background()

	t.Run("nodes", func(t *testing.T) {
		nodes, err := kc.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ips, cidrs := map[string]string{}, map[string]string{}
		for _, n := range nodes.Items {
			if !nodeReady(&n) {
				t.Errorf("node %s not Ready", n.Name)
			}
			for _, a := range n.Status.Addresses {
				if a.Type == corev1.NodeInternalIP {
					ips[a.Address] = n.Name
					if want := st.Node(n.Name); want == nil || want.IP != a.Address {
						t.Errorf("node %s InternalIP %s, cluster.json says %+v", n.Name, a.Address, want)
					}
				}
			}
			cidrs[n.Spec.PodCIDR] = n.Name
		}
		if len(nodes.Items) != 3 || len(ips) != 3 || len(cidrs) != 3 || cidrs[""] != "" {
			t.Errorf("want 3 nodes with distinct InternalIPs and podCIDRs, got IPs %v, podCIDRs %v", ips, cidrs)
		}
		wide := kubectl(t, kubeconfig, "get", "nodes", "-o", "wide")
		for n, role := range map[string]string{cp: "control-plane", w1: "<none>", w2: "<none>"} {
			if !regexp.MustCompile(`(?m)^` + n + `\s+Ready\s+` + role + `\s`).MatchString(wide) {
				t.Errorf("kubectl get nodes shows no Ready %s with roles %s:\n%s", n, role, wide)
			}
		}
		list := c.must("list")
		if !regexp.MustCompile(`(?m)^` + name + `\s+` + regexp.QuoteMeta(st.Subnet) + `\s+` + st.Bridge + `\s+3\s+3\s+https://`).MatchString(list) {
			t.Errorf("list:\n%s", list)
		}
	})

	t.Run("refused while it exists", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"create", name}, "already exists"},
			{[]string{"create", uniqueName(), "--subnet", st.Subnet}, "overlaps"},
			{[]string{"create", uniqueName(), "--bridge", st.Bridge}, "already exists"},
			{[]string{"node", "add", name, "--name", w1}, "already has a node " + w1},
			{[]string{"node", "remove", cp}, "is the control plane"},
		} {
			if out, err := c.run(tc.args...); err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("bosun cluster %s: %v, want an error saying %q:\n%s", strings.Join(tc.args, " "), err, tc.want, out)
			}
		}
	})

	t.Run("failed create leaves nothing", func(t *testing.T) {
		bad := uniqueName()
		// The server refuses the mirror flag, so the control plane dies
		// after the network is made.
		out, err := c.run("create", bad, "--registry-mirror", "no-equals-sign")
		if err == nil || !strings.Contains(out, "starting control plane") || !strings.Contains(out, "bosun.log ends with") {
			t.Errorf("create with a control plane that cannot start: %v, want an error naming the phase and the log:\n%s", err, out)
		}
		if left := leftovers(c.state, bad, cluster.DefaultBridge(bad), []string{cluster.ControlPlaneName(bad)}); len(left) > 0 {
			t.Errorf("failed create left:\n%s\ncreate said:\n%s", strings.Join(left, "\n"), out)
		}
	})

	for _, n := range st.Nodes {
		importBusybox(t, n.AgentDataDir())
	}

	t.Run("node failure", func(t *testing.T) { nodeFailure(t, c, kc, name) })
	t.Run("partition", func(t *testing.T) { partition(t, c, kc, name, w2) })

	t.Run("add and remove", func(t *testing.T) {
		out := c.must("node", "add", name)
		w3 := cluster.WorkerName(name, 3)
		if !strings.Contains(out, "Node "+w3+" added") {
			t.Fatalf("node add:\n%s", out)
		}
		if n, err := kc.CoreV1().Nodes().Get(ctx, w3, metav1.GetOptions{}); err != nil || !nodeReady(n) {
			t.Fatalf("added node %s not Ready: %v", w3, err)
		}
		c.must("node", "remove", w3)
		if _, err := kc.CoreV1().Nodes().Get(ctx, w3, metav1.GetOptions{}); err == nil {
			t.Errorf("removed node %s still has its Node", w3)
		}
		if out := c.must("node", "list", name); strings.Contains(out, w3) {
			t.Errorf("removed node still listed:\n%s", out)
		}
		if left := nodeLeftovers(c.state, name, w3); len(left) > 0 {
			t.Errorf("removed node left:\n%s", strings.Join(left, "\n"))
		}
	})

	c.must("delete", name)
	var names []string
	for _, n := range st.Nodes {
		names = append(names, n.Name)
	}
	if left := leftovers(c.state, name, st.Bridge, names); len(left) > 0 {
		t.Errorf("delete left:\n%s", strings.Join(left, "\n"))
	}
	if out, err := c.run("delete", name); err == nil || !strings.Contains(out, "not found") {
		t.Errorf("second delete: %v:\n%s", err, out)
	}
}

// nodeFailure stops the worker running a Deployment's pod: its Node turns
// NotReady, the pods come back on the other nodes, and once started again
// it is Ready with no stale pods.
func nodeFailure(t *testing.T, c *cli, kc kubernetes.Interface, name string) {
	ctx := context.Background()
	ns := "default"
	labels := map[string]string{"app": "spread"}
	tolerate := func(key string) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](2)}
	}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "spread"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](1),
					Tolerations:                   []corev1.Toleration{tolerate("node.kubernetes.io/unreachable"), tolerate("node.kubernetes.io/not-ready")},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector: &metav1.LabelSelector{MatchLabels: labels},
					}},
					Containers: []corev1.Container{{
						Name: "c", Image: busyboxImage, ImagePullPolicy: corev1.PullIfNotPresent,
						Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"},
					}},
				},
			},
		},
	}
	if _, err := kc.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = kc.AppsV1().Deployments(ns).Delete(ctx, "spread", metav1.DeleteOptions{}) }()
	running := func(avoid string) (map[string]int, error) {
		pods, err := kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=spread"})
		if err != nil {
			return nil, err
		}
		on := map[string]int{}
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil && podstatus.Ready(&p) && p.Spec.NodeName != avoid {
				on[p.Spec.NodeName]++
			}
		}
		return on, nil
	}
	var on map[string]int
	poll(t, 90*time.Second, "3 pods Ready", func() (bool, error) {
		var err error
		on, err = running("")
		return sum(on) == 3, err
	})
	victim := ""
	for i := 1; i <= 2 && victim == ""; i++ {
		if w := cluster.WorkerName(name, i); on[w] > 0 {
			victim = w
		}
	}
	if victim == "" {
		t.Fatalf("no worker runs a pod of the spread Deployment: %v", on)
	}
	t.Logf("pods on %v; stopping %s", on, victim)

	c.must("node", "stop", victim)
	if out := c.must("node", "list", name); !regexp.MustCompile(`(?m)^` + victim + `\s+worker\s+\S+\s+stopped\s`).MatchString(out) {
		t.Errorf("node list after stop:\n%s", out)
	}
	poll(t, 60*time.Second, victim+" NotReady", func() (bool, error) {
		n, err := kc.CoreV1().Nodes().Get(ctx, victim, metav1.GetOptions{})
		return err == nil && !nodeReady(n), err
	})
	poll(t, 90*time.Second, "3 pods Ready on the other nodes", func() (bool, error) {
		on, err := running(victim)
		return sum(on) == 3, err
	})

	c.must("node", "start", victim)
	n, err := kc.CoreV1().Nodes().Get(ctx, victim, metav1.GetOptions{})
	if err != nil || !nodeReady(n) {
		t.Fatalf("%s not Ready after node start: %v", victim, err)
	}
	poll(t, 60*time.Second, "no stale pods on "+victim, func() (bool, error) {
		pods, err := kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + victim})
		return err == nil && len(pods.Items) == 0, err
	})
}

// partition cuts a worker off: its Node turns NotReady, and Ready again
// once healed.
func partition(t *testing.T, c *cli, kc kubernetes.Interface, name, node string) {
	ctx := context.Background()
	c.must("partition", node)
	if out := c.must("node", "list", name); !regexp.MustCompile(`(?m)^` + node + `\s+worker\s+\S+\s+running,partitioned\s`).MatchString(out) {
		t.Errorf("node list of a partitioned node:\n%s", out)
	}
	poll(t, 60*time.Second, node+" NotReady while partitioned", func() (bool, error) {
		n, err := kc.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		return err == nil && !nodeReady(n), err
	})
	healed := time.Now()
	c.must("heal", node)
	poll(t, 60*time.Second, node+" Ready after heal", func() (bool, error) {
		n, err := kc.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		return err == nil && nodeReady(n) && !readyHeartbeat(n).Before(healed.Truncate(time.Second)), err
	})
}

func clientFor(t *testing.T, kubeconfig string) kubernetes.Interface {
	t.Helper()
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	rc.Timeout = 10 * time.Second
	return kubernetes.NewForConfigOrDie(rc)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func readyHeartbeat(n *corev1.Node) time.Time {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.LastHeartbeatTime.Time
		}
	}
	return time.Time{}
}

// poll waits for cond, transient API errors included, failing with what
// was awaited.
func poll(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, err := cond()
		last = err
		return ok, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v (last error: %v)", what, err, last)
	}
}

func sum(m map[string]int) int {
	total := 0
	for _, v := range m {
		total += v
	}
	return total
}
