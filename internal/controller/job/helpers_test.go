package job

import (
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	c        *Controller
	client   *fake.Clientset
	clock    *clocktesting.FakeClock
	recorder *record.FakeRecorder
}

func newJob(name string, completions, par int32) *batchv1.Job {
	labels := map[string]string{"batch.kubernetes.io/controller-uid": "uid-" + name, "batch.kubernetes.io/job-name": name}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name)},
		Spec: batchv1.JobSpec{
			Completions: ptr.To(completions), Parallelism: ptr.To(par), BackoffLimit: ptr.To[int32](6),
			CompletionMode: ptr.To(batchv1.NonIndexedCompletion),
			Selector:       &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "main", Image: "busybox"}}},
			},
		},
	}
}

// podOf makes a pod of job in phase, carrying the tracking finalizer.
func podOf(job *batchv1.Job, name string, phase corev1.PodPhase) *corev1.Pod {
	p := newPod(job, noIndex, 0)
	p.Name, p.GenerateName, p.UID = name, "", types.UID("uid-"+name)
	p.CreationTimestamp = metav1.NewTime(t0.Add(-time.Minute))
	p.Status.Phase = phase
	return p
}

func setup(t *testing.T, job *batchv1.Job, pods ...*corev1.Pod) *fixture {
	t.Helper()
	objs := []runtime.Object{job}
	for _, p := range pods {
		objs = append(objs, p)
	}
	client := fake.NewClientset(objs...)
	n := 0
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		if p.Name == "" {
			n++
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, n)
		}
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	rec := record.NewFakeRecorder(100)
	c := New(client, factory, rec, Options{Clock: clk, BackoffBase: time.Second, BackoffMax: 8 * time.Second})
	if err := factory.Batch().V1().Jobs().Informer().GetIndexer().Add(job); err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		if err := factory.Core().V1().Pods().Informer().GetIndexer().Add(p); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return &fixture{c: c, client: client, clock: clk, recorder: rec}
}

// actions renders client actions as "verb resource[/subresource] name".
func (f *fixture) actions() []string {
	var out []string
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		switch a.GetVerb() {
		case "create":
			// Created pods have only a generateName in the recorded action.
			o := a.(k8stesting.CreateAction).GetObject().(metav1.Object)
			s += " " + o.GetName() + o.GetGenerateName()
		case "delete":
			s += " " + a.(k8stesting.DeleteAction).GetName()
		case "patch":
			s += " " + a.(k8stesting.PatchAction).GetName()
		}
		out = append(out, s)
	}
	return out
}

// lastStatus is the job in the last status update.
func (f *fixture) lastStatus(t *testing.T) batchv1.JobStatus {
	t.Helper()
	acts := f.client.Actions()
	for i := len(acts) - 1; i >= 0; i-- {
		if u, ok := acts[i].(k8stesting.UpdateAction); ok && acts[i].GetSubresource() == "status" {
			return u.GetObject().(*batchv1.Job).Status
		}
	}
	t.Fatal("no status update")
	return batchv1.JobStatus{}
}

func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func condition(st batchv1.JobStatus, t batchv1.JobConditionType) *batchv1.JobCondition {
	return findCondition(&st, t)
}
