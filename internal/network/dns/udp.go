package dns

import (
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"github.com/miekg/dns"
)

// udpWorkers reads UDP queries with a fixed set of goroutines, each with
// its own buffers, instead of miekg's goroutine and buffers per packet: the
// zone's answers are a map lookup, so per-packet overhead is most of the
// server's cost. Only queries that need an upstream get a goroutine, since
// they block for as long as the upstream takes.
//
// It serves a socket bound to one address only: on a wildcard address a
// reply could leave from another address than the query came to, which
// miekg's server avoids with per-packet control messages.
type udpWorkers struct {
	s    *Server
	conn *net.UDPConn
}

func (u *udpWorkers) serve() error {
	n := max(4, runtime.GOMAXPROCS(0))
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errc <- u.work() })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return nil
}

// work answers queries until the socket is closed.
func (u *udpWorkers) work() error {
	in := make([]byte, maxQuerySize)
	out := make([]byte, dns.MaxMsgSize)
	for {
		n, peer, err := u.conn.ReadFromUDPAddrPort(in)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		r := new(dns.Msg)
		if err := r.Unpack(in[:n]); err != nil || r.Response {
			// Not a query we can parse: answering garbage invites
			// reflection, so it is dropped, as miekg's server does.
			continue
		}
		m, ok := u.s.local(r)
		if !ok {
			go u.send(r, u.s.respond(r), peer, make([]byte, dns.MaxMsgSize))
			continue
		}
		u.send(r, m, peer, out)
	}
}

func (u *udpWorkers) send(r, m *dns.Msg, peer netip.AddrPort, buf []byte) {
	fit(r, m, false)
	packed, err := m.PackBuffer(buf)
	if err != nil {
		u.s.cfg.Log.Debug("Cluster DNS reply not packed", "id", r.Id, "err", err)
		return
	}
	// A client that went away is nothing the server can help.
	_, _ = u.conn.WriteToUDPAddrPort(packed, peer)
}
