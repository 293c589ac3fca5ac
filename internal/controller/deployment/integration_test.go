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
	"github.com/bosun-dev/bosun/internal/testenv"
)

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
	case p.Status.Phase != corev1.PodRunning:
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

func TestDeploymentRollsOutScalesAndRollsOver(t *testing.T) {
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := env.Client
	const ns = "default"
	startControllers(ctx, t, client)
	fakeKubelet(ctx, t, client, ns)

	three := int32(3)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, Annotations: map[string]string{"kubernetes.io/change-cause": "first"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &three,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.14.2"}}},
			},
		},
	}
	deployments := client.AppsV1().Deployments(ns)
	if _, err := deployments.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rolledOut := func(n int32, image string) func() (bool, string) {
		return func() (bool, string) {
			cur, err := deployments.Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			s := cur.Status
			cond := ""
			for _, c := range s.Conditions {
				if c.Type == appsv1.DeploymentProgressing {
					cond = c.Reason
				}
			}
			live := livePods(ctx, t, client, ns)
			total := 0
			for _, n := range live {
				total += n
			}
			state := fmt.Sprintf("gen %d/%d replicas %d updated %d available %d progressing %s pods %v",
				s.ObservedGeneration, cur.Generation, s.Replicas, s.UpdatedReplicas, s.AvailableReplicas, cond, live)
			ok := s.ObservedGeneration >= cur.Generation && s.Replicas == n && s.UpdatedReplicas == n &&
				s.AvailableReplicas == n && cond == "NewReplicaSetAvailable" && total == int(n) && live[image] == int(n)
			return ok, state
		}
	}
	eventually(t, "3 replicas rolled out", rolledOut(3, "nginx:1.14.2"))
	rss := replicaSets(ctx, t, client, ns)
	if len(rss) != 1 || rss[0].Annotations["deployment.kubernetes.io/revision"] != "1" || rss[0].Annotations["kubernetes.io/change-cause"] != "first" {
		t.Fatalf("replica sets after create: %v", describe(rss))
	}
	if cur, _ := deployments.Get(ctx, "web", metav1.GetOptions{}); cur.Annotations["deployment.kubernetes.io/revision"] != "1" {
		t.Fatalf("deployment revision = %q", cur.Annotations["deployment.kubernetes.io/revision"])
	}

	update(ctx, t, client, func(d *appsv1.Deployment) { *d.Spec.Replicas = 5 })
	eventually(t, "scaled to 5", rolledOut(5, "nginx:1.14.2"))

	update(ctx, t, client, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:1.16.1" })
	eventually(t, "rolled over to the new image", rolledOut(5, "nginx:1.16.1"))
	rss = replicaSets(ctx, t, client, ns)
	if len(rss) != 2 {
		t.Fatalf("want the old replica set kept at 0 beside the new: %v", describe(rss))
	}
	for _, rs := range rss {
		want := int32(0)
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.16.1" {
			want = 5
		}
		if *rs.Spec.Replicas != want {
			t.Fatalf("replica sets after rollover: %v", describe(rss))
		}
	}

	// kubectl rollout undo copies the old template back; the old
	// ReplicaSet is reused under the next revision.
	update(ctx, t, client, func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:1.14.2" })
	eventually(t, "rolled back", rolledOut(5, "nginx:1.14.2"))
	rss = replicaSets(ctx, t, client, ns)
	for _, rs := range rss {
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.14.2" &&
			(rs.Annotations["deployment.kubernetes.io/revision"] != "3" || rs.Annotations["deployment.kubernetes.io/revision-history"] != "1") {
			t.Fatalf("reused replica set annotations: %v", rs.Annotations)
		}
	}
	if len(rss) != 2 {
		t.Fatalf("rollback created a replica set: %v", describe(rss))
	}
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
