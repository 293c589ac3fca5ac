package deployment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/bosun-dev/bosun/internal/controller/deployment"
	"github.com/bosun-dev/bosun/internal/controller/replicaset"
)

// neverReady marks pods the fake kubelet binds but never starts.
const neverReady = "test.bosun.dev/never-ready"

// fakeKubelet binds every pod to one node, reports it Running and Ready,
// and completes graceful deletions, standing in for the scheduler and a
// node. It reacts to watch events with a few workers, so it keeps up with
// thousands of pods.
func fakeKubelet(ctx context.Context, t *testing.T, client kubernetes.Interface, ns string) {
	t.Helper()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create node: %v", err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().Pods().Informer()
	queue := workqueue.NewTyped[string]()
	add := func(obj any) {
		if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
			queue.Add(key)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: add, UpdateFunc: func(_, cur any) { add(cur) }})
	factory.Start(ctx.Done())
	go func() { <-ctx.Done(); queue.ShutDown() }()
	for i := 0; i < 16; i++ {
		go func() {
			for {
				key, quit := queue.Get()
				if quit {
					return
				}
				if obj, ok, _ := inf.GetIndexer().GetByKey(key); ok {
					kubeletStep(ctx, client, obj.(*corev1.Pod).DeepCopy())
				}
				queue.Done(key)
			}
		}()
	}
}

func kubeletStep(ctx context.Context, client kubernetes.Interface, p *corev1.Pod) {
	pods := client.CoreV1().Pods(p.Namespace)
	switch {
	case p.DeletionTimestamp != nil:
		zero := int64(0)
		_ = pods.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	case p.Spec.NodeName == "":
		_ = pods.Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
			Target:     corev1.ObjectReference{Kind: "Node", Name: "n1"},
		}, metav1.CreateOptions{})
	case p.Status.Phase != corev1.PodRunning && p.Annotations[neverReady] == "":
		now := metav1.Now()
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
		_, _ = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
	}
}

func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last state: %s", what, last)
}

func update(ctx context.Context, t *testing.T, client kubernetes.Interface, mutate func(*appsv1.Deployment)) {
	t.Helper()
	for i := 0; i < 10; i++ {
		d, err := client.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mutate(d)
		if _, err = client.AppsV1().Deployments("default").Update(ctx, d, metav1.UpdateOptions{}); err == nil {
			return
		}
	}
	t.Fatal("could not update deployment")
}

// livePods counts pods not being deleted, by image.
func livePods(ctx context.Context, t *testing.T, client kubernetes.Interface, ns string) map[string]int {
	pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[p.Spec.Containers[0].Image]++
		}
	}
	return out
}

func replicaSets(ctx context.Context, t *testing.T, client kubernetes.Interface, ns string) []appsv1.ReplicaSet {
	list, err := client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func describe(rss []appsv1.ReplicaSet) string {
	s := ""
	for _, rs := range rss {
		s += fmt.Sprintf("[%s replicas=%d image=%s annotations=%v] ", rs.Name, *rs.Spec.Replicas, rs.Spec.Template.Spec.Containers[0].Image, rs.Annotations)
	}
	return s
}

// startControllers runs both controllers against the server as the
// controller manager would, with real event recorders.
func startControllers(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	factory := informers.NewSharedInformerFactory(client, 0)
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	t.Cleanup(b.Shutdown)
	rsc := replicaset.New(client, factory, b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "replicaset-controller"}))
	dc := deployment.New(client, factory, b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "deployment-controller"}))
	factory.Start(ctx.Done())
	go rsc.Run(ctx, 4)
	go dc.Run(ctx, 2)
}
