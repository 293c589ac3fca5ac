package dns

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// loopOption is the EDNS0 option (from the local-use range) that marks a
// query this server forwarded. A query coming back with our own mark has
// gone round a loop (an upstream resolving through the cluster DNS) and is
// refused instead of being forwarded again, which would never end.
const loopOption = 65042

// ednsSize is the UDP payload size the server advertises and asks
// upstreams for: the DNS flag day 2020 value, which avoids fragmentation.
const ednsSize = 1232

// forwarder asks upstream resolvers what the zone does not know.
type forwarder struct {
	upstreams []string
	udp, tcp  *dns.Client
	mark      []byte // this server's loop mark
}

func newForwarder(upstreams []string, timeout time.Duration) *forwarder {
	mark := make([]byte, 8)
	_, _ = rand.Read(mark)
	return &forwarder{
		upstreams: upstreams,
		udp:       &dns.Client{Net: "udp", Timeout: timeout},
		tcp:       &dns.Client{Net: "tcp", Timeout: timeout},
		mark:      mark,
	}
}

// looped says whether q carries this server's own forwarding mark.
func (f *forwarder) looped(q *dns.Msg) bool {
	opt := q.IsEdns0()
	if opt == nil {
		return false
	}
	for _, o := range opt.Option {
		if l, ok := o.(*dns.EDNS0_LOCAL); ok && l.Code == loopOption && bytes.Equal(l.Data, f.mark) {
			return true
		}
	}
	return false
}

// exchange sends q to the upstreams in turn, over UDP and again over TCP
// when the answer was truncated, and returns the first answer that is not
// a server failure.
func (f *forwarder) exchange(ctx context.Context, q *dns.Msg) (*dns.Msg, error) {
	if len(f.upstreams) == 0 {
		return nil, errors.New("no upstream resolvers")
	}
	req := q.Copy()
	req.Id = dns.Id()
	opt := req.IsEdns0()
	if opt == nil {
		req.SetEdns0(ednsSize, false)
		opt = req.IsEdns0()
	}
	opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: loopOption, Data: f.mark})
	var errs []error
	for _, up := range f.upstreams {
		resp, _, err := f.udp.ExchangeContext(ctx, req, up)
		if err == nil && resp.Truncated {
			resp, _, err = f.tcp.ExchangeContext(ctx, req, up)
		}
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("upstream %s: %w", up, err))
		case resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused:
			errs = append(errs, fmt.Errorf("upstream %s: %s", up, dns.RcodeToString[resp.Rcode]))
		default:
			return resp, nil
		}
	}
	return nil, fmt.Errorf("forward %s: %w", q.Question[0].Name, errors.Join(errs...))
}

// forwarded turns an upstream's answer into the reply to r.
func forwarded(r, resp *dns.Msg) *dns.Msg {
	m := reply(r, resp.Rcode)
	m.AuthenticatedData = resp.AuthenticatedData
	m.Answer, m.Ns = resp.Answer, resp.Ns
	for _, rr := range resp.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			m.Extra = append(m.Extra, rr)
		}
	}
	return m
}
