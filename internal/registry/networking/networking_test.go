package networking

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
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

func TestNetworkPolicyDefaults(t *testing.T) {
	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{}}}},
	}}
	networkPolicyRules().Default(np)
	if !reflect.DeepEqual(np.Spec.PolicyTypes, []networkingv1.PolicyType{"Ingress", "Egress"}) || *np.Spec.Egress[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("defaults %+v", np.Spec)
	}
	ingressOnly := &networkingv1.NetworkPolicy{}
	defaultNetworkPolicy(ingressOnly)
	if !reflect.DeepEqual(ingressOnly.Spec.PolicyTypes, []networkingv1.PolicyType{"Ingress"}) {
		t.Errorf("defaults %+v", ingressOnly.Spec)
	}
}

func TestNetworkPolicyValidate(t *testing.T) {
	port := func(p intstr.IntOrString, end *int32) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Port: &p, EndPort: end}
	}
	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
		Ingress: []networkingv1.NetworkPolicyIngressRule{{
			Ports: []networkingv1.NetworkPolicyPort{
				port(intstr.FromInt32(5432), nil),
				port(intstr.FromInt32(9000), ptr(int32(8000))),
				port(intstr.FromString("http"), ptr(int32(90))),
				{Protocol: ptr(corev1.Protocol("ICMP"))},
			},
			From: []networkingv1.NetworkPolicyPeer{
				{},
				{PodSelector: &metav1.LabelSelector{}, IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}},
				{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.1.0.0/24", "10.0.1.0/24"}}},
			},
		}},
		PolicyTypes: []networkingv1.PolicyType{"Ingress", "Sideways"},
	}}
	wantErrors(t, networkPolicyRules().Validate(np),
		"spec.ingress[0].ports[1].endPort: Invalid value: 9000: must be greater than or equal to `port`",
		"spec.ingress[0].ports[2].endPort: Invalid value: 90: may not be specified when `port` is non-numeric",
		`spec.ingress[0].ports[3].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`,
		"spec.ingress[0].from[0]: Required value: must specify a peer",
		"spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
		`spec.ingress[0].from[2].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `+"`cidr`",
		`spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"`,
	)
	row := networkPolicyRules().Row(np)
	if row[1] != "app=db" {
		t.Errorf("row %#v", row)
	}
}

func ingress(mutate func(*networkingv1.Ingress)) *networkingv1.Ingress {
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr("nginx"),
			Rules: []networkingv1.IngressRule{{Host: "web.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}},
			}}}},
		},
	}
	if mutate != nil {
		mutate(ing)
	}
	return ing
}

func TestIngressValidate(t *testing.T) {
	path := func(ing *networkingv1.Ingress) *networkingv1.HTTPIngressPath { return &ing.Spec.Rules[0].HTTP.Paths[0] }
	for _, tc := range []struct {
		name   string
		mutate func(*networkingv1.Ingress)
		want   []string
	}{
		{name: "valid"},
		{name: "empty", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules = nil },
			want: []string{"spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"}},
		{name: "no pathType", mutate: func(i *networkingv1.Ingress) { path(i).PathType = nil },
			want: []string{"spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"}},
		{name: "relative path", mutate: func(i *networkingv1.Ingress) { path(i).Path = "api/.." },
			want: []string{
				`spec.rules[0].http.paths[0].path: Invalid value: "api/..": must be an absolute path`,
				`spec.rules[0].http.paths[0].path: Invalid value: "api/..": cannot end with '/..'`,
			}},
		{name: "ip host", mutate: func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "10.0.0.1" },
			want: []string{`spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address`}},
		{name: "backend", mutate: func(i *networkingv1.Ingress) {
			path(i).Backend.Service.Port = networkingv1.ServiceBackendPort{}
			i.Spec.DefaultBackend = &networkingv1.IngressBackend{}
		}, want: []string{
			`spec.defaultBackend: Invalid value: "": resource or service backend is required`,
			"spec.rules[0].http.paths[0].backend: Required value: port name or number is required",
		}},
		{name: "class annotation", mutate: func(i *networkingv1.Ingress) {
			i.Annotations = map[string]string{"kubernetes.io/ingress.class": "traefik"}
		},
			want: []string{`annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match ` + "`ingressClassName`" + ` when both are specified`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, ingressRules().Validate(ingress(tc.mutate)), tc.want...)
		})
	}

	// Invalid secret names stored earlier stay updatable.
	old := ingress(func(i *networkingv1.Ingress) { i.Spec.TLS = []networkingv1.IngressTLS{{SecretName: "Bad_Secret"}} })
	wantErrors(t, ingressRules().ValidateUpdate(old.DeepCopy(), old))
	if errs := ingressRules().Validate(old); len(errs) != 1 || errs[0].Field != "spec.tls[0].secretName" {
		t.Errorf("secret name errors %v", errs)
	}
	st := ingress(func(i *networkingv1.Ingress) {
		i.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "1.2.3"}, {Hostname: "1.2.3.4"}}
	})
	wantErrors(t, ingressRules().ValidateStatusUpdate(st, ingress(nil)),
		`status.loadBalancer.ingress[0].ip: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
		`status.loadBalancer.ingress[1].hostname: Invalid value: "1.2.3.4": must be a DNS name, not an IP address`)
}

func TestIngressTable(t *testing.T) {
	ing := ingress(func(i *networkingv1.Ingress) {
		for _, h := range []string{"a.example.com", "b.example.com", "c.example.com"} {
			i.Spec.Rules = append(i.Spec.Rules, networkingv1.IngressRule{Host: h})
		}
		i.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"web.example.com"}}}
		i.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "10.0.0.9"}, {Hostname: "lb.example.com"}, {IP: "10.0.0.9"}}
	})
	r := ingressRules()
	want := []interface{}{"web", "nginx", "web.example.com,a.example.com,b.example.com + 1 more...", "10.0.0.9,lb.example.com", "80, 443", "<unknown>"}
	if got := r.Row(ing); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(r.Columns) != len(want) {
		t.Errorf("%d columns for %d cells", len(r.Columns), len(want))
	}
	bare := &networkingv1.Ingress{Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{}}}}
	if got := r.Row(bare); got[1] != "<none>" || got[2] != "*" || got[4] != "80" {
		t.Errorf("bare row %#v", got)
	}
}

func TestIngressClass(t *testing.T) {
	r := ingressClassRules()
	ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{
		Controller: "k8s.io/ingress-nginx",
		Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb"},
	}}
	r.Default(ic)
	if *ic.Spec.Parameters.Scope != "Cluster" {
		t.Errorf("scope default %v", *ic.Spec.Parameters.Scope)
	}
	wantErrors(t, r.Validate(ic))
	want := []interface{}{"nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "<unknown>"}
	if got := r.Row(ic); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}

	bad := ic.DeepCopy()
	bad.Spec.Controller = "nginx"
	bad.Spec.Parameters.Scope = ptr("Namespace")
	wantErrors(t, r.ValidateUpdate(bad, ic),
		`spec.controller: Invalid value: "nginx": field is immutable`,
		`spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")`,
		"spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
	)
}
