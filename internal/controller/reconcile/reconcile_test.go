package reconcile

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

func newQueue() Queue {
	return workqueue.NewTypedRateLimitingQueue(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Millisecond, 10*time.Millisecond))
}

func TestNextRetriesErrorsAndPanicsThenForgets(t *testing.T) {
	q := newQueue()
	defer q.ShutDown()
	calls := 0
	sync := func(_ context.Context, key string) error {
		calls++
		switch calls {
		case 1:
			return errors.New("boom")
		case 2:
			panic("bad object")
		}
		return nil
	}
	q.Add("ns/a")
	for i := 0; i < 3; i++ {
		if !next(context.Background(), "test", q, sync) {
			t.Fatal("queue quit early")
		}
	}
	if calls != 3 {
		t.Fatalf("calls = %d, want 3", calls)
	}
	if n := q.NumRequeues("ns/a"); n != 0 {
		t.Fatalf("requeues after success = %d, want 0", n)
	}
	if q.Len() != 0 {
		t.Fatalf("queue holds %d keys after success", q.Len())
	}
}

func TestRunSyncsUntilContextEnds(t *testing.T) {
	q := newQueue()
	done := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		Run(ctx, "test", q, []cache.InformerSynced{func() bool { return true }}, 2,
			func(_ context.Context, key string) error { done <- key; return nil })
		close(stopped)
	}()
	Enqueue(q, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}})
	select {
	case key := <-done:
		if key != "ns/p" {
			t.Fatalf("key = %q", key)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no sync")
	}
	cancel()
	<-stopped
	if !q.ShuttingDown() {
		t.Fatal("queue not shut down")
	}
}

func TestEnqueueTombstone(t *testing.T) {
	q := newQueue()
	defer q.ShutDown()
	Enqueue(q, cache.DeletedFinalStateUnknown{Key: "ns/gone"})
	if key, _ := q.Get(); key != "ns/gone" {
		t.Fatalf("key = %q", key)
	}
}

func TestHandlerSkipsResync(t *testing.T) {
	var got []string
	h := Handler(func(obj any) { got = append(got, obj.(*corev1.Pod).ResourceVersion) })
	v1 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", ResourceVersion: "1"}}
	v2 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", ResourceVersion: "2"}}
	h.OnAdd(v1, false)
	h.OnUpdate(v1, v1)
	h.OnUpdate(v1, v2)
	h.OnDelete(v2)
	if want := []string{"1", "2", "2"}; !slices.Equal(got, want) {
		t.Fatalf("calls = %v, want %v", got, want)
	}
}

func TestOwnerKey(t *testing.T) {
	gvk := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}
	owned := func(apiVersion, kind string, controller bool) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", OwnerReferences: []metav1.OwnerReference{
			{APIVersion: apiVersion, Kind: kind, Name: "ds", Controller: &controller}}}}
	}
	for _, tc := range []struct {
		name string
		obj  any
		want string
	}{
		{"controlled", owned("apps/v1", "DaemonSet", true), "ns/ds"},
		{"tombstone", cache.DeletedFinalStateUnknown{Key: "ns/p", Obj: owned("apps/v1", "DaemonSet", true)}, "ns/ds"},
		{"owner is not the controller", owned("apps/v1", "DaemonSet", false), ""},
		{"other kind", owned("apps/v1", "StatefulSet", true), ""},
		{"other group version", owned("extensions/v1beta1", "DaemonSet", true), ""},
		{"not an object", "ns/p", ""},
	} {
		got, ok := OwnerKey(tc.obj, gvk)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: OwnerKey = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
}
