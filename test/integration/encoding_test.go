package integration

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// contentTypes notes the Content-Type of every response a client gets.
type contentTypes struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *contentTypes) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil {
			c.mu.Lock()
			c.seen[req.Method+" "+resp.Header.Get("Content-Type")]++
			c.mu.Unlock()
		}
		return resp, err
	})
}

func TestProtobuf(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	types := &contentTypes{seen: map[string]int{}}
	cfg := rest.CopyConfig(shared.config)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf"
	cfg.Wrap(types.wrap)
	client := kubernetes.NewForConfigOrDie(cfg)
	pods := client.CoreV1().Pods(ns)

	w, err := pods.Watch(c, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	p := pod(ns, "proto", map[string]string{"enc": "protobuf"})
	p.Annotations = map[string]string{"note": strings.Repeat("ü", 10)}
	created, err := pods.Create(c, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := pods.Get(c, "proto", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.UID != created.UID || got.Annotations["note"] != p.Annotations["note"] || got.Spec.Containers[0].Image != "busybox:1.36" {
		t.Errorf("get returned %+v", got.ObjectMeta)
	}
	list, err := pods.List(c, metav1.ListOptions{LabelSelector: "enc=protobuf"})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list.Items) != 1 || list.Items[0].Name != "proto" || list.ResourceVersion == "" {
		t.Errorf("list: %d items, rv %q", len(list.Items), list.ResourceVersion)
	}
	select {
	case ev := <-w.ResultChan():
		if ev.Type != watch.Added || ev.Object.(*corev1.Pod).Name != "proto" {
			t.Errorf("watch event %s %T", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event")
	}
	// Errors come as protobuf Status too, and client-go decodes them.
	_, err = pods.Get(c, "absent", metav1.GetOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)

	types.mu.Lock()
	defer types.mu.Unlock()
	for k := range types.seen {
		if !strings.Contains(k, "application/vnd.kubernetes.protobuf") {
			t.Errorf("a response came as %q, want protobuf", k)
		}
	}
	if types.seen["GET application/vnd.kubernetes.protobuf;stream=watch"] != 1 {
		t.Errorf("watch content type not protobuf stream: %v", types.seen)
	}
}

func TestTable(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	for _, n := range []string{"one", "two"} {
		cm := configMap(ns, n, nil)
		cm.Data["k2"] = "v2"
		if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	accept := "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
	r := do(t, request{method: http.MethodGet, path: "/api/v1/namespaces/" + ns + "/configmaps", headers: map[string]string{"Accept": accept}})
	if r.code != http.StatusOK {
		t.Fatalf("list as Table: %d %s", r.code, truncate(r.body))
	}
	var table metav1.Table
	if err := json.Unmarshal(r.body, &table); err != nil {
		t.Fatalf("decode Table: %v", err)
	}
	if table.Kind != "Table" || table.APIVersion != "meta.k8s.io/v1" {
		t.Errorf("kind %q apiVersion %q", table.Kind, table.APIVersion)
	}
	var cols []string
	for _, col := range table.ColumnDefinitions {
		cols = append(cols, col.Name)
	}
	if fmt.Sprint(cols) != "[Name Data Age]" {
		t.Errorf("columns %v, want [Name Data Age] as kubectl shows for configmaps", cols)
	}
	if len(table.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(table.Rows))
	}
	row := table.Rows[0]
	if row.Cells[0] != "one" || fmt.Sprint(row.Cells[1]) != "2" {
		t.Errorf("row cells %v, want [one 2 …]", row.Cells)
	}
	var meta metav1.PartialObjectMetadata
	if err := json.Unmarshal(row.Object.Raw, &meta); err != nil || meta.Kind != "PartialObjectMetadata" || meta.Name != "one" {
		t.Errorf("row object %s (%v), want PartialObjectMetadata of one", row.Object.Raw, err)
	}
	// One object as a Table.
	r = do(t, request{method: http.MethodGet, path: "/api/v1/namespaces/" + ns + "/configmaps/two", headers: map[string]string{"Accept": accept}})
	if err := json.Unmarshal(r.body, &table); err != nil || r.code != http.StatusOK || len(table.Rows) != 1 || table.Rows[0].Cells[0] != "two" {
		t.Errorf("get as Table: %d %s", r.code, truncate(r.body))
	}
}

func TestGzipLargeList(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	big := strings.Repeat("x", 8<<10)
	const n = 20 // 160 KiB, above kube-apiserver's 128 KiB gzip threshold
	for i := 0; i < n; i++ {
		cm := configMap(ns, fmt.Sprintf("big-%02d", i), nil)
		cm.Data["k"] = big
		if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	r := do(t, request{method: http.MethodGet, path: path, headers: map[string]string{"Accept": "application/json", "Accept-Encoding": "gzip"}})
	if r.code != http.StatusOK || r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("list: %d Content-Encoding %q, want 200 gzip", r.code, r.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	var list corev1.ConfigMapList
	if err := json.Unmarshal(data, &list); err != nil || len(list.Items) != n {
		t.Fatalf("decoded %d items (%v), want %d", len(list.Items), err, n)
	}
	if len(r.body) > len(data)/4 {
		t.Errorf("gzip body %d bytes for %d bytes of JSON", len(r.body), len(data))
	}
	// Without Accept-Encoding the body is plain.
	r = do(t, request{method: http.MethodGet, path: path, headers: map[string]string{"Accept": "application/json", "Accept-Encoding": "identity"}})
	if r.header.Get("Content-Encoding") != "" || !json.Valid(r.body) {
		t.Errorf("identity list: Content-Encoding %q", r.header.Get("Content-Encoding"))
	}
	// A small response is never compressed.
	r = do(t, request{method: http.MethodGet, path: path + "/big-00", headers: map[string]string{"Accept-Encoding": "gzip"}})
	if r.header.Get("Content-Encoding") != "" {
		t.Errorf("small get compressed")
	}
	// client-go lists it transparently.
	if l, err := shared.client.CoreV1().ConfigMaps(ns).List(c, metav1.ListOptions{}); err != nil || len(l.Items) != n {
		t.Errorf("client-go list: %d items, %v", len(l.Items), err)
	}
}
