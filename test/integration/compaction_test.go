package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/etcd"
	"github.com/bosun-dev/bosun/internal/server"
)

// A list at a resourceVersion etcd compacted away is 410 Gone, as
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
	client, _ := ownServer(t, server.Config{DataDir: dir + "/server", EtcdEndpoints: e.Endpoints(), EtcdCAFile: caFile, EtcdCertFile: certFile, EtcdKeyFile: keyFile})
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
	if _, err := cms.Create(c, configMap("default", "later", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
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
	if l, err := cms.List(c, metav1.ListOptions{}); err != nil || len(l.Items) != 4 {
		t.Errorf("list after compaction: %d items, %v", len(l.Items), err)
	}
}
