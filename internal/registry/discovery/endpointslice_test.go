package discovery

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ptr[T any](v T) *T { return &v }

func wantErrors(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	var g []string
	for _, e := range got {
		g = append(g, e.Error())
	}
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got: %q\nwant: %q", g, want)
	}
}

func slice(mutate func(*discoveryv1.EndpointSlice)) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abc12", Namespace: "default"},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.5"}, NodeName: ptr("node-1"), Hostname: ptr("web-0")}},
		Ports:       []discoveryv1.EndpointPort{{Port: ptr(int32(80))}},
	}
	endpointSliceRules().Default(s)
	if mutate != nil {
		mutate(s)
	}
	return s
}

func TestEndpointSliceDefaults(t *testing.T) {
	p := slice(nil).Ports[0]
	if *p.Name != "" || *p.Protocol != corev1.ProtocolTCP {
		t.Errorf("port defaults: %+v", p)
	}
}

func TestEndpointSliceValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*discoveryv1.EndpointSlice)
		want   []string
	}{
		{name: "valid"},
		{name: "no address type", mutate: func(s *discoveryv1.EndpointSlice) { s.AddressType = "" },
			want: []string{"addressType: Required value"}},
		{name: "unknown address type", mutate: func(s *discoveryv1.EndpointSlice) { s.AddressType = "MAC" },
			want: []string{`addressType: Unsupported value: "MAC": supported values: "FQDN", "IPv4", "IPv6"`}},
		{name: "addresses", mutate: func(s *discoveryv1.EndpointSlice) {
			s.Endpoints = []discoveryv1.Endpoint{{}, {Addresses: []string{"fd00::1", "127.0.0.1", "nope", "010.1.1.1"}}}
		}, want: []string{
			"endpoints[0].addresses: Required value: must contain at least 1 address",
			`endpoints[1].addresses[0]: Invalid value: "fd00::1": must be an IPv4 address`,
			`endpoints[1].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)`,
			`endpoints[1].addresses[2]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
			`endpoints[1].addresses[3]: Invalid value: "010.1.1.1": must not have leading 0s`,
		}},
		{name: "fqdn", mutate: func(s *discoveryv1.EndpointSlice) {
			s.AddressType = discoveryv1.AddressTypeFQDN
			s.Endpoints[0].Addresses = []string{"db.example.com", "localhost"}
		}, want: []string{`endpoints[0].addresses[1]: Invalid value: "localhost": should be a domain with at least two segments separated by dots`}},
		{name: "ports", mutate: func(s *discoveryv1.EndpointSlice) {
			s.Ports = []discoveryv1.EndpointPort{
				{Name: ptr("http"), Protocol: ptr(corev1.ProtocolTCP)},
				{Name: ptr("http"), Protocol: ptr(corev1.Protocol("ICMP"))},
				{Name: ptr("Bad_Name"), Protocol: ptr(corev1.ProtocolUDP)},
			}
		}, want: []string{
			`ports[1].name: Duplicate value: "http"`,
			`ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`,
			`ports[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
		}},
		{name: "hints", mutate: func(s *discoveryv1.EndpointSlice) {
			s.Endpoints[0].Hints = &discoveryv1.EndpointHints{ForZones: []discoveryv1.ForZone{{Name: "a"}, {Name: "a"}}}
		}, want: []string{`endpoints[0].hints.forZones[1].name: Duplicate value: "a"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, endpointSliceRules().Validate(slice(tc.mutate)), tc.want...)
		})
	}
}

func TestEndpointSliceValidateUpdate(t *testing.T) {
	r := endpointSliceRules()
	old := slice(func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Addresses = []string{"010.0.0.5"} })
	same := old.DeepCopy()
	same.Endpoints[0].Conditions.Ready = ptr(true)
	wantErrors(t, r.ValidateUpdate(same, old))
	v6 := old.DeepCopy()
	v6.AddressType = discoveryv1.AddressTypeIPv6
	v6.Endpoints[0].Addresses = []string{"fd00::5"}
	wantErrors(t, r.ValidateUpdate(v6, old), `addressType: Invalid value: "IPv6": field is immutable`)
}

func TestEndpointSliceTable(t *testing.T) {
	s := slice(func(s *discoveryv1.EndpointSlice) {
		s.Ports = append(s.Ports, discoveryv1.EndpointPort{Name: ptr("metrics")})
		s.Endpoints = append(s.Endpoints,
			discoveryv1.Endpoint{Addresses: []string{"10.0.0.6", "10.0.0.7"}},
			discoveryv1.Endpoint{Addresses: []string{"10.0.0.8"}})
	})
	r := endpointSliceRules()
	want := []interface{}{"web-abc12", "IPv4", "80,metrics", "10.0.0.5,10.0.0.6,10.0.0.7 + 1 more...", "<unknown>"}
	if got := r.Row(s); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if got := r.Row(&discoveryv1.EndpointSlice{}); got[2] != "<unset>" || got[3] != "<unset>" {
		t.Errorf("empty row %#v", got)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
}
