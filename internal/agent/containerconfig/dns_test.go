package containerconfig

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestParseResolvConf(t *testing.T) {
	rc := ParseResolvConf([]byte("# comment\nnameserver 1.1.1.1\nsearch old.example\nnameserver 8.8.8.8 ; trailing\nsearch corp.example. lab.example\noptions rotate timeout:2\n"))
	want := ResolvConf{Nameservers: []string{"1.1.1.1", "8.8.8.8"}, Searches: []string{"corp.example", "lab.example"}, Options: []string{"rotate", "timeout:2"}}
	if !reflect.DeepEqual(rc, want) {
		t.Errorf("ParseResolvConf = %+v, want %+v", rc, want)
	}
}

func TestPodDNS(t *testing.T) {
	host := ResolvConf{Nameservers: []string{"192.168.0.1"}, Searches: []string{"corp.example"}, Options: []string{"timeout:2"}}
	cluster := []string{"10.96.0.10"}
	ndots := "2"
	pod := func(policy v1.DNSPolicy, hostNet bool, dc *v1.PodDNSConfig) *v1.Pod {
		p := &v1.Pod{Spec: v1.PodSpec{DNSPolicy: policy, HostNetwork: hostNet, DNSConfig: dc}}
		p.Namespace = "ns"
		return p
	}
	clusterSearch := []string{"ns.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"}
	for _, tc := range []struct {
		name                       string
		pod                        *v1.Pod
		clusterDNS                 []string
		servers, searches, options []string
	}{
		{"cluster first", pod(v1.DNSClusterFirst, false, nil), cluster, cluster, clusterSearch, []string{"ndots:5"}},
		{"unset policy is cluster first", pod("", false, nil), cluster, cluster, clusterSearch, []string{"ndots:5"}},
		{"no cluster DNS falls back to host", pod(v1.DNSClusterFirst, false, nil), nil, host.Nameservers, host.Searches, host.Options},
		{"default", pod(v1.DNSDefault, false, nil), cluster, host.Nameservers, host.Searches, host.Options},
		{"host network cluster first uses host", pod(v1.DNSClusterFirst, true, nil), cluster, host.Nameservers, host.Searches, host.Options},
		{"cluster first with host net", pod(v1.DNSClusterFirstWithHostNet, true, nil), cluster, cluster, clusterSearch, []string{"ndots:5"}},
		{"none with config", pod(v1.DNSNone, false, &v1.PodDNSConfig{Nameservers: []string{"9.9.9.9"}, Searches: []string{"a.example"}, Options: []v1.PodDNSConfigOption{{Name: "edns0"}}}), cluster,
			[]string{"9.9.9.9"}, []string{"a.example"}, []string{"edns0"}},
		{"merged config", pod(v1.DNSClusterFirst, false, &v1.PodDNSConfig{
			Nameservers: []string{"10.96.0.10", "9.9.9.9"}, Searches: []string{"cluster.local", "x.example"},
			Options: []v1.PodDNSConfigOption{{Name: "ndots", Value: &ndots}, {Name: "single-request"}}}), cluster,
			[]string{"10.96.0.10", "9.9.9.9"}, append(append([]string{}, clusterSearch...), "x.example"), []string{"ndots:2", "single-request"}},
	} {
		got := PodDNS(tc.pod, tc.clusterDNS, "cluster.local", host)
		if !reflect.DeepEqual(got.Servers, tc.servers) || !reflect.DeepEqual(got.Searches, tc.searches) || !reflect.DeepEqual(got.Options, tc.options) {
			t.Errorf("%s: PodDNS = servers %v searches %v options %v\nwant servers %v searches %v options %v",
				tc.name, got.Servers, got.Searches, got.Options, tc.servers, tc.searches, tc.options)
		}
	}
}

func TestHostsFileContent(t *testing.T) {
	got := string(HostsFileContent([]string{"10.1.0.5"}, "web-0", "web-0.web.ns.svc.cluster.local",
		[]v1.HostAlias{{IP: "1.2.3.4", Hostnames: []string{"foo", "bar"}}}, false, nil))
	want := "# Kubernetes-managed hosts file.\n" +
		"127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\n" +
		"fe00::0\tip6-mcastprefix\n" +
		"fe00::1\tip6-allnodes\n" +
		"fe00::2\tip6-allrouters\n" +
		"10.1.0.5\tweb-0.web.ns.svc.cluster.local\tweb-0\n" +
		"\n# Entries added by HostAliases.\n" +
		"1.2.3.4\tfoo\tbar\n"
	if got != want {
		t.Errorf("hosts file:\n%s\nwant:\n%s", got, want)
	}
	got = string(HostsFileContent(nil, "node", "", nil, true, []byte("127.0.0.1 localhost")))
	if want := "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n"; got != want {
		t.Errorf("host network hosts file = %q, want %q", got, want)
	}
}
