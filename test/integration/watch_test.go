package integration

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// seen is one watch event, reduced to what the tests compare.
type seen struct {
	typ  watch.EventType
	name string
	data string
	rv   string
}

// next returns the next event of w, failing after timeout.
func next(t *testing.T, w watch.Interface, timeout time.Duration) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		return ev
	case <-time.After(timeout):
		t.Fatalf("no watch event within %v", timeout)
	}
	return watch.Event{}
}

// collect reads n events of configmaps from w.
func collect(t *testing.T, w watch.Interface, n int) []seen {
	t.Helper()
	var out []seen
	for len(out) < n {
		ev := next(t, w, 10*time.Second)
		if ev.Type == watch.Bookmark {
			continue
		}
		cm, ok := ev.Object.(*corev1.ConfigMap)
		if !ok {
			t.Fatalf("event %s carries %T: %+v", ev.Type, ev.Object, ev.Object)
		}
		out = append(out, seen{ev.Type, cm.Name, cm.Data["k"], cm.ResourceVersion})
	}
	return out
}

// churn creates, updates and deletes one configmap and returns the
// resourceVersions of the three writes.
func churn(t *testing.T, ns, name string) []string {
	t.Helper()
	c := ctx(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	created, err := cms.Create(c, configMap(ns, name, nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	created.Data["k"] = "v2"
	updated, err := cms.Update(c, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if err := cms.Delete(c, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	return []string{created.ResourceVersion, updated.ResourceVersion}
}

func checkChurn(t *testing.T, got []seen, name string, rvs []string) {
	t.Helper()
	want := []seen{{watch.Added, name, "v", rvs[0]}, {watch.Modified, name, "v2", rvs[1]}}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("event %d: %+v, want %+v", i, got[i], w)
		}
	}
	if got[2].typ != watch.Deleted || got[2].name != name {
		t.Errorf("event 2: %+v, want DELETED %s", got[2], name)
	}
	a, _ := strconv.ParseInt(got[1].rv, 10, 64)
	b, _ := strconv.ParseInt(got[2].rv, 10, 64)
	if b <= a {
		t.Errorf("DELETED resourceVersion %d not after MODIFIED %d", b, a)
	}
}

func TestWatchOrder(t *testing.T) {
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	list, err := cms.List(ctx(t), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	w, err := cms.Watch(ctx(t), metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	rvs := churn(t, ns, "cm")
	checkChurn(t, collect(t, w, 3), "cm", rvs)
}

func TestWatchReplayFromResourceVersion(t *testing.T) {
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	list, err := cms.List(ctx(t), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	rvs := churn(t, ns, "past")
	// The changes happened before the watch started; it replays them.
	w, err := cms.Watch(ctx(t), metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	checkChurn(t, collect(t, w, 3), "past", rvs)

	// From the create's resourceVersion only the later events come.
	w2, err := cms.Watch(ctx(t), metav1.ListOptions{ResourceVersion: rvs[0]})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w2.Stop()
	got := collect(t, w2, 2)
	if got[0].typ != watch.Modified || got[1].typ != watch.Deleted {
		t.Errorf("events after the create: %+v", got)
	}

	// resourceVersion 0 starts with the current state as ADDED events.
	if _, err := cms.Create(ctx(t), configMap(ns, "now", nil), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	w3, err := cms.Watch(ctx(t), metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w3.Stop()
	if got := collect(t, w3, 1); got[0].typ != watch.Added || got[0].name != "now" {
		t.Errorf("watch from 0: %+v, want ADDED now", got)
	}
}

func TestWatchLabelSelector(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	w, err := cms.Watch(c, metav1.ListOptions{LabelSelector: "watched=yes"})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	if _, err := cms.Create(c, configMap(ns, "other", map[string]string{"watched": "no"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(c, configMap(ns, "cm", map[string]string{"watched": "yes"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Stops matching: the watch sees DELETED; matches again: ADDED.
	for _, v := range []string{"no", "yes"} {
		patch := []byte(`{"metadata":{"labels":{"watched":"` + v + `"}}}`)
		if _, err := cms.Patch(c, "cm", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cms.Delete(c, "cm", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := collect(t, w, 4)
	want := []watch.EventType{watch.Added, watch.Deleted, watch.Added, watch.Deleted}
	for i := range want {
		if got[i].typ != want[i] || got[i].name != "cm" {
			t.Errorf("event %d: %+v, want %s cm", i, got[i], want[i])
		}
	}
}

// A watch with sendInitialEvents (WatchList) sends the state, then a
// bookmark annotated k8s.io/initial-events-end, then changes.
func TestWatchListInitialEventsBookmark(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	for _, n := range []string{"a", "b"} {
		if _, err := cms.Create(c, configMap(ns, n, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	w, err := cms.Watch(c, metav1.ListOptions{
		SendInitialEvents: ptrTo(true), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true,
	})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	var names []string
	for {
		ev := next(t, w, 10*time.Second)
		if ev.Type == watch.Bookmark {
			cm := ev.Object.(*corev1.ConfigMap)
			if cm.Annotations[metav1.InitialEventsAnnotationKey] != "true" || cm.ResourceVersion == "" {
				t.Errorf("bookmark %+v lacks the initial-events-end annotation or a resourceVersion", cm.ObjectMeta)
			}
			break
		}
		if ev.Type != watch.Added {
			t.Fatalf("initial event %s", ev.Type)
		}
		names = append(names, ev.Object.(*corev1.ConfigMap).Name)
	}
	if len(names) != 2 || names[0] != "a" || names[1] != "b" {
		t.Errorf("initial events %v, want [a b]", names)
	}
	if _, err := cms.Create(c, configMap(ns, "c", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, w, 1); got[0].typ != watch.Added || got[0].name != "c" {
		t.Errorf("after the bookmark: %+v", got)
	}

	// sendInitialEvents needs resourceVersionMatch=NotOlderThan.
	_, err = cms.Watch(c, metav1.ListOptions{SendInitialEvents: ptrTo(true)})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
}

func ptrTo[T any](v T) *T { return &v }

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// recorder notes the requests a client makes.
type recorder struct {
	mu   sync.Mutex
	reqs []string
}

func (r *recorder) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Method+" "+req.URL.RequestURI())
		r.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// client-go informers sync through WatchList (enabled by default since 1.35),
// so they never list.
func TestInformerSync(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	for _, n := range []string{"a", "b", "c"} {
		if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, configMap(ns, n, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	cfg := rest.CopyConfig(shared.config)
	cfg.Wrap(rec.wrap)
	client := kubernetes.NewForConfigOrDie(cfg)
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().ConfigMaps()
	var mu sync.Mutex
	events := map[string]int{}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			mu.Lock()
			events["add "+obj.(*corev1.ConfigMap).Name]++
			mu.Unlock()
		},
	})
	stop := make(chan struct{})
	defer func() {
		close(stop)
		factory.Shutdown()
	}()
	factory.Start(stop)
	syncCtx, cancel := context.WithTimeout(c, 10*time.Second)
	defer cancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), inf.Informer().HasSynced) {
		t.Fatalf("informer did not sync; requests: %v", rec.requests())
	}
	items, err := inf.Lister().ConfigMaps(ns).List(labels.Everything())
	if err != nil || len(items) != 3 {
		t.Fatalf("lister has %d items (%v), want 3", len(items), err)
	}
	if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, configMap(ns, "d", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 10*time.Second, "informer to see d", func(context.Context) (bool, error) {
		_, err := inf.Lister().ConfigMaps(ns).Get("d")
		return err == nil, nil
	})
	watchList := false
	for _, r := range rec.requests() {
		if containsAll(r, "watch=true", "sendInitialEvents=true", "resourceVersionMatch=NotOlderThan") {
			watchList = true
		} else if !containsAll(r, "watch=true") {
			t.Errorf("informer made a non-watch request %s; WatchList should make lists unnecessary", r)
		}
	}
	if !watchList {
		t.Errorf("informer did not use WatchList; requests: %v", rec.requests())
	}
}

// A watch on one object by name (kubectl wait, rollout status) sees only it.
func TestWatchFieldSelector(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	w, err := cms.Watch(c, metav1.ListOptions{FieldSelector: "metadata.name=target"})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	for _, n := range []string{"other", "target"} {
		if _, err := cms.Create(c, configMap(ns, n, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cms.Delete(c, "other", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(c, "target", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got := collect(t, w, 2)
	if got[0].typ != watch.Added || got[0].name != "target" || got[1].typ != watch.Deleted || got[1].name != "target" {
		t.Errorf("events %+v, want ADDED and DELETED of target only", got)
	}
}
