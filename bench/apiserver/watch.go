package main

import (
	"context"
	"fmt"
	"github.com/bosun-dev/bosun/bench/internal/harness"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// fanoutPrefix starts the names of the ConfigMaps the watchers wait for.
const fanoutPrefix = "fanout-"

// arrival is one watcher seeing one ADDED event.
type arrival struct {
	name string
	at   time.Time
}

// watchFanout opens watchers watches on ConfigMaps in the empty namespace
// ns, spread over clients, then creates creates ConfigMaps one at a time and
// returns, over all creates and watchers, the sorted delays from just before
// each create call to the ADDED event reaching the watcher. A first,
// unmeasured create proves every watch is established.
func watchFanout(ctx context.Context, clients []kubernetes.Interface, ns string, watchers, creates int, out func(string)) ([]time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	arrivals := make(chan arrival, watchers*4)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		openErr error
	)
	ws := make([]watch.Interface, watchers)
	for i := range ws {
		wg.Go(func() {
			w, err := clients[i%len(clients)].CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{})
			if err != nil {
				mu.Lock()
				openErr = fmt.Errorf("watch configmaps in %s: %w", ns, err)
				mu.Unlock()
				return
			}
			ws[i] = w
		})
	}
	wg.Wait()
	defer func() {
		for _, w := range ws {
			if w != nil {
				w.Stop()
			}
		}
	}()
	if openErr != nil {
		return nil, openErr
	}
	for _, w := range ws {
		go func() {
			for ev := range w.ResultChan() {
				if ev.Type != watch.Added {
					continue
				}
				// Controllers add their own ConfigMaps to every namespace
				// (kube-root-ca.crt); only ours are measured.
				if cm, ok := ev.Object.(*corev1.ConfigMap); ok && strings.HasPrefix(cm.Name, fanoutPrefix) {
					select {
					case arrivals <- arrival{name: cm.Name, at: time.Now()}:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	out(fmt.Sprintf("%d watches open; ", watchers))

	c := clients[0].CoreV1().ConfigMaps(ns)
	var delays []time.Duration
	for i := range creates + 1 {
		name := fmt.Sprintf("%s%03d", fanoutPrefix, i)
		t0 := time.Now()
		if _, err := c.Create(ctx, configMap(name), metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create configmap %s/%s: %w", ns, name, err)
		}
		timeout := time.After(10 * time.Second)
		for seen := 0; seen < watchers; {
			select {
			case a := <-arrivals:
				if a.name != name {
					return nil, fmt.Errorf("watcher saw ADDED %s while waiting for %s", a.name, name)
				}
				seen++
				if i > 0 {
					delays = append(delays, a.at.Sub(t0))
				}
			case <-timeout:
				return nil, fmt.Errorf("only %d of %d watchers saw ADDED %s within 10 s", seen, watchers, name)
			}
		}
	}
	return harness.Sorted(delays), nil
}
