package dns

import (
	"strings"

	"github.com/miekg/dns"
)

// TTL is the time to live, in seconds, of every record the zone serves and
// the negative-caching TTL of its SOA: short, because a Service's
// endpoints change as pods come and go (CoreDNS's kubernetes plugin uses 5).
const TTL = 5

// DefaultDomain is the cluster domain when Config.Domain is empty.
const DefaultDomain = "cluster.local"

// Index is one immutable snapshot of the zone: every name the cluster
// answers for, with its records built once so a query only copies slice
// headers. It is never modified after Build returns, which is what lets
// queries read it without a lock.
type Index struct {
	zone  string // lowercase, fully qualified: "cluster.local."
	svc   string // "svc." + zone
	pod   string // "pod." + zone
	soa   dns.RR
	names map[string]*rrset // by lowercase fully qualified name
}

// rrset is everything one name owns. The slices are clipped (len == cap)
// so appending to them in a response copies instead of writing into the
// shared index.
type rrset struct {
	a, aaaa, srv, srvExtra, ptr, txt []dns.RR
	cname                            *dns.CNAME
}

// Zone is the index's zone, fully qualified ("cluster.local.").
func (ix *Index) Zone() string { return ix.zone }

// Len is the number of names the index answers for.
func (ix *Index) Len() int { return len(ix.names) }

// canonicalZone turns a configured domain into the lowercase, fully
// qualified form names are compared against.
func canonicalZone(domain string) string {
	domain = strings.Trim(strings.ToLower(domain), ".")
	if domain == "" {
		domain = DefaultDomain
	}
	return domain + "."
}

// inZone says whether name (lowercase, fully qualified) is zone or below it.
func inZone(name, zone string) bool {
	return name == zone || (strings.HasSuffix(name, zone) && name[len(name)-len(zone)-1] == '.')
}

func newSOA(zone string, serial uint32) dns.RR {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: TTL},
		Ns:      "ns.dns." + zone,
		Mbox:    "hostmaster." + zone,
		Serial:  serial,
		Refresh: 7200,
		Retry:   1800,
		Expire:  86400,
		Minttl:  TTL,
	}
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: TTL}
}
