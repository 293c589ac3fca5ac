package dns

import (
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// schemaVersion is the Kubernetes DNS specification version the zone
// implements, published as the TXT record of dns-version.<zone>.
const schemaVersion = "1.1.0"

// Build makes the index of zone domain from the cluster's Services and
// EndpointSlices; serial becomes the SOA's serial, so resolvers can tell
// snapshots apart.
func Build(domain string, services []*corev1.Service, endpointSlices []*discoveryv1.EndpointSlice, serial uint32) *Index {
	zone := canonicalZone(domain)
	b := &builder{
		ix: &Index{zone: zone, svc: "svc." + zone, pod: "pod." + zone,
			soa: newSOA(zone, serial), names: make(map[string]*rrset, 2*len(services))},
		seen: make(map[string]struct{}),
	}
	b.add(&dns.TXT{Hdr: hdr("dns-version."+zone, dns.TypeTXT), Txt: []string{schemaVersion}})
	bySvc := make(map[string][]*discoveryv1.EndpointSlice)
	for _, s := range endpointSlices {
		name := s.Labels[discoveryv1.LabelServiceName]
		if name != "" && s.AddressType != discoveryv1.AddressTypeFQDN {
			key := s.Namespace + "/" + name
			bySvc[key] = append(bySvc[key], s)
		}
	}
	for _, svc := range services {
		b.service(svc, bySvc[svc.Namespace+"/"+svc.Name])
	}
	for _, set := range b.ix.names {
		weighSRV(set.srv)
		for _, p := range []*[]dns.RR{&set.a, &set.aaaa, &set.srv, &set.srvExtra, &set.ptr, &set.txt} {
			*p = slices.Clip(*p)
		}
	}
	return b.ix
}

type builder struct {
	ix   *Index
	seen map[string]struct{} // records already added, by recordKey
}

// recordKey identifies a record for deduplication, cheaper than its text.
func recordKey(rr dns.RR) string {
	h := rr.Header()
	var data string
	switch r := rr.(type) {
	case *dns.A:
		data = string(r.A)
	case *dns.AAAA:
		data = string(r.AAAA)
	case *dns.SRV:
		data = r.Target + string(rune(r.Port))
	case *dns.PTR:
		data = r.Ptr
	default:
		data = rr.String()
	}
	return h.Name + string(rune(h.Rrtype)) + data
}

func (b *builder) set(name string) *rrset {
	s := b.ix.names[name]
	if s == nil {
		s = &rrset{}
		b.ix.names[name] = s
	}
	return s
}

// add files rr under its owner name once, however many slices repeat it.
func (b *builder) add(rr dns.RR) {
	key := recordKey(rr)
	if _, ok := b.seen[key]; ok {
		return
	}
	b.seen[key] = struct{}{}
	s := b.set(rr.Header().Name)
	switch r := rr.(type) {
	case *dns.A:
		s.a = append(s.a, r)
	case *dns.AAAA:
		s.aaaa = append(s.aaaa, r)
	case *dns.SRV:
		s.srv = append(s.srv, r)
	case *dns.PTR:
		s.ptr = append(s.ptr, r)
	case *dns.TXT:
		s.txt = append(s.txt, r)
	case *dns.CNAME:
		s.cname = r
	}
}

// addSRV files an SRV record with the address records of its target, which
// go in the additional section of SRV answers.
func (b *builder) addSRV(srv *dns.SRV, targets []dns.RR) {
	if _, ok := b.seen[recordKey(srv)]; ok {
		return
	}
	b.add(srv)
	s := b.set(srv.Hdr.Name)
	s.srvExtra = append(s.srvExtra, targets...)
}

func (b *builder) service(svc *corev1.Service, sl []*discoveryv1.EndpointSlice) {
	base := strings.ToLower(svc.Name + "." + svc.Namespace + "." + b.ix.svc)
	switch {
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		if svc.Spec.ExternalName != "" {
			b.add(&dns.CNAME{Hdr: hdr(base, dns.TypeCNAME), Target: dns.Fqdn(strings.ToLower(svc.Spec.ExternalName))})
		}
	case svc.Spec.ClusterIP == corev1.ClusterIPNone:
		b.headless(base, sl)
	default:
		b.clusterIP(base, svc)
	}
}

func (b *builder) clusterIP(base string, svc *corev1.Service) {
	ips := svc.Spec.ClusterIPs
	if len(ips) == 0 && svc.Spec.ClusterIP != "" {
		ips = []string{svc.Spec.ClusterIP}
	}
	var addrs []dns.RR
	for _, s := range ips {
		rr := addressRR(base, s)
		if rr == nil {
			continue
		}
		addrs = append(addrs, rr)
		b.add(rr)
		b.add(&dns.PTR{Hdr: hdr(reverse(s), dns.TypePTR), Ptr: base})
	}
	if len(addrs) == 0 {
		return
	}
	// The bare name also exists for other query types (NODATA, not NXDOMAIN).
	b.set(base)
	for _, p := range svc.Spec.Ports {
		if p.Name == "" {
			continue
		}
		b.addSRV(&dns.SRV{Hdr: hdr(srvName(p.Name, p.Protocol, base), dns.TypeSRV),
			Port: uint16(p.Port), Target: base}, addrs)
	}
}

func (b *builder) headless(base string, sl []*discoveryv1.EndpointSlice) {
	b.set(base)
	for _, s := range sl {
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, ip := range ep.Addresses {
				label := dashed(ip)
				if ep.Hostname != nil && *ep.Hostname != "" {
					label = strings.ToLower(*ep.Hostname)
				}
				host := label + "." + base
				rr := addressRR(host, ip)
				if rr == nil {
					continue
				}
				b.add(rr)
				b.add(addressRR(base, ip))
				b.add(&dns.PTR{Hdr: hdr(reverse(ip), dns.TypePTR), Ptr: host})
				for _, p := range s.Ports {
					if p.Name == nil || *p.Name == "" || p.Port == nil {
						continue
					}
					proto := corev1.ProtocolTCP
					if p.Protocol != nil {
						proto = *p.Protocol
					}
					b.addSRV(&dns.SRV{Hdr: hdr(srvName(*p.Name, proto, base), dns.TypeSRV),
						Port: uint16(*p.Port), Target: host}, []dns.RR{rr})
				}
			}
		}
	}
}

// weighSRV shares the weight between equal-priority targets, as the DNS
// spec for headless services asks, so clients spread their connections.
func weighSRV(srv []dns.RR) {
	if len(srv) == 0 {
		return
	}
	w := uint16(max(1, 100/len(srv)))
	for _, rr := range srv {
		rr.(*dns.SRV).Weight = w
	}
}

func srvName(port string, proto corev1.Protocol, base string) string {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	return "_" + strings.ToLower(port) + "._" + strings.ToLower(string(proto)) + "." + base
}

// addressRR is the A or AAAA record of name for ip, nil when ip is not one.
func addressRR(name, ip string) dns.RR {
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil:
		return nil
	case parsed.To4() != nil:
		return &dns.A{Hdr: hdr(name, dns.TypeA), A: parsed.To4()}
	default:
		return &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA), AAAA: parsed}
	}
}

// dashed is the label Kubernetes names an address by: 10-244-1-5, or
// fd00--5 for fd00::5.
func dashed(ip string) string {
	return strings.NewReplacer(".", "-", ":", "-").Replace(strings.ToLower(ip))
}

func reverse(ip string) string {
	r, err := dns.ReverseAddr(ip)
	if err != nil {
		return ""
	}
	return r
}
