package etcd

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func start(t *testing.T, dir string) *Embedded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := StartEmbedded(ctx, EmbeddedConfig{DataDir: dir, Log: testLog(t)})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	return e
}

func TestEmbeddedColdStartAndRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	begin := time.Now()
	e := start(t, dir)
	ready := time.Since(begin)
	ctx := context.Background()
	if _, err := e.Client().Put(ctx, "/k", "v1"); err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded etcd cold start: ready in %v, first Put acknowledged at %v", ready, time.Since(begin))
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	begin = time.Now()
	e = start(t, dir)
	defer e.Close()
	resp, err := e.Client().Get(ctx, "/k")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded etcd warm restart: first Get answered at %v", time.Since(begin))
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v1" {
		t.Fatalf("after restart /k = %v, want v1", resp.Kvs)
	}
	if _, err := e.Client().Put(ctx, "/k", "v2"); err != nil {
		t.Fatalf("put after restart on new ports: %v", err)
	}
}

func TestEmbeddedParallel(t *testing.T) {
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			e, err := StartEmbedded(ctx, EmbeddedConfig{DataDir: t.TempDir(), Log: testLog(t)})
			if err != nil {
				errs <- err
				return
			}
			defer e.Close()
			if _, err := e.Client().Put(ctx, "/id", strconv.Itoa(i)); err != nil {
				errs <- err
				return
			}
			resp, err := e.Client().Get(ctx, "/id")
			if err != nil {
				errs <- err
				return
			}
			if got := string(resp.Kvs[0].Value); got != strconv.Itoa(i) {
				errs <- fmt.Errorf("server %d read %s: servers share a store", i, got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEmbeddedLargeValue(t *testing.T) {
	e := start(t, t.TempDir())
	defer e.Close()
	ctx := context.Background()
	big := strings.Repeat("x", 3<<20) // the API server's object size limit
	if _, err := e.Client().Put(ctx, "/big", big); err != nil {
		t.Fatalf("put 3 MiB value: %v", err)
	}
	resp, err := e.Client().Get(ctx, "/big")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs[0].Value) != len(big) {
		t.Fatalf("read back %d bytes", len(resp.Kvs[0].Value))
	}
}

func TestEmbeddedRefusesClientsWithoutCertificate(t *testing.T) {
	e := start(t, t.TempDir())
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	caFile, certFile, keyFile := e.ClientTLSFiles()
	c, err := Connect(ctx, ExternalConfig{Endpoints: e.Endpoints(), CAFile: caFile, CertFile: certFile, KeyFile: keyFile, Log: testLog(t)})
	if err != nil {
		t.Fatalf("Connect with the member's client certificate: %v", err)
	}
	c.Close()

	short, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	if c, err := Connect(short, ExternalConfig{Endpoints: e.Endpoints(), CAFile: caFile, Log: testLog(t)}); err == nil {
		c.Close()
		t.Fatal("Connect without a client certificate succeeded")
	}
}

// The durability test runs etcd in a child process (this test binary, with
// helperEnv set), which writes keys in a loop and prints each acknowledged
// one. The parent kills it with SIGKILL, restarts etcd on the same data dir
// and checks every acknowledged key is there.
const helperEnv = "BOSUN_ETCD_KILL_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		killHelper(dir)
		return
	}
	os.Exit(m.Run())
}

func killHelper(dir string) {
	ctx := context.Background()
	e, err := StartEmbedded(ctx, EmbeddedConfig{DataDir: dir, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if _, err := e.Client().Put(ctx, fmt.Sprintf("/acked/%08d", i), "v"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintln(out, i)
		out.Flush()
	}
}

func TestEmbeddedSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = testWriter{t}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	lastAcked := -1
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("helper printed %q", sc.Text())
		}
		lastAcked = n
		if n == 300 {
			break
		}
	}
	// Keep reading while the kill lands so every ack printed before death is
	// counted.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		if n, err := strconv.Atoi(sc.Text()); err == nil {
			lastAcked = n
		}
	}
	cmd.Wait()
	killed = true
	if lastAcked < 300 {
		t.Fatalf("helper acknowledged only %d writes before exiting", lastAcked)
	}

	e := start(t, dir)
	defer e.Close()
	resp, err := e.Client().Get(context.Background(), "/acked/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Count < int64(lastAcked+1) {
		t.Fatalf("after SIGKILL %d keys survive, but %d were acknowledged", resp.Count, lastAcked+1)
	}
	t.Logf("%d writes acknowledged before SIGKILL, %d found after restart", lastAcked+1, resp.Count)
}
