package dns

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// maxQuerySize bounds the UDP queries read: a question is small, and every
// read buffer is this big.
const maxQuerySize = 4096

// Server is the cluster DNS server; New makes one, Run serves.
type Server struct {
	cfg   Config
	index atomic.Pointer[Index]
	state *informerState
	fwd   *forwarder
	ready chan struct{}
	addr  string
	// runCtx ends with Run, cancelling forwards in flight.
	runCtx context.Context
}

// New makes a server for cfg. It registers its informers with cfg.Factory
// at once, so a factory the caller starts later includes them.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, ready: make(chan struct{})}
	s.index.Store(Build(cfg.Domain, nil, nil, 0))
	s.state = newInformerState(cfg.Factory)
	return s
}

// Ready is closed once the server answers from synced caches on Addr.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr is the address served over UDP and TCP, valid once Ready is closed.
func (s *Server) Addr() string { return s.addr }

// Index is the snapshot queries are answered from now.
func (s *Server) Index() *Index { return s.index.Load() }

// Run serves until ctx ends. It binds before waiting for the caches, so
// an address in use fails at once.
func (s *Server) Run(ctx context.Context) error {
	log := s.cfg.Log.With("addr", s.cfg.Addr, "domain", s.cfg.Domain)
	pc, ln, err := listen(s.cfg.Addr)
	if err != nil {
		return err
	}
	self := pc.LocalAddr().(*net.UDPAddr)
	s.addr = self.String()
	upstreams := s.cfg.Upstreams
	if len(upstreams) == 0 {
		if upstreams, err = readUpstreams(s.cfg.ResolvConf); err != nil {
			log.Warn("No upstream resolvers: names outside the zone will fail", "err", err)
		}
	}
	upstreams = withoutSelf(upstreams, self)
	s.fwd = newForwarder(upstreams, s.cfg.ForwardTimeout)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.runCtx = ctx
	if err := s.state.sync(ctx, s.refresh); err != nil {
		_ = pc.Close()
		_ = ln.Close()
		return err
	}
	var started sync.WaitGroup
	tcp := &dns.Server{Listener: ln, Handler: s, NotifyStartedFunc: started.Done}
	started.Add(1)
	serve := []func() error{tcp.ActivateAndServe}
	// A server that failed to start has nothing to shut down.
	stop := []func(){func() { _ = tcp.Shutdown() }}
	if self.IP.IsUnspecified() {
		udp := &dns.Server{PacketConn: pc, Handler: s, UDPSize: maxQuerySize, NotifyStartedFunc: started.Done}
		started.Add(1)
		serve = append(serve, udp.ActivateAndServe)
		stop = append(stop, func() { _ = udp.Shutdown() })
	} else {
		w := &udpWorkers{s: s, conn: pc.(*net.UDPConn)}
		serve = append(serve, w.serve)
		stop = append(stop, func() { _ = pc.Close() })
	}
	var (
		wg   sync.WaitGroup
		errc = make(chan error, len(serve))
	)
	for _, fn := range serve {
		wg.Go(func() {
			if err := fn(); err != nil {
				errc <- err
				cancel()
			}
		})
	}
	wg.Go(func() {
		s.state.rebuildLoop(ctx, func(serial uint32) {
			// Listers read memory: an error means a broken cache, and the
			// next event retries.
			if err := s.refresh(serial); err != nil {
				log.Error("Cluster DNS index not rebuilt", "serial", serial, "err", err)
			}
		})
	})
	go func() {
		started.Wait()
		log.Info("Cluster DNS serving", "upstreams", upstreams, "names", s.Index().Len())
		close(s.ready)
	}()
	<-ctx.Done()
	for _, fn := range stop {
		fn()
	}
	wg.Wait()
	select {
	case err := <-errc:
		return fmt.Errorf("serve dns on %s: %w", s.addr, err)
	default:
		return nil
	}
}

// refresh publishes a new index built from the listers.
func (s *Server) refresh(serial uint32) error {
	svcs, slices, err := s.state.list()
	if err != nil {
		return err
	}
	ix := Build(s.cfg.Domain, svcs, slices, serial)
	s.index.Store(ix)
	s.cfg.Log.Debug("Cluster DNS index rebuilt", "serial", serial, "names", ix.Len())
	return nil
}

// listen binds UDP and TCP on one address; with port 0 it retries until
// the port the kernel picked for UDP is free for TCP too.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dns address %q: %w", addr, err)
	}
	var lastErr error
	for range 10 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp %s: %w", addr, err)
		}
		bound := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		ln, err := net.Listen("tcp", net.JoinHostPort(host, bound))
		if err == nil {
			return pc, ln, nil
		}
		_ = pc.Close()
		lastErr = fmt.Errorf("listen tcp %s: %w", net.JoinHostPort(host, bound), err)
		if port != "0" {
			break
		}
	}
	return nil, nil, lastErr
}
