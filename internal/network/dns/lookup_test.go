package dns

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
)

func rrStrings(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, rr.String())
	}
	return out
}

func TestLookup(t *testing.T) {
	ix := fixture()
	const soa = "cluster.local.\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"
	for _, tc := range []struct {
		name   string
		qname  string
		qtype  uint16
		rcode  int
		answer []string
		extra  []string
		ns     []string
		fwd    bool
		chase  string
	}{
		{name: "service A", qname: "web.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"web.default.svc.cluster.local.\t5\tIN\tA\t10.0.0.20"}},
		{name: "case insensitive", qname: "WEB.Default.svc.Cluster.Local.", qtype: dns.TypeA,
			answer: []string{"web.default.svc.cluster.local.\t5\tIN\tA\t10.0.0.20"}},
		{name: "ipv4-only service AAAA is NODATA", qname: "web.default.svc.cluster.local.", qtype: dns.TypeAAAA,
			ns: []string{soa}},
		{name: "dual-stack AAAA", qname: "dual.default.svc.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"dual.default.svc.cluster.local.\t5\tIN\tAAAA\tfd00::21"}},
		{name: "SRV of a named port", qname: "_http._tcp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{"_http._tcp.web.default.svc.cluster.local.\t5\tIN\tSRV\t0 100 80 web.default.svc.cluster.local."},
			extra:  []string{"web.default.svc.cluster.local.\t5\tIN\tA\t10.0.0.20"}},
		{name: "SRV name exists for A too", qname: "_http._tcp.web.default.svc.cluster.local.", qtype: dns.TypeA,
			ns: []string{soa}},
		{name: "wrong protocol", qname: "_http._udp.web.default.svc.cluster.local.", qtype: dns.TypeSRV,
			rcode: dns.RcodeNameError, ns: []string{soa}},
		{name: "headless A lists ready endpoints once", qname: "db.data.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"db.data.svc.cluster.local.\t5\tIN\tA\t10.244.1.5", "db.data.svc.cluster.local.\t5\tIN\tA\t10.244.2.6"}},
		{name: "endpoint hostname", qname: "db-0.db.data.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"db-0.db.data.svc.cluster.local.\t5\tIN\tA\t10.244.1.5"}},
		{name: "endpoint without hostname by dashed ip", qname: "10-244-2-6.db.data.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"10-244-2-6.db.data.svc.cluster.local.\t5\tIN\tA\t10.244.2.6"}},
		{name: "not-ready endpoint absent", qname: "db-2.db.data.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soa}},
		{name: "headless SRV one per endpoint", qname: "_pg._tcp.db.data.svc.cluster.local.", qtype: dns.TypeSRV,
			answer: []string{
				"_pg._tcp.db.data.svc.cluster.local.\t5\tIN\tSRV\t0 50 5432 db-0.db.data.svc.cluster.local.",
				"_pg._tcp.db.data.svc.cluster.local.\t5\tIN\tSRV\t0 50 5432 10-244-2-6.db.data.svc.cluster.local."},
			extra: []string{"db-0.db.data.svc.cluster.local.\t5\tIN\tA\t10.244.1.5", "10-244-2-6.db.data.svc.cluster.local.\t5\tIN\tA\t10.244.2.6"}},
		{name: "external name CNAME chased upstream", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"ext.default.svc.cluster.local.\t5\tIN\tCNAME\texample.com."}, chase: "example.com."},
		{name: "external name CNAME query", qname: "ext.default.svc.cluster.local.", qtype: dns.TypeCNAME,
			answer: []string{"ext.default.svc.cluster.local.\t5\tIN\tCNAME\texample.com."}},
		{name: "external name into the zone chased here", qname: "alias.default.svc.cluster.local.", qtype: dns.TypeA,
			answer: []string{"alias.default.svc.cluster.local.\t5\tIN\tCNAME\tweb.default.svc.cluster.local.",
				"web.default.svc.cluster.local.\t5\tIN\tA\t10.0.0.20"}},
		{name: "PTR of a cluster IP", qname: "20.0.0.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"20.0.0.10.in-addr.arpa.\t5\tIN\tPTR\tweb.default.svc.cluster.local."}},
		{name: "PTR of a headless endpoint", qname: "5.1.244.10.in-addr.arpa.", qtype: dns.TypePTR,
			answer: []string{"5.1.244.10.in-addr.arpa.\t5\tIN\tPTR\tdb-0.db.data.svc.cluster.local."}},
		{name: "PTR of an unknown address forwarded", qname: "1.1.168.192.in-addr.arpa.", qtype: dns.TypePTR, fwd: true},
		{name: "namespace alone", qname: "default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soa}},
		{name: "unknown service", qname: "nope.default.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soa}},
		{name: "slice without service", qname: "gone.data.svc.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soa}},
		{name: "apex SOA", qname: "cluster.local.", qtype: dns.TypeSOA, answer: []string{soa}},
		{name: "apex A is NODATA", qname: "cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "svc subzone NODATA", qname: "svc.cluster.local.", qtype: dns.TypeA, ns: []string{soa}},
		{name: "schema version", qname: "dns-version.cluster.local.", qtype: dns.TypeTXT,
			answer: []string{"dns-version.cluster.local.\t5\tIN\tTXT\t\"1.1.0\""}},
		{name: "pod A from its name", qname: "10-244-1-9.default.pod.cluster.local.", qtype: dns.TypeA,
			answer: []string{"10-244-1-9.default.pod.cluster.local.\t5\tIN\tA\t10.244.1.9"}},
		{name: "pod AAAA from its name", qname: "fd00--9.default.pod.cluster.local.", qtype: dns.TypeAAAA,
			answer: []string{"fd00--9.default.pod.cluster.local.\t5\tIN\tAAAA\tfd00::9"}},
		{name: "ipv4 pod AAAA NODATA", qname: "10-244-1-9.default.pod.cluster.local.", qtype: dns.TypeAAAA,
			ns: []string{soa}},
		{name: "pod name not an address", qname: "web.default.pod.cluster.local.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, ns: []string{soa}},
		{name: "outside the zone", qname: "example.com.", qtype: dns.TypeA, fwd: true},
		{name: "suffix that is not the zone", qname: "notcluster.local.", qtype: dns.TypeA, fwd: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ix.Lookup(tc.qname, tc.qtype)
			if res.Forward != tc.fwd {
				t.Fatalf("Forward = %v, want %v", res.Forward, tc.fwd)
			}
			if tc.fwd {
				return
			}
			if res.Rcode != tc.rcode || !res.Authoritative || res.Chase != tc.chase {
				t.Errorf("rcode %s authoritative %v chase %q, want %s true %q", dns.RcodeToString[res.Rcode],
					res.Authoritative, res.Chase, dns.RcodeToString[tc.rcode], tc.chase)
			}
			for _, sec := range []struct {
				name      string
				got, want []string
			}{{"answer", rrStrings(res.Answer), tc.answer}, {"extra", rrStrings(res.Extra), tc.extra}, {"ns", rrStrings(res.Ns), tc.ns}} {
				slices.Sort(sec.got)
				slices.Sort(sec.want)
				if !slices.Equal(sec.got, sec.want) {
					t.Errorf("%s:\n got  %q\n want %q", sec.name, sec.got, sec.want)
				}
			}
		})
	}
}

func TestBuildDomain(t *testing.T) {
	for _, domain := range []string{"", "cluster.local", "Cluster.Local.", ".cluster.local"} {
		if z := Build(domain, nil, nil, 1).Zone(); z != "cluster.local." {
			t.Errorf("Build(%q).Zone() = %q", domain, z)
		}
	}
	ix := Build("corp.example", []*corev1.Service{service("a", "b", "10.0.0.30")}, nil, 1)
	if res := ix.Lookup("b.a.svc.corp.example.", dns.TypeA); len(res.Answer) != 1 {
		t.Errorf("custom domain answer = %v", res.Answer)
	}
	if res := ix.Lookup("b.a.svc.cluster.local.", dns.TypeA); !res.Forward {
		t.Errorf("cluster.local under a custom domain should be forwarded, got %+v", res)
	}
}

// The index's slices are shared by every response: appending to a result
// must never write into them.
func TestLookupResultsDoNotAlias(t *testing.T) {
	ix := fixture()
	q := "_pg._tcp.db.data.svc.cluster.local."
	res := ix.Lookup(q, dns.TypeSRV)
	_ = append(res.Answer, &dns.A{})
	_ = append(res.Extra, &dns.OPT{})
	again := ix.Lookup(q, dns.TypeSRV)
	if len(again.Answer) != 2 || len(again.Extra) != 2 || cap(again.Extra) != 2 {
		t.Fatalf("index changed by appends: %v / %v", again.Answer, again.Extra)
	}
}
