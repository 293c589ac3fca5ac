package dns

import (
	"net"

	"github.com/miekg/dns"
)

// ServeDNS answers one query: from the index when the name is the zone's,
// from the upstreams otherwise.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	m := s.respond(r)
	fit(r, m, tcp)
	// A client that hung up is nothing the server can help.
	_ = w.WriteMsg(m)
}

// respond answers r, asking the upstreams if the zone cannot (which blocks
// up to their timeouts).
func (s *Server) respond(r *dns.Msg) *dns.Msg {
	if m, ok := s.local(r); ok {
		return m
	}
	q := r.Question[0]
	res := s.index.Load().Lookup(q.Name, q.Qtype)
	if res.Forward {
		resp, err := s.fwd.exchange(s.runCtx, r)
		if err != nil {
			s.cfg.Log.Debug("Cluster DNS forward failed", "name", q.Name, "err", err)
			return reply(r, dns.RcodeServerFailure)
		}
		return forwarded(r, resp)
	}
	m := fromIndex(r, res)
	chase := new(dns.Msg).SetQuestion(res.Chase, q.Qtype)
	if resp, err := s.fwd.exchange(s.runCtx, chase); err == nil {
		// The CNAME stays an answer on its own when the target does not
		// resolve: the client may know better.
		m.Answer = append(m.Answer, resp.Answer...)
	}
	return m
}

// local answers r without the upstreams, or says it needs them.
func (s *Server) local(r *dns.Msg) (*dns.Msg, bool) {
	switch {
	case r.Opcode != dns.OpcodeQuery:
		return reply(r, dns.RcodeNotImplemented), true
	case len(r.Question) != 1:
		return reply(r, dns.RcodeFormatError), true
	case s.fwd.looped(r):
		s.cfg.Log.Warn("Cluster DNS forwarding loop: an upstream sends our queries back",
			"name", r.Question[0].Name)
		return reply(r, dns.RcodeServerFailure), true
	}
	q := r.Question[0]
	res := s.index.Load().Lookup(q.Name, q.Qtype)
	if res.Forward || res.Chase != "" {
		return nil, false
	}
	return fromIndex(r, res), true
}

func fromIndex(r *dns.Msg, res Result) *dns.Msg {
	m := new(dns.Msg).SetReply(r)
	m.RecursionAvailable = true
	m.Rcode = res.Rcode
	m.Authoritative = res.Authoritative
	m.Answer, m.Ns, m.Extra = res.Answer, res.Ns, res.Extra
	return m
}

func reply(r *dns.Msg, rcode int) *dns.Msg {
	m := new(dns.Msg).SetRcode(r, rcode)
	m.RecursionAvailable = true
	return m
}

// fit makes m fit what the client can take: over UDP, 512 bytes or the
// EDNS0 buffer it advertised, truncating (TC set) beyond that so it retries
// over TCP.
func fit(r, m *dns.Msg, tcp bool) {
	size := dns.MinMsgSize
	if opt := r.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(ednsSize, opt.Do())
	}
	if tcp {
		size = dns.MaxMsgSize
	}
	m.Truncate(size)
}
