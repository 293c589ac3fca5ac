package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

const (
	// DefaultQuotaBackendBytes is the backend size at which etcd raises the
	// NOSPACE alarm and refuses writes.
	DefaultQuotaBackendBytes = 8 << 30
	// DefaultMaxRequestBytes fits the API server's 3 MiB object limit plus
	// key, transaction and encoding overhead.
	DefaultMaxRequestBytes = 4 << 20
	// DefaultCompactionRetention is how much revision history etcd keeps;
	// watches resuming from an older revision get 410 Gone.
	DefaultCompactionRetention = 5 * time.Minute

	memberName = "bosun"
	// grpcOverhead is room for gRPC framing on top of a maximal request.
	grpcOverhead = 512 << 10
)

// EmbeddedConfig configures an etcd member running inside the server.
type EmbeddedConfig struct {
	// DataDir holds the member's WAL and database, and a tls/ directory
	// remade at every start. Created with mode 0700 if absent. Required.
	DataDir string
	// Log receives etcd's own log lines; nil means slog.Default().
	Log *slog.Logger
	// LogLevel is the lowest level of etcd's own lines passed to Log; nil
	// means slog.LevelWarn, since etcd is chatty at info.
	LogLevel slog.Leveler
	// QuotaBackendBytes is the backend size limit; 0 means
	// DefaultQuotaBackendBytes.
	QuotaBackendBytes int64
	// MaxRequestBytes is the largest request etcd accepts; 0 means
	// DefaultMaxRequestBytes.
	MaxRequestBytes uint
	// CompactionRetention is the revision history etcd keeps, compacting
	// periodically; 0 means DefaultCompactionRetention, negative disables
	// compaction by etcd (the caller compacts).
	CompactionRetention time.Duration
}

// Embedded is a running single-member etcd cluster.
type Embedded struct {
	etcd      *embed.Etcd
	client    *clientv3.Client
	endpoints []string
	tls       *memberTLS
	closing   *atomic.Bool
}

// startAttempts bounds retries when a chosen port is taken between our
// reservation and etcd's bind (only possible for a process binding that exact
// port explicitly).
const startAttempts = 5

// StartEmbedded starts a single-member etcd in cfg.DataDir on free loopback
// ports and returns once it has a leader and a client is connected. The
// member keeps etcd's default fsync behaviour: an acknowledged write is on
// disk.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("start embedded etcd: no data dir")
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	level := slog.LevelWarn
	if cfg.LogLevel != nil {
		level = cfg.LogLevel.Level()
	}
	closing := new(atomic.Bool)
	zlog := newZapLogger(log, zapLevel(level), closing)

	memberTLS, err := newMemberTLS(filepath.Join(cfg.DataDir, "tls"))
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	var e *embed.Etcd
	var clientURL string
	for attempt := 1; ; attempt++ {
		e, clientURL, err = startOnce(ctx, cfg, zlog, memberTLS)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EADDRINUSE) || attempt == startAttempts {
			return nil, fmt.Errorf("start embedded etcd in %s: %w", cfg.DataDir, err)
		}
		log.Debug("Retrying etcd start on new ports", "err", err)
	}

	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		closing.Store(true)
		e.Close()
		return nil, fmt.Errorf("start embedded etcd in %s: %w", cfg.DataDir, err)
	case <-ctx.Done():
		closing.Store(true)
		e.Close()
		return nil, fmt.Errorf("start embedded etcd in %s: %w", cfg.DataDir, ctx.Err())
	}

	client, err := clientv3.New(clientv3.Config{
		Endpoints:          []string{clientURL},
		TLS:                memberTLS.client.Clone(),
		DialTimeout:        5 * time.Second,
		MaxCallSendMsgSize: int(maxRequestBytes(cfg)) + grpcOverhead,
		MaxCallRecvMsgSize: math.MaxInt32,
		Logger:             zlog,
		Context:            context.WithoutCancel(ctx),
	})
	if err != nil {
		closing.Store(true)
		e.Close()
		return nil, fmt.Errorf("connect to embedded etcd: %w", err)
	}
	return &Embedded{etcd: e, client: client, endpoints: []string{clientURL}, tls: memberTLS, closing: closing}, nil
}

func maxRequestBytes(cfg EmbeddedConfig) uint {
	if cfg.MaxRequestBytes == 0 {
		return DefaultMaxRequestBytes
	}
	return cfg.MaxRequestBytes
}

