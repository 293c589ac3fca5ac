package main

import (
	"context"
	"fmt"
	"github.com/bosun-dev/bosun/bench/internal/harness"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// createResult is the outcome of a create run.
type createResult struct {
	names     []string
	elapsed   time.Duration
	latencies []time.Duration // sorted
}

func (r createResult) rate() float64 { return float64(len(r.names)) / r.elapsed.Seconds() }

// createConfigMaps creates ConfigMaps in ns from len(clients) goroutines,
// one per client, until limit creates or the duration has passed.
func createConfigMaps(ctx context.Context, clients []kubernetes.Interface, ns, prefix string, limit int, duration time.Duration) (createResult, error) {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		res      createResult
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deadline := time.Now().Add(duration)
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			var names []string
			var lats []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(limit) {
					break
				}
				cm := configMap(fmt.Sprintf("%s-%06d", prefix, i))
				t0 := time.Now()
				_, err := c.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
				d := time.Since(t0)
				if err != nil {
					mu.Lock()
					if firstErr == nil && ctx.Err() == nil {
						firstErr = fmt.Errorf("create configmap %s/%s: %w", ns, cm.Name, err)
					}
					mu.Unlock()
					cancel()
					return
				}
				names = append(names, cm.Name)
				lats = append(lats, d)
			}
			mu.Lock()
			res.names = append(res.names, names...)
			res.latencies = append(res.latencies, lats...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.latencies = harness.Sorted(res.latencies)
	return res, firstErr
}

// configMap is a small ConfigMap like an app's settings file.
func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "bench", "tier": "config"}},
		Data: map[string]string{
			"LOG_LEVEL":   "info",
			"listen":      ":8080",
			"config.yaml": "server:\n  port: 8080\n  timeout: 30s\nfeatures:\n  cache: true\n",
		},
	}
}

// getConfigMaps gets n random names from names, spread over the clients,
// and returns the sorted latencies.
func getConfigMaps(ctx context.Context, clients []kubernetes.Interface, ns string, names []string, n int) ([]time.Duration, error) {
	var (
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	per := n / len(clients)
	for gi, c := range clients {
		count := per
		if gi == 0 {
			count += n - per*len(clients)
		}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(gi), 1))
			lats := make([]time.Duration, 0, count)
			for range count {
				name := names[rng.IntN(len(names))]
				t0 := time.Now()
				_, err := c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
				lats = append(lats, time.Since(t0))
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("get configmap %s/%s: %w", ns, name, err)
					}
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			all = append(all, lats...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return harness.Sorted(all), firstErr
}

// ensureNamespace creates namespace name with its "default" ServiceAccount:
// the load phases run the API server alone, without the controller that
// would make the account, and ServiceAccount admission refuses pods whose
// account does not exist, as Kubernetes does.
func ensureNamespace(ctx context.Context, c kubernetes.Interface, name string) error {
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	_, err = c.CoreV1().ServiceAccounts(name).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account %s/default: %w", name, err)
	}
	return nil
}
