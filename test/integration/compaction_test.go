package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/bosun-dev/bosun/internal/etcd"
	"github.com/bosun-dev/bosun/internal/server"
)

// A list or watch at a resourceVersion etcd compacted away is 410 Gone, as
// Kubernetes answers. The server runs on an etcd the test holds a client of.
func TestListCompactedResourceVersion(t *testing.T) {
	dir := t.TempDir()
	ectx, cancel := context.WithCancel(context.Background())
	e, err := etcd.StartEmbedded(ectx, etcd.EmbeddedConfig{DataDir: dir + "/etcd", CompactionRetention: -1})
	if err != nil {
		cancel()
		t.Fatalf("start etcd: %v", err)
	}
	// Registered before the server's cleanup, so etcd stops after the server.
	t.Cleanup(func() {
		_ = e.Close()
		cancel()
	})
	caFile, certFile, keyFile := e.ClientTLSFiles()
	cfg := server.Config{DataDir: dir + "/server", EtcdEndpoints: e.Endpoints(), EtcdCAFile: caFile, EtcdCertFile: certFile, EtcdKeyFile: keyFile}
	client, stop := ownServer(t, cfg)
	c := ctx(t)
	cms := client.CoreV1().ConfigMaps("default")
	for i := 0; i < 3; i++ {
		if _, err := cms.Create(c, configMap("default", fmt.Sprintf("cm-%d", i), nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := cms.List(c, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := first.ResourceVersion
	// Two writes, so that compacting to the current revision also removes
	// the first change after old (etcd keeps the compaction revision itself).
	for _, n := range []string{"later", "latest"} {
		if _, err := cms.Create(c, configMap("default", n, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Exact reads at the old revision work until etcd compacts it.
	if _, err := cms.List(c, metav1.ListOptions{ResourceVersion: old, ResourceVersionMatch: metav1.ResourceVersionMatchExact}); err != nil {
		t.Fatalf("exact list before compaction: %v", err)
	}
	status, err := e.Client().Status(c, e.Endpoints()[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client().Compact(c, status.Header.Revision); err != nil {
		t.Fatalf("compact: %v", err)
	}
	_, err = cms.List(c, metav1.ListOptions{ResourceVersion: old, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
	wantStatus(t, err, http.StatusGone, metav1.StatusReasonExpired)
	// A fresh list still works.
	if l, err := cms.List(c, metav1.ListOptions{}); err != nil || len(l.Items) != 5 {
		t.Errorf("list after compaction: %d items, %v", len(l.Items), err)
	}

	// A server started afterwards has no cached history before its start,
	// and etcd none before the compaction: a watch from there is 410.
	stop()
	client, _ = ownServer(t, cfg)
	w, err := client.CoreV1().ConfigMaps("default").Watch(c, metav1.ListOptions{ResourceVersion: old})
	if err != nil {
		wantStatus(t, err, http.StatusGone, metav1.StatusReasonExpired)
		return
	}
	defer w.Stop()
	select {
	case ev := <-w.ResultChan():
		st, ok := ev.Object.(*metav1.Status)
		if ev.Type != watch.Error || !ok || st.Code != http.StatusGone || st.Reason != metav1.StatusReasonExpired {
			t.Errorf("watch from a compacted resourceVersion: %s %+v, want ERROR 410 Expired", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Error("watch from a compacted resourceVersion: no event")
	}
}
