package podgc

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func pod(name, node string, phase corev1.PodPhase, age time.Duration, terminating bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name), CreationTimestamp: metav1.NewTime(t0.Add(-age))},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: phase},
	}
	if terminating {
		p.DeletionTimestamp = &p.CreationTimestamp
	}
	return p
}

func node(name string, ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
}

func collect(t *testing.T, threshold int, steps []time.Duration, objs ...runtime.Object) []string {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	c := New(client, factory, nil, Options{TerminatedPodThreshold: threshold, Clock: clk})
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *corev1.Pod:
			err = factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
		case *corev1.Node:
			err = factory.Core().V1().Nodes().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range steps {
		clk.Step(d)
		c.gc(context.Background(), 1)
	}
	var out []string
	for _, a := range client.Actions() {
		switch a := a.(type) {
		case k8stesting.DeleteAction:
			if g := a.GetDeleteOptions().GracePeriodSeconds; g == nil || *g != 0 {
				t.Errorf("delete of %s is not forced", a.GetName())
			}
			out = append(out, "delete "+a.GetName())
		case k8stesting.UpdateAction:
			p := a.GetObject().(*corev1.Pod)
			reason := ""
			for _, c := range p.Status.Conditions {
				reason = c.Reason
			}
			out = append(out, fmt.Sprintf("fail %s %s", p.Name, reason))
		case k8stesting.GetAction:
			out = append(out, "get "+a.GetResource().Resource+" "+a.GetName())
		}
	}
	sort.Strings(out)
	return out
}

func TestCollect(t *testing.T) {
	oos := corev1.Taint{Key: corev1.TaintNodeOutOfService, Value: "nodeshutdown", Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name      string
		threshold int
		steps     []time.Duration
		objs      []runtime.Object
		want      []string
	}{
		{"oldest terminated pods beyond the threshold", 2, []time.Duration{0},
			[]runtime.Object{node("n1", corev1.ConditionTrue),
				pod("old", "n1", corev1.PodSucceeded, 3*time.Hour, false), pod("mid", "n1", corev1.PodFailed, 2*time.Hour, false),
				pod("new", "n1", corev1.PodSucceeded, time.Hour, false), pod("live", "n1", corev1.PodRunning, 4*time.Hour, false)},
			[]string{"delete old"}},
		{"orphans wait out the quarantine, then a live read", 0, []time.Duration{0, 39 * time.Second, 2 * time.Second},
			[]runtime.Object{pod("orphan", "gone", corev1.PodRunning, time.Hour, false)},
			[]string{"delete orphan", "fail orphan DeletionByPodGC", "get nodes gone"}},
		{"terminating pods on out-of-service NotReady nodes", 0, []time.Duration{0},
			[]runtime.Object{node("down", corev1.ConditionUnknown, oos), node("up", corev1.ConditionTrue, oos), node("plain", corev1.ConditionUnknown),
				pod("a", "down", corev1.PodRunning, time.Hour, true), pod("b", "up", corev1.PodRunning, time.Hour, true),
				pod("c", "plain", corev1.PodRunning, time.Hour, true), pod("d", "down", corev1.PodRunning, time.Hour, false)},
			[]string{"delete a", "fail a "}},
		{"terminating pods never scheduled", 0, []time.Duration{0},
			[]runtime.Object{pod("unbound", "", corev1.PodPending, time.Hour, true), pod("waiting", "", corev1.PodPending, time.Hour, false)},
			[]string{"delete unbound", "fail unbound "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collect(t, tt.threshold, tt.steps, tt.objs...)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("actions %q, want %q", got, tt.want)
			}
		})
	}
}
