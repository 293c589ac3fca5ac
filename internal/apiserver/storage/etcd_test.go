package storage

import (
	"context"
	"log/slog"
	"net/url"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"k8s.io/client-go/kubernetes/scheme"
)

// startEtcd runs an embedded etcd in a temporary directory on loopback ports
// the kernel picks, and returns a client to it. Both stop with the test.
func startEtcd(tb testing.TB, fsync bool) *clientv3.Client {
	tb.Helper()
	cfg := embed.NewConfig()
	cfg.Name = "test"
	cfg.Dir = tb.TempDir()
	local := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{local}
	cfg.AdvertiseClientUrls = []url.URL{local}
	cfg.ListenPeerUrls = []url.URL{local}
	cfg.AdvertisePeerUrls = []url.URL{local}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.UnsafeNoFsync = !fsync
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		tb.Fatalf("start etcd: %v", err)
	}
	tb.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		tb.Fatal("etcd did not become ready")
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{e.Clients[0].Addr().String()},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		tb.Fatalf("etcd client: %v", err)
	}
	tb.Cleanup(func() { client.Close() })
	return client
}

// newTestStore starts a Store on a fresh etcd and waits until it is ready.
func newTestStore(tb testing.TB, opts Options) (*Store, *clientv3.Client) {
	tb.Helper()
	client := startEtcd(tb, false)
	return startStore(tb, client, opts), client
}

func startStore(tb testing.TB, client *clientv3.Client, opts Options) *Store {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(client, NewJSONCodec(scheme.Scheme), opts)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	if err := s.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

func clientv3WithRev(rev int64) clientv3.OpOption { return clientv3.WithRev(rev) }