// startOnce reserves two ports and starts etcd on them, returning the client
// URL.
func startOnce(ctx context.Context, cfg EmbeddedConfig, zlog *zap.Logger, mt *memberTLS) (*embed.Etcd, string, error) {
	clientPort, err := reservePort(ctx)
	if err != nil {
		return nil, "", err
	}
	defer clientPort.Release()
	peerPort, err := reservePort(ctx)
	if err != nil {
		return nil, "", err
	}
	defer peerPort.Release()

	clientURL := url.URL{Scheme: "https", Host: "127.0.0.1:" + strconv.Itoa(clientPort.Port)}
	peerURL := url.URL{Scheme: "https", Host: "127.0.0.1:" + strconv.Itoa(peerPort.Port)}

	ec := embed.NewConfig()
	ec.Name = memberName
	ec.Dir = filepath.Join(cfg.DataDir, "member-data")
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zlog)
	ec.LogLevel = "warn" // only read by etcd to decide on debug handlers
	ec.ListenClientUrls = []url.URL{clientURL}
	ec.AdvertiseClientUrls = []url.URL{clientURL}
	ec.ListenPeerUrls = []url.URL{peerURL}
	ec.AdvertisePeerUrls = []url.URL{peerURL}
	ec.InitialCluster = memberName + "=" + peerURL.String()
	ec.InitialClusterToken = "bosun"
	ec.SocketOpts.ReusePort = true // see reservePort
	ec.ClientTLSInfo.CertFile, ec.ClientTLSInfo.KeyFile = mt.CertFile, mt.KeyFile
	ec.ClientTLSInfo.TrustedCAFile, ec.ClientTLSInfo.ClientCertAuth = mt.CAFile, true
	ec.PeerTLSInfo = ec.ClientTLSInfo

	// One member has no peers to hear from, so short ticks cost nothing in
	// stability and make the first election (and so readiness) fast.
	ec.TickMs = 10
	ec.ElectionMs = 100
	ec.InitialElectionTickAdvance = true

	ec.QuotaBackendBytes = cfg.QuotaBackendBytes
	if ec.QuotaBackendBytes == 0 {
		ec.QuotaBackendBytes = DefaultQuotaBackendBytes
	}
	ec.MaxRequestBytes = maxRequestBytes(cfg)
	switch {
	case cfg.CompactionRetention == 0:
		ec.AutoCompactionMode, ec.AutoCompactionRetention = embed.CompactorModePeriodic, DefaultCompactionRetention.String()
	case cfg.CompactionRetention > 0:
		ec.AutoCompactionMode, ec.AutoCompactionRetention = embed.CompactorModePeriodic, cfg.CompactionRetention.String()
	}
	ec.EnableGRPCGateway = false
	// Unset, etcd logs every request as slow.
	ec.WarningUnaryRequestDuration = embed.DefaultWarningUnaryRequestDuration
	ec.UnsafeNoFsync = false // durability: acknowledged writes survive SIGKILL and power loss

	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, "", err
	}
	return e, clientURL.String(), nil
}

// Endpoints returns the member's client URLs (https, client certificate
// required; see ClientTLSFiles).
func (e *Embedded) Endpoints() []string { return append([]string(nil), e.endpoints...) }

// ClientTLSFiles returns the CA, certificate and key files a second client
// (etcdctl, a test) needs to reach Endpoints. They are valid until the next
// start.
func (e *Embedded) ClientTLSFiles() (caFile, certFile, keyFile string) {
	return e.tls.CAFile, e.tls.CertFile, e.tls.KeyFile
}

// Client returns a client connected to the member. Close closes it.
func (e *Embedded) Client() *clientv3.Client { return e.client }

// Err reports a fatal error of the running member.
func (e *Embedded) Err() <-chan error { return e.etcd.Err() }

// Close closes the client and stops the member, releasing its ports and the
// data dir lock.
func (e *Embedded) Close() error {
	e.closing.Store(true)
	cerr := e.client.Close()
	e.etcd.Close()
	<-e.etcd.Server.StopNotify()
	if cerr != nil && !errors.Is(cerr, context.Canceled) {
		return fmt.Errorf("close embedded etcd client: %w", cerr)
	}
	return nil
}
