package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/scheduler"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestIntegrationSchedulesAgainstRealServer runs the scheduler against a
// real API server: pods bind through pods/binding, an unsatisfiable pod
// gets kube-scheduler's FailedScheduling event and condition.
func TestIntegrationSchedulesAgainstRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := kubernetes.NewForConfigOrDie(env.Config)

	cp := integrationNode("cp", "8")
	cp.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
	for _, n := range []*corev1.Node{cp, integrationNode("w1", "1"), integrationNode("w2", "1")} {
		created, err := client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create node: %v", err)
		}
		created.Status = n.Status
		if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("node status: %v", err)
		}
	}

	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: scheduler.DefaultSchedulerName})
	factory := informers.NewSharedInformerFactory(client, 0)
	s := scheduler.New(client, factory, recorder, scheduler.Options{})
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; factory.Shutdown() }()

	for i := 0; i < 3; i++ {
		p := integrationPod(fmt.Sprint("small-", i), "250m")
		if _, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod: %v", err)
		}
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, integrationPod("huge", "2"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	other := integrationPod("other", "100m")
	other.Spec.SchedulerName = "someone-else"
	if _, err := client.CoreV1().Pods("default").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}

	waitFor(t, "small pods bound to workers", func() bool {
		for i := 0; i < 3; i++ {
			p, err := client.CoreV1().Pods("default").Get(ctx, fmt.Sprint("small-", i), metav1.GetOptions{})
			if err != nil || (p.Spec.NodeName != "w1" && p.Spec.NodeName != "w2") {
				return false
			}
		}
		return true
	})
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
	waitFor(t, "huge pod marked unschedulable", func() bool {
		p, err := client.CoreV1().Pods("default").Get(ctx, "huge", metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled {
				return c.Status == corev1.ConditionFalse && c.Reason == "Unschedulable" && c.Message == want
			}
		}
		return false
	})
	waitFor(t, "events", func() bool {
		evs, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		var scheduled, failed bool
		for _, e := range evs.Items {
			if e.InvolvedObject.Name == "small-0" && e.Reason == "Scheduled" && strings.HasPrefix(e.Message, "Successfully assigned default/small-0 to w") &&
				e.Source.Component == scheduler.DefaultSchedulerName {
				scheduled = true
			}
			if e.InvolvedObject.Name == "huge" && e.Reason == "FailedScheduling" && e.Type == corev1.EventTypeWarning && e.Message == want {
				failed = true
			}
		}
		return scheduled && failed
	})
	if p, err := client.CoreV1().Pods("default").Get(ctx, "other", metav1.GetOptions{}); err != nil || p.Spec.NodeName != "" {
		t.Fatalf("pod of another scheduler touched: %v %q", err, p.Spec.NodeName)
	}

	// Room appears: a node big enough joins, and the parked pod binds.
	n := integrationNode("w3", "4")
	created, err := client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node: %v", err)
	}
	created.Status = n.Status
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("node status: %v", err)
	}
	waitFor(t, "huge pod bound to the new node", func() bool {
		p, err := client.CoreV1().Pods("default").Get(ctx, "huge", metav1.GetOptions{})
		return err == nil && p.Spec.NodeName == "w3"
	})
}

func integrationNode(name, cpu string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
		},
	}
}

func integrationPod(name, cpu string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}},
	}
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntegrationPreemption: a critical pod evicts a lower-priority pod
// from the only node, is nominated there, and binds once the victim is gone.
func TestIntegrationPreemption(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := kubernetes.NewForConfigOrDie(env.Config)
	n := integrationNode("w1", "1")
	created, err := client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node: %v", err)
	}
	created.Status = n.Status
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("node status: %v", err)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	recorder := record.NewFakeRecorder(100)
	s := scheduler.New(client, factory, recorder, scheduler.Options{})
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; factory.Shutdown() }()

	low := integrationPod("low", "1")
	zero := int64(0)
	low.Spec.TerminationGracePeriodSeconds = &zero
	if _, err := client.CoreV1().Pods("default").Create(ctx, low, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	waitFor(t, "low pod bound", func() bool {
		p, err := client.CoreV1().Pods("default").Get(ctx, "low", metav1.GetOptions{})
		return err == nil && p.Spec.NodeName == "w1"
	})
	vip := integrationPod("vip", "1")
	vip.Namespace = "kube-system"
	vip.Spec.PriorityClassName = "system-cluster-critical"
	if _, err := client.CoreV1().Pods("kube-system").Create(ctx, vip, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	waitFor(t, "vip pod bound after preempting low", func() bool {
		p, err := client.CoreV1().Pods("kube-system").Get(ctx, "vip", metav1.GetOptions{})
		return err == nil && p.Spec.NodeName == "w1" && p.Status.NominatedNodeName == "w1"
	})
	if _, err := client.CoreV1().Pods("default").Get(ctx, "low", metav1.GetOptions{}); err == nil {
		t.Fatal("victim still exists")
	}
}
