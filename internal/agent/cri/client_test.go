package cri

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// loadingRuntime answers Version as containerd's CRI plugin does while it
// loads, a few times, then properly.
type loadingRuntime struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	loading atomic.Int32
}

func (r *loadingRuntime) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	if r.loading.Add(-1) >= 0 {
		return nil, errors.New("server is not initialized yet")
	}
	return &runtimeapi.VersionResponse{RuntimeName: "test"}, nil
}

func TestDialWaitsForTheRuntimeToInitialize(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	rt := &loadingRuntime{}
	rt.loading.Store(3)
	runtimeapi.RegisterRuntimeServiceServer(srv, rt)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	c, err := Dial(context.Background(), "passthrough:///"+ln.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	c.Close()

	rt.loading.Store(1 << 30)
	if _, err := Dial(context.Background(), "passthrough:///"+ln.Addr().String(), 300*time.Millisecond); err == nil {
		t.Fatal("Dial succeeded against a runtime that never initializes")
	}
}
