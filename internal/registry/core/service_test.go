package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newService(mutate ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}
	s.Spec.Selector = map[string]string{"app": "web"}
	s.Spec.Ports = []corev1.ServicePort{{Port: 80}}
	for _, m := range mutate {
		m(s)
	}
	defaultService(s)
	normalizeClusterIPs(s, nil)
	return s
}

func TestServiceDefaults(t *testing.T) {
	s := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	spec := s.Spec
	if spec.SessionAffinity != corev1.ServiceAffinityNone || spec.Ports[0].Protocol != corev1.ProtocolTCP ||
		spec.Ports[0].TargetPort != intstr.FromInt32(80) || spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster ||
		*spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster || *spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack ||
		len(spec.IPFamilies) != 1 || spec.IPFamilies[0] != corev1.IPv4Protocol {
		t.Errorf("defaults: %+v", spec)
	}
	if c := newService().Spec; c.Type != corev1.ServiceTypeClusterIP || c.ExternalTrafficPolicy != "" {
		t.Errorf("ClusterIP defaults: %+v", c)
	}
	if e := newService(func(s *corev1.Service) {
		s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "example.com"
	}).Spec; e.IPFamilyPolicy != nil || e.InternalTrafficPolicy != nil {
		t.Errorf("ExternalName got cluster fields: %+v", e)
	}
}

func TestServiceName(t *testing.T) {
	if msgs := apivalidation.NameIsDNS1035Label("1web", false); len(msgs) == 0 {
		t.Error("a Service name may not start with a digit")
	}
}

func TestValidateService(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*corev1.Service)
		want   []string
	}{
		{"valid", func(*corev1.Service) {}, nil},
		{"no ports", func(s *corev1.Service) { s.Spec.Ports = nil }, []string{"spec.ports: Required value"}},
		{"headless without ports", func(s *corev1.Service) { s.Spec.Ports, s.Spec.ClusterIP = nil, "None" }, nil},
		{"unnamed ports", func(s *corev1.Service) { s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 81}) }, []string{
			"spec.ports[0].name: Required value", "spec.ports[1].name: Required value",
		}},
		{"bad port", func(s *corev1.Service) { s.Spec.Ports[0].Port = 0 }, []string{
			"spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
			"spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
		}},
		{"bad protocol", func(s *corev1.Service) { s.Spec.Ports[0].Protocol = "HTTP" }, []string{
			`spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`,
		}},
		{"bad type", func(s *corev1.Service) { s.Spec.Type = "Public" }, []string{
			`spec.type: Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
		}},
		{"node port on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 }, []string{
			"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
		}},
		{"external name missing", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName }, []string{
			"spec.externalName: Required value",
		}},
		{"headless NodePort", func(s *corev1.Service) { s.Spec.Type, s.Spec.ClusterIP = corev1.ServiceTypeNodePort, "None" }, []string{
			`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`,
		}},
		{"session affinity", func(s *corev1.Service) { s.Spec.SessionAffinity = "Cookie" }, []string{
			`spec.sessionAffinity: Unsupported value: "Cookie": supported values: "ClientIP", "None"`,
		}},
		{"bad selector", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"app": "a b"} }, []string{
			`spec.selector: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
		}},
		{"bad cluster IP", func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.300" }, []string{
			`spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, validateService(newService(tc.mutate)), tc.want...)
		})
	}
}

func TestServiceUpdate(t *testing.T) {
	old := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	old.Spec.ClusterIP, old.Spec.ClusterIPs = "10.0.0.10", []string{"10.0.0.10"}
	old.Spec.Ports[0].NodePort = 30080

	// A manifest re-applied without the allocated values keeps them.
	s := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	prepareServiceForUpdate(s, old)
	if s.Spec.ClusterIP != "10.0.0.10" || s.Spec.Ports[0].NodePort != 30080 {
		t.Errorf("allocations not kept: %+v", s.Spec)
	}
	wantErrors(t, validateServiceUpdate(s, old))

	changed := old.DeepCopy()
	changed.Spec.ClusterIP = "10.0.0.11"
	prepareServiceForUpdate(changed, old)
	wantErrors(t, validateServiceUpdate(changed, old),
		`spec.clusterIP: Invalid value: "10.0.0.11": field is immutable`,
		`spec.clusterIPs[0]: Invalid value: ["10.0.0.11"]: may not change once set`)

	// Going to ClusterIP drops the node ports the client left as they were.
	cip := old.DeepCopy()
	cip.Spec.Type = corev1.ServiceTypeClusterIP
	prepareServiceForUpdate(cip, old)
	if cip.Spec.Ports[0].NodePort != 0 || cip.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("type change kept node port fields: %+v", cip.Spec)
	}
	wantErrors(t, validateServiceUpdate(cip, old))
}

func TestServiceRow(t *testing.T) {
	s := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	s.Spec.ClusterIPs = []string{"10.0.0.10"}
	s.Spec.Ports[0].NodePort = 30080
	wantCells(t, serviceRow(s), "web", "NodePort", "10.0.0.10", "<none>", "80:30080/TCP", "<unknown>", "app=web")

	lb := newService(func(s *corev1.Service) { s.Spec.Type, s.Spec.Selector = corev1.ServiceTypeLoadBalancer, nil })
	wantCells(t, serviceRow(lb), "web", "LoadBalancer", "<none>", "<pending>", "80/TCP", "<unknown>", "<none>")
}

func TestServiceFields(t *testing.T) {
	s := newService()
	s.Spec.ClusterIP = "None"
	f := serviceRules().Fields(s)
	if f["spec.clusterIP"] != "None" || f["spec.type"] != "ClusterIP" {
		t.Errorf("fields: %v", f)
	}
}
