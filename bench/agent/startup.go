package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/bench/internal/harness"
	"github.com/bosun-dev/bosun/internal/podstatus"
)

// readyWatch records when each pod of a namespace is first seen Ready on a
// watch, and the pod as it was then.
type readyWatch struct {
	mu    sync.Mutex
	at    map[string]time.Time
	pods  map[string]*corev1.Pod
	w     watch.Interface
	done  chan struct{}
	err   error // why the watch ended early; read after done
	count chan struct{}
}

func watchReady(ctx context.Context, c kubernetes.Interface, ns string) (*readyWatch, error) {
	w, err := c.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("watch pods in %s: %w", ns, err)
	}
	r := &readyWatch{at: map[string]time.Time{}, pods: map[string]*corev1.Pod{}, w: w,
		done: make(chan struct{}), count: make(chan struct{}, 1024)}
	go func() {
		defer close(r.done)
		for ev := range w.ResultChan() {
			now := time.Now()
			switch ev.Type {
			case watch.Error:
				r.err = fmt.Errorf("watch pods in %s: %v", ns, ev.Object)
				return
			case watch.Added, watch.Modified:
				p, ok := ev.Object.(*corev1.Pod)
				if !ok || !podstatus.Ready(p) {
					continue
				}
				r.mu.Lock()
				if _, seen := r.at[p.Name]; !seen {
					r.at[p.Name], r.pods[p.Name] = now, p
					r.count <- struct{}{}
				}
				r.mu.Unlock()
			}
		}
		r.err = fmt.Errorf("watch pods in %s: closed by the server", ns)
	}()
	return r, nil
}

func (r *readyWatch) stop() { r.w.Stop(); <-r.done }

// wait blocks until n pods have been seen Ready.
func (r *readyWatch) wait(ctx context.Context, n int, timeout time.Duration) error {
	deadline := time.After(timeout)
	for seen := 0; seen < n; seen++ {
		select {
		case <-r.count:
		case <-r.done:
			return r.err
		case <-deadline:
			return fmt.Errorf("%d of %d pods Ready after %s", seen, n, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// startup creates n pods at once and measures each from its create call to
// the watch event showing it Ready, and (at the API's one-second
// resolution) from creationTimestamp to the Ready condition's
// lastTransitionTime.
func (b *bench) startup(ctx context.Context, n int) error {
	rw, err := watchReady(ctx, b.c, b.ns)
	if err != nil {
		return err
	}
	defer rw.stop()
	created := make([]time.Time, n)
	label := fmt.Sprintf("startup: %d pods created at once, image present", n)
	if err := harness.Phase(b.out, label, func() error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				pod := sleeper(fmt.Sprintf("sleep-%02d", i), b.image)
				created[i] = time.Now()
				_, errs[i] = b.c.CoreV1().Pods(b.ns).Create(ctx, pod, metav1.CreateOptions{})
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return fmt.Errorf("create pod: %w", err)
			}
		}
		return rw.wait(ctx, n, 2*time.Minute)
	}); err != nil {
		return err
	}
	rw.mu.Lock()
	defer rw.mu.Unlock()
	var watched, recorded []time.Duration
	for i := range n {
		name := fmt.Sprintf("sleep-%02d", i)
		watched = append(watched, rw.at[name].Sub(created[i]))
		p := rw.pods[name]
		recorded = append(recorded, podstatus.Condition(p, corev1.PodReady).LastTransitionTime.Sub(p.CreationTimestamp.Time))
	}
	b.loadAverage("after startup")
	watched, recorded = harness.Sorted(watched), harness.Sorted(recorded)
	b.rep.Latency("create → Ready p50 (create call → watch event)", harness.Quantile(watched, 0.5), "", 0)
	b.rep.Latency("create → Ready p99 (create call → watch event)", harness.Quantile(watched, 0.99), "<", 2*time.Second)
	b.rep.Latency("create → Ready p50 (pod timestamps, 1 s steps)", harness.Quantile(recorded, 0.5), "", 0)
	b.rep.Latency("create → Ready p99 (pod timestamps, 1 s steps)", harness.Quantile(recorded, 0.99), "", 0)
	return nil
}

// sleeper is a pod that runs until deleted.
func sleeper(name, image string) *corev1.Pod {
	grace := int64(1)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "bench"}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "sleep", Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"sleep", "3600"},
			}},
		},
	}
}
