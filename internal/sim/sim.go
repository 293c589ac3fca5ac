package sim

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Run registers the simulated nodes, keeps them alive and runs the pods
// bound to them until ctx ends. It is a client like any other: everything
// goes through cfg's API server.
func Run(ctx context.Context, cfg *rest.Config, opts Options) error {
	o, err := opts.withDefaults()
	if err != nil {
		return err
	}
	cfg = rest.CopyConfig(cfg)
	// A thousand leases every 10 s and ten thousand pod starts must not
	// queue behind client-side throttling.
	cfg.QPS, cfg.Burst = 5000, 10000
	cfg.UserAgent = "bosun-sim"
	// Protobuf, as kubelet speaks: a tenth of JSON's decoding cost per pod.
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	v, err := client.Discovery().ServerVersion()
	if err != nil {
		return fmt.Errorf("get server version: %w", err)
	}
	f := newFleet(client, o)

	start := time.Now()
	fmt.Fprintf(o.Out, "registering %d nodes… ", o.Nodes)
	if err := f.register(ctx, v.GitVersion); err != nil {
		fmt.Fprintln(o.Out, "failed")
		return err
	}
	fmt.Fprintf(o.Out, "done in %.1fs\n", time.Since(start).Seconds())

	factory := informers.NewSharedInformerFactory(client, 0)
	f.watch(factory)
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("sync %v informer: %w", typ, ctx.Err())
		}
	}
	fmt.Fprintf(o.Out, "running %d nodes\n", o.Nodes)
	var wg sync.WaitGroup
	wg.Go(func() { f.runLeases(ctx) })
	wg.Go(func() { f.runNodes(ctx) })
	wg.Go(func() { f.runPods(ctx) })
	wg.Wait()

	if o.Cleanup {
		start = time.Now()
		fmt.Fprintf(o.Out, "deleting %d nodes… ", o.Nodes)
		// ctx is over; cleanup gets a bounded context of its own.
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := f.cleanup(cctx); err != nil {
			fmt.Fprintln(o.Out, "failed")
			return err
		}
		fmt.Fprintf(o.Out, "done in %.1fs\n", time.Since(start).Seconds())
	}
	return nil
}

// register creates every node and its Lease, taking over ones left by an
// earlier run of the same fleet.
func (f *fleet) register(ctx context.Context, kubeletVersion string) error {
	return parallel(ctx, f.order, 32, func(ctx context.Context, n *simNode) error {
		now := time.Now()
		want := newNode(f.o, n.index, kubeletVersion, now)
		got, err := f.client.CoreV1().Nodes().Create(ctx, want, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			got, err = f.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
			if err == nil {
				got.Status.Capacity, got.Status.Allocatable = want.Status.Capacity, want.Status.Allocatable
				got.Status.NodeInfo = want.Status.NodeInfo
				got.Status.Conditions = nil
			}
		}
		if err != nil {
			return fmt.Errorf("register node %s: %w", n.name, err)
		}
		n.uid = got.UID
		n.mu.Lock()
		n.dead = f.failed(got)
		n.mu.Unlock()
		if needsStatus(got, now, f.o.StatusInterval) && !n.dead {
			if err := f.postStatus(ctx, got, now); err != nil {
				return err
			}
		}
		return f.renew(ctx, n, now)
	})
}

// postStatus writes the conditions a healthy kubelet reports at now.
func (f *fleet) postStatus(ctx context.Context, node *corev1.Node, now time.Time) error {
	node = node.DeepCopy()
	node.Status.Conditions = refreshConditions(node.Status.Conditions, now)
	if _, err := f.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("post status of node %s: %w", node.Name, err)
	}
	slog.Debug("Posted node status", "node", node.Name)
	return nil
}

// renew writes the node's Lease, creating it (owned by the node, as
// kubelet does) when it is missing.
func (f *fleet) renew(ctx context.Context, n *simNode, now time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	leases := f.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	renewTime := metav1.NewMicroTime(now)
	if n.lease != nil {
		l := n.lease.DeepCopy()
		l.Spec.RenewTime = &renewTime
		got, err := leases.Update(ctx, l, metav1.UpdateOptions{})
		if err == nil {
			n.lease = got
			return nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			return fmt.Errorf("renew lease of node %s: %w", n.name, err)
		}
		n.lease = nil
	}
	l, err := leases.Get(ctx, n.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		l = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: n.name, Namespace: corev1.NamespaceNodeLease, OwnerReferences: []metav1.OwnerReference{
				{APIVersion: "v1", Kind: "Node", Name: n.name, UID: n.uid}}},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr(n.name), LeaseDurationSeconds: ptr(int32(40)), RenewTime: &renewTime},
		}
		l, err = leases.Create(ctx, l, metav1.CreateOptions{})
	case err == nil:
		l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds, l.Spec.RenewTime = ptr(n.name), ptr(int32(40)), &renewTime
		l, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("write lease of node %s: %w", n.name, err)
	}
	n.lease = l
	return nil
}

func (f *fleet) cleanup(ctx context.Context) error {
	return parallel(ctx, f.order, 32, func(ctx context.Context, n *simNode) error {
		err := f.client.CoreV1().Nodes().Delete(ctx, n.name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete node %s: %w", n.name, err)
		}
		err = f.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(ctx, n.name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete lease of node %s: %w", n.name, err)
		}
		return nil
	})
}

// parallel runs fn over nodes with at most width calls at once and
// returns the first error.
func parallel(ctx context.Context, nodes []*simNode, width int, fn func(context.Context, *simNode) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *simNode)
	var wg sync.WaitGroup
	for range min(width, len(nodes)) {
		wg.Go(func() {
			for n := range work {
				if err := fn(ctx, n); err != nil {
					cancel(err)
				}
			}
		})
	}
	for _, n := range nodes {
		select {
		case work <- n:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return context.Cause(ctx)
}
