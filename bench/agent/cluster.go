package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/bench/internal/harness"
)

// waitNodeReady polls the agent's Node until it is Ready with a podCIDR.
func (b *bench) waitNodeReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n, err := b.c.CoreV1().Nodes().Get(ctx, b.agent.nodeName, metav1.GetOptions{})
		if err == nil && n.Spec.PodCIDR != "" && nodeReady(n) {
			return nil
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("get node %s: %w", b.agent.nodeName, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s not Ready with a podCIDR after %s", b.agent.nodeName, timeout)
		}
		select {
		case <-b.agent.exited:
			return fmt.Errorf("agent exited: %v", b.agent.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (b *bench) namespace(ctx context.Context) error {
	_, err := b.c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.ns}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create namespace %s: %w", b.ns, err)
	}
	return nil
}

// teardown deletes the bench's pods and waits for the agent to stop them,
// then stops the agent by its PID and runs `bosun agent cleanup`, which
// removes whatever is still left. It runs on a context of its own, since
// the bench's may have been cancelled by a signal.
func (b *bench) teardown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var errs []error
	if err := harness.Phase(b.out, "deleting pods", func() error { return b.deletePods(ctx) }); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, harness.Phase(b.out, "stopping agent and cleaning up", func() error {
		return errors.Join(b.agent.stop(), b.agent.remove(ctx))
	}))
	return errors.Join(errs...)
}

func (b *bench) deletePods(ctx context.Context) error {
	if err := b.c.CoreV1().Pods(b.ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pods: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		l, err := b.c.CoreV1().Pods(b.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("list pods: %w", err)
		}
		if len(l.Items) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d pods not gone a minute after deletion", len(l.Items))
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}
