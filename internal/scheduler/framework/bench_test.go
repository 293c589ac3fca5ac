package framework

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// benchCluster is 1,000 nodes in 3 zones with prefill pods already placed
// round-robin, as 100 Deployments would leave them.
func benchCluster(prefill int, opts func(app string) []podOpt) *Snapshot {
	nodes := nodesNamed(1000, "32", "256Gi", 110, func(i int) map[string]string {
		return map[string]string{corev1.LabelTopologyZone: fmt.Sprint("zone-", i%3)}
	})
	placed := map[string][]*corev1.Pod{}
	for i := 0; i < prefill; i++ {
		p := benchPod(i, opts)
		placed[nodes[i%len(nodes)].Name] = append(placed[nodes[i%len(nodes)].Name], p)
	}
	return cluster(nodes, placed)
}

func benchPod(i int, opts func(app string) []podOpt) *corev1.Pod {
	app := fmt.Sprint("app-", i%100)
	all := append([]podOpt{requests("100m", "128Mi"), withLabels("app", app)}, opts(app)...)
	p := pod(fmt.Sprint("p-", i), all...)
	p.UID = types.UID(fmt.Sprint("uid-", i))
	return p
}

func benchSchedule(b *testing.B, opts func(app string) []podOpt) {
	snap := benchCluster(5000, opts)
	a := New(Config{Parallelism: 2})
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	for i := 0; i < b.N; i++ {
		p := benchPod(5000+i, opts)
		pi := NewPodInfo(p)
		pi.DefaultSpread = labels.SelectorFromSet(labels.Set{"app": p.Labels["app"]})
		res, _, err := a.Schedule(pi, snap)
		if err != nil {
			b.Fatal(err)
		}
		p.Spec.NodeName = res.Node
		snap.Get(res.Node).AddPod(pi)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pods/s")
	// On a shared machine wall time swings with other load; the CPU the
	// process spent per pod (all goroutines) is what a change moves.
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSchedule1000Nodes: plain pods of Deployments (system default
// spreading applies) onto 1,000 nodes holding 5,000 pods.
func BenchmarkSchedule1000Nodes(b *testing.B) {
	benchSchedule(b, func(string) []podOpt { return nil })
}

// BenchmarkSchedule1000NodesAntiAffinitySpread: every pod has required
// hostname anti-affinity against its own app and a zone spread constraint.
func BenchmarkSchedule1000NodesAntiAffinitySpread(b *testing.B) {
	benchSchedule(b, func(app string) []podOpt {
		sel := map[string]string{"app": app}
		return []podOpt{antiAffinity(corev1.LabelHostname, sel), spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, sel)}
	})
}
