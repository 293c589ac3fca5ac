package main

import (
	"context"
	"fmt"
	"github.com/bosun-dev/bosun/bench/internal/harness"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// storePods creates n pods in ns from len(clients) goroutines.
func storePods(ctx context.Context, clients []kubernetes.Interface, ns string, n int) error {
	var next atomic.Int64
	errs := make(chan error, len(clients))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				p := pod(i)
				if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
					errs <- fmt.Errorf("create pod %s/%s: %w", ns, p.Name, err)
					cancel()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// listPods lists ns count times with a consistent read (resourceVersion "")
// and returns the sorted durations; every list must hold want items.
func listPods(ctx context.Context, c kubernetes.Interface, ns string, want, count int) ([]time.Duration, error) {
	var ds []time.Duration
	for range count {
		t0 := time.Now()
		list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{ResourceVersion: ""})
		d := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("list pods in %s: %w", ns, err)
		}
		if len(list.Items) != want {
			return nil, fmt.Errorf("list pods in %s: got %d items, want %d", ns, len(list.Items), want)
		}
		ds = append(ds, d)
	}
	return harness.Sorted(ds), nil
}

// listPodsRaw is listPods without client-side decoding: the time for the
// server to answer and the body to arrive, and the body's size.
func listPodsRaw(ctx context.Context, c kubernetes.Interface, ns string, count int) ([]time.Duration, int, error) {
	var ds []time.Duration
	size := 0
	for range count {
		t0 := time.Now()
		body, err := c.CoreV1().RESTClient().Get().Namespace(ns).Resource("pods").DoRaw(ctx)
		d := time.Since(t0)
		if err != nil {
			return nil, 0, fmt.Errorf("list pods in %s: %w", ns, err)
		}
		ds, size = append(ds, d), len(body)
	}
	return harness.Sorted(ds), size, nil
}

// pod is a pod as a Deployment would make it: an app container, every
// third pod with a sidecar, labels, requests and limits, a few env vars.
func pod(i int) *corev1.Pod {
	app := fmt.Sprintf("app-%d", i%50)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("%s-7d9f8c6b5-%05d", app, i),
			Labels: map[string]string{
				"app.kubernetes.io/name":    app,
				"app.kubernetes.io/part-of": "bench",
				"pod-template-hash":         "7d9f8c6b5",
			},
			Annotations: map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "app",
				Image: "registry.example.com/team/" + app + ":1.4.2",
				Args:  []string{"--port=8080", "--metrics-port=9090"},
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}},
				Env: []corev1.EnvVar{
					{Name: "LOG_LEVEL", Value: "info"},
					{Name: "GOMAXPROCS", Value: "2"},
					{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
					{Name: "DATABASE_URL", Value: "postgres://db.bench.svc:5432/app"},
				},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
					PeriodSeconds: 10,
				},
			}},
			RestartPolicy: corev1.RestartPolicyAlways,
		},
	}
	if i%3 == 0 {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{
			Name:  "proxy",
			Image: "registry.example.com/infra/envoy:1.30",
			Env:   []corev1.EnvVar{{Name: "ENVOY_UID", Value: "1337"}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			},
		})
	}
	return p
}
