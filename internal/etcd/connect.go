package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// ExternalConfig locates an etcd cluster the server does not run itself.
type ExternalConfig struct {
	// Endpoints are client URLs, e.g. https://10.0.0.1:2379. Required.
	Endpoints []string
	// CAFile verifies the members' serving certificates; empty means the
	// system roots (only used for https endpoints).
	CAFile string
	// CertFile and KeyFile are the client certificate, for clusters with
	// client certificate auth. Both or neither.
	CertFile, KeyFile string
	// Log receives the client's warnings; nil means slog.Default().
	Log *slog.Logger
}

// connectTimeout bounds the first contact with an external cluster, so a
// wrong endpoint fails the server start instead of hanging it.
const connectTimeout = 10 * time.Second

// Connect returns a client for an external etcd cluster after checking that
// the cluster answers a read.
func Connect(ctx context.Context, cfg ExternalConfig) (*clientv3.Client, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("connect to etcd: no endpoints")
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("connect to etcd: client certificate and key must be given together")
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	cc := clientv3.Config{
		Endpoints:          cfg.Endpoints,
		DialTimeout:        connectTimeout,
		MaxCallSendMsgSize: DefaultMaxRequestBytes + grpcOverhead,
		MaxCallRecvMsgSize: math.MaxInt32,
		Logger:             newZapLogger(log, zapLevel(slog.LevelWarn), nil),
		Context:            context.WithoutCancel(ctx),
	}
	if cfg.CAFile != "" || cfg.CertFile != "" {
		info := transport.TLSInfo{TrustedCAFile: cfg.CAFile, CertFile: cfg.CertFile, KeyFile: cfg.KeyFile}
		tc, err := info.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("connect to etcd: load tls files: %w", err)
		}
		cc.TLS = tc
	}
	client, err := clientv3.New(cc)
	if err != nil {
		return nil, fmt.Errorf("connect to etcd %v: %w", cfg.Endpoints, err)
	}
	checkCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	// A linearizable read needs a leader and quorum: the cluster is usable.
	if _, err := client.Get(checkCtx, "/bosun-connect-check", clientv3.WithCountOnly()); err != nil {
		client.Close()
		return nil, fmt.Errorf("connect to etcd %v: %w", cfg.Endpoints, err)
	}
	return client, nil
}
