package cri

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// maxMessageSize matches kubelet's limit, so a node with many containers or
// images still fits in one List reply.
const maxMessageSize = 16 << 20

// Client holds both CRI services on one connection.
type Client struct {
	Runtime runtimeapi.RuntimeServiceClient
	Images  runtimeapi.ImageServiceClient
	conn    *grpc.ClientConn
}

// Dial connects to endpoint ("unix:///run/x.sock" or a bare socket path) and
// checks that the runtime answers CRI v1 within timeout.
func Dial(ctx context.Context, endpoint string, timeout time.Duration) (*Client, error) {
	target := endpoint
	if !strings.Contains(target, "://") {
		target = "unix://" + target
	}
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)))
	if err != nil {
		return nil, fmt.Errorf("connect to container runtime %s: %w", endpoint, err)
	}
	c := &Client{Runtime: runtimeapi.NewRuntimeServiceClient(conn), Images: runtimeapi.NewImageServiceClient(conn), conn: conn}
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		_, err := c.Runtime.Version(vctx, &runtimeapi.VersionRequest{}, grpc.WaitForReady(true))
		if err == nil {
			return c, nil
		}
		if !initializing(err) || vctx.Err() != nil {
			conn.Close()
			return nil, fmt.Errorf("container runtime %s does not answer CRI v1: %w", endpoint, err)
		}
		select {
		case <-vctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// initializing is containerd's CRI plugin answering before it has loaded
// (seen on a loaded host right after start): worth asking again.
func initializing(err error) bool {
	return strings.Contains(err.Error(), "server is not initialized yet")
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
