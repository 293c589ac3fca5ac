package scheduler_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/scheduler"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// BenchmarkIntegrationThroughput measures pods bound per second through a
// real API server: 1,000 nodes, b.N batches of 1,000 pods created by 16
// writers, timed from the first create to the last binding seen. Events
// go to a fake recorder so the number is the scheduler's, not the event
// pipeline's.
func BenchmarkIntegrationThroughput(b *testing.B) {
	env := testenv.Start(b, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 5000, 10000
	client := kubernetes.NewForConfigOrDie(&cfg)
	createNodes(b, ctx, client, 1000)

	var bound atomic.Int64
	factory := informers.NewSharedInformerFactory(client, 0)
	_, _ = factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur any) {
			if old.(*corev1.Pod).Spec.NodeName == "" && cur.(*corev1.Pod).Spec.NodeName != "" {
				bound.Add(1)
			}
		},
	})
	recorder := record.NewFakeRecorder(1 << 20)
	s := scheduler.New(client, factory, recorder, scheduler.Options{})
	factory.Start(ctx.Done())
	go s.Run(ctx)
	factory.WaitForCacheSync(ctx.Done())

	b.ResetTimer()
	start := time.Now()
	total := b.N * 1000
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += 16 {
				p := integrationPod(fmt.Sprint("p-", i), "100m")
				p.Labels = map[string]string{"app": fmt.Sprint("app-", i/100)}
				if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	for bound.Load() < int64(total) {
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("only %d of %d pods bound", bound.Load(), total)
		}
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "pods/s")
}

func createNodes(b *testing.B, ctx context.Context, client kubernetes.Interface, n int) {
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				node := integrationNode(fmt.Sprint("node-", i), "32")
				node.Labels[corev1.LabelTopologyZone] = fmt.Sprint("zone-", i%3)
				created, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
				if err != nil {
					b.Error(err)
					return
				}
				created.Status = node.Status
				if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
