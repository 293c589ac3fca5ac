package dns

import (
	"net"

	"github.com/miekg/dns"
)

// ServeDNS answers one query: from the index when the name is the zone's,
// from the upstreams otherwise.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	var m *dns.Msg
	switch {
	case r.Opcode != dns.OpcodeQuery:
		m = new(dns.Msg).SetRcode(r, dns.RcodeNotImplemented)
	case len(r.Question) != 1:
		m = new(dns.Msg).SetRcode(r, dns.RcodeFormatError)
	case s.fwd.looped(r):
		s.cfg.Log.Warn("Cluster DNS forwarding loop: an upstream sends our queries back",
			"name", r.Question[0].Name)
		m = new(dns.Msg).SetRcode(r, dns.RcodeServerFailure)
	default:
		m = s.answer(r)
	}
	m.RecursionAvailable = true
	write(w, r, m)
}

func (s *Server) answer(r *dns.Msg) *dns.Msg {
	q := r.Question[0]
	res := s.index.Load().Lookup(q.Name, q.Qtype)
	if res.Forward {
		resp, err := s.fwd.exchange(s.runCtx, r)
		if err != nil {
			s.cfg.Log.Debug("Cluster DNS forward failed", "name", q.Name, "err", err)
			return new(dns.Msg).SetRcode(r, dns.RcodeServerFailure)
		}
		return forwarded(r, resp)
	}
	m := new(dns.Msg).SetReply(r)
	m.Rcode = res.Rcode
	m.Authoritative = res.Authoritative
	m.Answer, m.Ns, m.Extra = res.Answer, res.Ns, res.Extra
	if res.Chase != "" {
		chase := new(dns.Msg).SetQuestion(res.Chase, q.Qtype)
		if resp, err := s.fwd.exchange(s.runCtx, chase); err == nil {
			// The CNAME stays an answer on its own when the target does not
			// resolve: the client may know better.
			m.Answer = append(m.Answer, resp.Answer...)
		}
	}
	return m
}

// write sends m within the size the client can take: over UDP, 512 bytes
// or the EDNS0 buffer it advertised, truncating (TC set) beyond that so it
// retries over TCP.
func write(w dns.ResponseWriter, r, m *dns.Msg) {
	size := dns.MinMsgSize
	if opt := r.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(ednsSize, opt.Do())
	}
	if _, tcp := w.RemoteAddr().(*net.TCPAddr); tcp {
		size = dns.MaxMsgSize
	}
	m.Truncate(size)
	// A client that hung up is nothing the server can help.
	_ = w.WriteMsg(m)
}
