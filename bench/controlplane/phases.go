package main

import (
	"context"
	"fmt"
	"io"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/bench/internal/harness"
	"github.com/bosun-dev/bosun/internal/podstatus"
)

// bench is what every phase works with.
type bench struct {
	out  io.Writer
	c    kubernetes.Interface
	t    *tracker
	rep  *harness.Report
	sz   sizes
	prof profiler
	sim  *simNodes
}

// schedule creates sz.deployments Deployments of sz.replicas pods (spread
// ones when withSpread) in a fresh namespace and measures until all pods
// are bound. The pods stay: later phases schedule beside them, as in a
// cluster that is in use.
func (b *bench) schedule(ctx context.Context, name string, withSpread bool, target float64) error {
	ns := "bench-" + name
	if err := b.namespace(ctx, ns); err != nil {
		return err
	}
	var ds []*appsv1.Deployment
	for i := range b.sz.deployments {
		d := deployment(fmt.Sprintf("d%03d", i), int32(b.sz.replicas))
		if withSpread {
			d = spread(d)
		}
		ds = append(ds, d)
	}
	total := b.sz.deployments * b.sz.replicas
	label := fmt.Sprintf("%s: %d pods as %d Deployments on %d nodes", name, total, b.sz.deployments, b.sz.nodes)
	var took time.Duration
	cpu, err := startCPU(b.sim.cmd.Process.Pid, 5*time.Second)
	if err != nil {
		return err
	}
	profiled := b.prof.start(ctx, b.c, name)
	if err := harness.Phase(b.out, label, func() error {
		start := time.Now()
		if err := createAll(ctx, b.c, ns, ds, 16); err != nil {
			return err
		}
		err := waitFor(ctx, 10*time.Minute, "all pods bound", func() (bool, error) { return b.t.boundIn(ns) >= total, nil })
		took = time.Since(start)
		return err
	}); err != nil {
		return err
	}
	if err := profiled(); err != nil {
		return err
	}
	rate := float64(total) / took.Seconds()
	b.rep.Add(harness.Figure{Name: name + ": pods bound per second", Value: fmt.Sprintf("%.0f /s", rate), Target: fmt.Sprintf("≥ %.0f /s", target), Pass: rate >= target})
	perPod, err := cpu.perItem(total)
	if err != nil {
		return err
	}
	b.rep.Add(harness.Figure{Name: name + ": CPU per pod", Value: perPod})
	b.rep.Add(harness.Figure{Name: name + ": CPU rate before the phase", Value: cpu.idleRates()})
	lat := harness.Sorted(b.t.latencies(ns))
	b.rep.Latency(name+": scheduling latency p50", harness.Quantile(lat, 0.5), "", 0)
	b.rep.Latency(name+": scheduling latency p99", harness.Quantile(lat, 0.99), "", 0)
	return nil
}

// rollout rolls a Deployment of sz.rollout replicas to a new image and
// measures until every replica is updated and available.
func (b *bench) rollout(ctx context.Context) error {
	ns := "bench-rollout"
	if err := b.namespace(ctx, ns); err != nil {
		return err
	}
	d := deployment("big", int32(b.sz.rollout))
	if err := harness.Phase(b.out, fmt.Sprintf("rollout: creating a %d-replica Deployment", b.sz.rollout), func() error {
		if _, err := b.c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			return err
		}
		return b.waitRolledOut(ctx, ns, d.Name, 10*time.Minute)
	}); err != nil {
		return err
	}
	var took time.Duration
	if err := harness.Phase(b.out, "rollout: new image, maxSurge 25%", func() error {
		start := time.Now()
		patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"bench:2"}]}}}}`)
		if _, err := b.c.AppsV1().Deployments(ns).Patch(ctx, d.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return err
		}
		err := b.waitRolledOut(ctx, ns, d.Name, 5*time.Minute)
		took = time.Since(start)
		return err
	}); err != nil {
		return err
	}
	b.rep.Latency(fmt.Sprintf("rollout of %d replicas to a new image", b.sz.rollout), took, "<", 30*time.Second)
	return nil
}

// nodeFailure fails the node running most of a Deployment's pods and
// measures until the Deployment has all its replicas Ready elsewhere.
func (b *bench) nodeFailure(ctx context.Context) error {
	ns := "bench-nodefail"
	if err := b.namespace(ctx, ns); err != nil {
		return err
	}
	d := deployment("web", int32(b.sz.failReplicas))
	five := int64(5)
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		d.Spec.Template.Spec.Tolerations = append(d.Spec.Template.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &five})
	}
	if err := harness.Phase(b.out, fmt.Sprintf("nodefail: creating a %d-replica Deployment", b.sz.failReplicas), func() error {
		if _, err := b.c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			return err
		}
		return b.waitRolledOut(ctx, ns, d.Name, 5*time.Minute)
	}); err != nil {
		return err
	}
	perNode := map[string]int{}
	victim := ""
	for _, p := range b.t.pods(ns) {
		perNode[p.Spec.NodeName]++
		if victim == "" || perNode[p.Spec.NodeName] > perNode[victim] {
			victim = p.Spec.NodeName
		}
	}
	var took time.Duration
	what := fmt.Sprintf("nodefail: failing %s (%d pods), waiting for replacements", victim, perNode[victim])
	if err := harness.Phase(b.out, what, func() error {
		start := time.Now()
		patch := []byte(`{"metadata":{"annotations":{"sim.bosun.dev/fail":"true"}}}`)
		if _, err := b.c.CoreV1().Nodes().Patch(ctx, victim, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return err
		}
		err := waitFor(ctx, 3*time.Minute, "replacements Ready", func() (bool, error) {
			ready := 0
			for _, p := range b.t.pods(ns) {
				if p.Spec.NodeName != victim && p.DeletionTimestamp == nil && podstatus.Ready(p) {
					ready++
				}
			}
			return ready >= b.sz.failReplicas, nil
		})
		took = time.Since(start)
		return err
	}); err != nil {
		return err
	}
	b.rep.Latency("node failure: pods replaced elsewhere", took, "<", 20*time.Second)
	return nil
}

func (b *bench) waitRolledOut(ctx context.Context, ns, name string, timeout time.Duration) error {
	return waitFor(ctx, timeout, "deployment "+name+" rolled out", func() (bool, error) {
		d, err := b.c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return rolledOut(d), nil
	})
}

func (b *bench) namespace(ctx context.Context, ns string) error {
	_, err := b.c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

// waitFor polls cond every 50 ms until it holds, fails, or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("wait for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not after %s", what, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
