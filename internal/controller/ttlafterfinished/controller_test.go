package ttlafterfinished

import (
	"context"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func finished(ttl *int32, at time.Time, cond batchv1.JobConditionType) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "pi", UID: "u1"},
		Spec: batchv1.JobSpec{TTLSecondsAfterFinished: ttl}}
	if cond != "" {
		j.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(at)}}
	}
	return j
}

func TestTimeLeft(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  *batchv1.Job
		left time.Duration
		ok   bool
	}{
		{"running", finished(ptr.To[int32](10), t0, ""), 0, false},
		{"no ttl", finished(nil, t0, batchv1.JobComplete), 0, false},
		{"fresh", finished(ptr.To[int32](100), t0.Add(-30*time.Second), batchv1.JobComplete), 70 * time.Second, true},
		{"failed expired", finished(ptr.To[int32](10), t0.Add(-30*time.Second), batchv1.JobFailed), -20 * time.Second, true},
		{"ttl zero", finished(ptr.To[int32](0), t0, batchv1.JobComplete), 0, true},
	} {
		left, ok := timeLeft(tc.job, t0)
		if left != tc.left || ok != tc.ok {
			t.Errorf("%s: timeLeft = %v %v, want %v %v", tc.name, left, ok, tc.left, tc.ok)
		}
	}
}

func run(t *testing.T, job *batchv1.Job) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(job)
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, record.NewFakeRecorder(10), Options{Clock: clocktesting.NewFakeClock(t0)})
	if err := factory.Batch().V1().Jobs().Informer().GetIndexer().Add(job); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	if err := c.sync(context.Background(), "default/pi"); err != nil {
		t.Fatal(err)
	}
	return c, client
}

func verbs(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		out = append(out, a.GetVerb())
	}
	return out
}

func TestSyncDeletesExpiredJob(t *testing.T) {
	_, client := run(t, finished(ptr.To[int32](10), t0.Add(-time.Minute), batchv1.JobComplete))
	if got := verbs(client); !slices.Equal(got, []string{"get", "delete"}) {
		t.Fatalf("actions = %v", got)
	}
	opts := client.Actions()[1].(k8stesting.DeleteAction).GetDeleteOptions()
	if *opts.PropagationPolicy != metav1.DeletePropagationForeground || *opts.Preconditions.UID != "u1" {
		t.Fatalf("delete options = %+v", opts)
	}
}

func TestSyncWaitsForTTL(t *testing.T) {
	c, client := run(t, finished(ptr.To[int32](100), t0.Add(-time.Minute), batchv1.JobComplete))
	if len(client.Actions()) != 0 {
		t.Fatalf("deleted too early: %v", verbs(client))
	}
	if c.queue.Len() != 0 {
		t.Fatal("the requeue must be delayed, not immediate")
	}
}
