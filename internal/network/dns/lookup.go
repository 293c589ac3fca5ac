package dns

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// Result is the zone's answer to one question. Its slices may share
// backing arrays with the index: callers append to them (which copies,
// the index's slices being clipped) but never write their elements.
type Result struct {
	Rcode             int
	Answer, Ns, Extra []dns.RR
	Authoritative     bool
	// Forward says the name is not the zone's: the caller asks upstream.
	Forward bool
	// Chase is an ExternalName's CNAME target outside the zone; the caller
	// resolves it upstream and appends what it gets to Answer, as CoreDNS
	// does, because stub resolvers do not follow a CNAME themselves.
	Chase string
}

// Lookup answers name (fully qualified, any case) for qtype from the index.
func (ix *Index) Lookup(name string, qtype uint16) Result {
	name = strings.ToLower(name)
	set := ix.names[name]
	if set == nil {
		return ix.missing(name, qtype)
	}
	res := Result{Rcode: dns.RcodeSuccess, Authoritative: true}
	if set.cname != nil {
		res.Answer = []dns.RR{set.cname}
		if qtype == dns.TypeCNAME {
			return res
		}
		target := set.cname.Target
		if !inZone(target, ix.zone) {
			res.Chase = target
			return res
		}
		if t := ix.names[target]; t != nil {
			res.Answer = append(res.Answer, t.records(qtype)...)
		}
		return res
	}
	res.Answer = set.records(qtype)
	if qtype == dns.TypeSRV {
		res.Extra = set.srvExtra
	}
	if len(res.Answer) == 0 {
		res.Ns = []dns.RR{ix.soa}
	}
	return res
}

// records are the set's records of type qtype; ANY gets them all.
func (s *rrset) records(qtype uint16) []dns.RR {
	switch qtype {
	case dns.TypeA:
		return s.a
	case dns.TypeAAAA:
		return s.aaaa
	case dns.TypeSRV:
		return s.srv
	case dns.TypePTR:
		return s.ptr
	case dns.TypeTXT:
		return s.txt
	case dns.TypeANY:
		var all []dns.RR
		for _, rrs := range [][]dns.RR{s.a, s.aaaa, s.srv, s.ptr, s.txt} {
			all = append(all, rrs...)
		}
		return all
	}
	return nil
}

// missing answers a name the index has no records for: outside the zone it
// is forwarded, pod names are answered from the name itself ("pods
// insecure"), the zone's structural names exist empty, the rest does not
// exist.
func (ix *Index) missing(name string, qtype uint16) Result {
	if !inZone(name, ix.zone) {
		return Result{Forward: true}
	}
	res := Result{Rcode: dns.RcodeSuccess, Authoritative: true}
	if name == ix.zone && qtype == dns.TypeSOA {
		res.Answer = []dns.RR{ix.soa}
		return res
	}
	if name == ix.zone || name == ix.svc || name == ix.pod {
		res.Ns = []dns.RR{ix.soa}
		return res
	}
	if ip := podIP(name, ix.pod); ip != nil {
		if rr := podRR(name, ip, qtype); rr != nil {
			res.Answer = []dns.RR{rr}
		} else {
			res.Ns = []dns.RR{ix.soa}
		}
		return res
	}
	res.Rcode = dns.RcodeNameError
	res.Ns = []dns.RR{ix.soa}
	return res
}

// podIP parses <dashed-ip>.<namespace>.pod.<zone>, nil when name is not one.
func podIP(name, podZone string) net.IP {
	rest, ok := strings.CutSuffix(name, "."+podZone)
	if !ok {
		return nil
	}
	label, ns, ok := strings.Cut(rest, ".")
	if !ok || ns == "" || strings.Contains(ns, ".") {
		return nil
	}
	if strings.Count(label, "-") == 3 {
		if ip := net.ParseIP(strings.ReplaceAll(label, "-", ".")); ip != nil && ip.To4() != nil {
			return ip.To4()
		}
	}
	if ip := net.ParseIP(strings.ReplaceAll(label, "-", ":")); ip != nil && ip.To4() == nil {
		return ip
	}
	return nil
}

func podRR(name string, ip net.IP, qtype uint16) dns.RR {
	switch {
	case ip.To4() != nil && (qtype == dns.TypeA || qtype == dns.TypeANY):
		return &dns.A{Hdr: hdr(name, dns.TypeA), A: ip}
	case ip.To4() == nil && (qtype == dns.TypeAAAA || qtype == dns.TypeANY):
		return &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA), AAAA: ip}
	}
	return nil
}
