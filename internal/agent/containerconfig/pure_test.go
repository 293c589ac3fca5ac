package containerconfig

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "EMPTY": "", "B": "$(A)"}
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"$(A)", "a"},
		{"x$(A)y$(A)", "xaya"},
		{"$(EMPTY)|", "|"},
		{"$(MISSING)", "$(MISSING)"},
		{"$$(A)", "$(A)"},
		{"$$", "$"},
		{"$$$$", "$$"},
		{"$A", "$A"},
		{"a$", "a$"},
		{"$(A", "$(A"},
		{"$()", "$()"},
		{"$(B)", "$(A)"}, // no recursive expansion
		{"$$$(A)", "$a"},
	} {
		if got := Expand(tc.in, mappingFor(vars)); got != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func res(pairs ...string) v1.ResourceList {
	l := v1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		l[v1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return l
}

func podWith(containers ...v1.ResourceRequirements) *v1.Pod {
	p := &v1.Pod{}
	for _, r := range containers {
		p.Spec.Containers = append(p.Spec.Containers, v1.Container{Resources: r})
	}
	return p
}

func TestQOSClass(t *testing.T) {
	full := v1.ResourceRequirements{Requests: res("cpu", "1", "memory", "1Gi"), Limits: res("cpu", "1", "memory", "1Gi")}
	for _, tc := range []struct {
		name string
		pod  *v1.Pod
		want v1.PodQOSClass
	}{
		{"no resources", podWith(v1.ResourceRequirements{}), v1.PodQOSBestEffort},
		{"only ephemeral storage", podWith(v1.ResourceRequirements{Requests: res("ephemeral-storage", "1Gi")}), v1.PodQOSBestEffort},
		{"zero requests", podWith(v1.ResourceRequirements{Requests: res("cpu", "0")}), v1.PodQOSBestEffort},
		{"equal limits", podWith(full, full), v1.PodQOSGuaranteed},
		// API defaulting copies limits into requests; without it the pod is Burstable, as in Kubernetes.
		{"limits only, not defaulted", podWith(v1.ResourceRequirements{Limits: res("cpu", "1", "memory", "1Gi")}), v1.PodQOSBurstable},
		{"cpu limit only", podWith(v1.ResourceRequirements{Limits: res("cpu", "1")}), v1.PodQOSBurstable},
		{"request below limit", podWith(v1.ResourceRequirements{Requests: res("cpu", "500m", "memory", "1Gi"), Limits: res("cpu", "1", "memory", "1Gi")}), v1.PodQOSBurstable},
		{"one best-effort container", podWith(full, v1.ResourceRequirements{}), v1.PodQOSBurstable},
		{"status wins", func() *v1.Pod { p := podWith(full); p.Status.QOSClass = v1.PodQOSBurstable; return p }(), v1.PodQOSBurstable},
		{"pod-level resources", func() *v1.Pod {
			p := podWith(v1.ResourceRequirements{})
			p.Spec.Resources = &v1.ResourceRequirements{Requests: res("cpu", "1", "memory", "1Gi"), Limits: res("cpu", "1", "memory", "1Gi")}
			return p
		}(), v1.PodQOSGuaranteed},
		{"init container counts", func() *v1.Pod {
			p := podWith(full)
			p.Spec.InitContainers = []v1.Container{{Resources: v1.ResourceRequirements{Requests: res("memory", "1Mi")}}}
			return p
		}(), v1.PodQOSBurstable},
	} {
		if got := QOSClass(tc.pod); got != tc.want {
			t.Errorf("%s: QOSClass = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestOOMScoreAdj(t *testing.T) {
	const gi = 1 << 30
	c := func(mem string) *v1.Container {
		if mem == "" {
			return &v1.Container{}
		}
		return &v1.Container{Resources: v1.ResourceRequirements{Requests: res("memory", mem)}}
	}
	for _, tc := range []struct {
		qos  v1.PodQOSClass
		c    *v1.Container
		want int64
	}{
		{v1.PodQOSGuaranteed, c("1Gi"), -997},
		{v1.PodQOSBestEffort, c(""), 1000},
		{v1.PodQOSBurstable, c("1Gi"), 900},   // 10% of 10Gi
		{v1.PodQOSBurstable, c(""), 999},      // no request: just below BestEffort
		{v1.PodQOSBurstable, c("10Gi"), 3},    // all memory: just above Guaranteed
		{v1.PodQOSBurstable, c("20Gi"), 3},    // more than the node
		{v1.PodQOSBurstable, c("512Mi"), 950}, // 5%
	} {
		if got := OOMScoreAdj(tc.qos, tc.c, 10*gi); got != tc.want {
			t.Errorf("OOMScoreAdj(%s, %v) = %d, want %d", tc.qos, tc.c.Resources.Requests, got, tc.want)
		}
	}
}

func TestCPUConversions(t *testing.T) {
	for _, tc := range []struct{ milli, shares, quota int64 }{
		{0, 2, 0},
		{1, 2, 1000},
		{10, 10, 1000},
		{100, 102, 10000},
		{250, 256, 25000},
		{1000, 1024, 100000},
		{2500, 2560, 250000},
		{1000000, 262144, 100000000},
	} {
		if got := MilliCPUToShares(tc.milli); got != tc.shares {
			t.Errorf("MilliCPUToShares(%d) = %d, want %d", tc.milli, got, tc.shares)
		}
		if got := MilliCPUToQuota(tc.milli, QuotaPeriod); got != tc.quota {
			t.Errorf("MilliCPUToQuota(%d) = %d, want %d", tc.milli, got, tc.quota)
		}
	}
}

func TestLinuxResources(t *testing.T) {
	c := &v1.Container{Resources: v1.ResourceRequirements{Limits: res("cpu", "500m", "memory", "128Mi")}}
	r := linuxResources(c, v1.PodQOSGuaranteed, 1<<30)
	if r.CpuShares != 512 || r.CpuQuota != 50000 || r.CpuPeriod != 100000 || r.MemoryLimitInBytes != 128<<20 || r.OomScoreAdj != -997 {
		t.Errorf("limits only: %+v", r)
	}
	r = linuxResources(&v1.Container{}, v1.PodQOSBestEffort, 1<<30)
	if r.CpuShares != 2 || r.CpuQuota != 0 || r.MemoryLimitInBytes != 0 || r.OomScoreAdj != 1000 {
		t.Errorf("best effort: %+v", r)
	}
}

func TestServiceEnvVars(t *testing.T) {
	svc := &v1.Service{}
	svc.Name = "my-svc"
	svc.Spec.ClusterIP = "10.0.0.5"
	svc.Spec.Ports = []v1.ServicePort{{Name: "http", Port: 80, Protocol: v1.ProtocolTCP}, {Name: "dns-udp", Port: 53, Protocol: v1.ProtocolUDP}}
	got := map[string]string{}
	for _, e := range ServiceEnvVars(svc) {
		got[e.Name] = e.Value
	}
	want := map[string]string{
		"MY_SVC_SERVICE_HOST":         "10.0.0.5",
		"MY_SVC_SERVICE_PORT":         "80",
		"MY_SVC_SERVICE_PORT_HTTP":    "80",
		"MY_SVC_SERVICE_PORT_DNS_UDP": "53",
		"MY_SVC_PORT":                 "tcp://10.0.0.5:80",
		"MY_SVC_PORT_80_TCP":          "tcp://10.0.0.5:80",
		"MY_SVC_PORT_80_TCP_PROTO":    "tcp",
		"MY_SVC_PORT_80_TCP_PORT":     "80",
		"MY_SVC_PORT_80_TCP_ADDR":     "10.0.0.5",
		"MY_SVC_PORT_53_UDP":          "udp://10.0.0.5:53",
		"MY_SVC_PORT_53_UDP_PROTO":    "udp",
		"MY_SVC_PORT_53_UDP_PORT":     "53",
		"MY_SVC_PORT_53_UDP_ADDR":     "10.0.0.5",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ServiceEnvVars = %v\nwant %v", got, want)
	}
	svc.Spec.ClusterIP = v1.ClusterIPNone
	if env := ServiceEnvVars(svc); env != nil {
		t.Errorf("headless service got env %v", env)
	}
}

func TestFieldValue(t *testing.T) {
	pod := &v1.Pod{}
	pod.Name, pod.Namespace, pod.UID = "p", "ns", "uid-1"
	pod.Labels = map[string]string{"app": "web"}
	pod.Annotations = map[string]string{"a.b/c": "d"}
	pod.Spec.NodeName = "node-1"
	pod.Spec.ServiceAccountName = "sa"
	podIPs := []string{"10.1.0.5", "fd00::5"}
	hostIPs := []string{"192.168.1.2"}
	for path, want := range map[string]string{
		"metadata.name":                 "p",
		"metadata.namespace":            "ns",
		"metadata.uid":                  "uid-1",
		"metadata.labels['app']":        "web",
		"metadata.labels['missing']":    "",
		"metadata.annotations['a.b/c']": "d",
		"spec.nodeName":                 "node-1",
		"spec.serviceAccountName":       "sa",
		"status.podIP":                  "10.1.0.5",
		"status.podIPs":                 "10.1.0.5,fd00::5",
		"status.hostIP":                 "192.168.1.2",
		"status.hostIPs":                "192.168.1.2",
	} {
		got, err := FieldValue(pod, path, podIPs, hostIPs)
		if err != nil || got != want {
			t.Errorf("FieldValue(%s) = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := FieldValue(pod, "spec.bogus", nil, nil); err == nil {
		t.Error("FieldValue(spec.bogus) succeeded")
	}
}

func TestResourceFieldValue(t *testing.T) {
	pod := &v1.Pod{Spec: v1.PodSpec{Containers: []v1.Container{
		{Name: "a", Resources: v1.ResourceRequirements{Requests: res("cpu", "250m", "memory", "64Mi"), Limits: res("memory", "128Mi")}},
		{Name: "b", Resources: v1.ResourceRequirements{Limits: res("cpu", "2")}},
	}}}
	alloc := res("cpu", "4", "memory", "8Gi", "ephemeral-storage", "100Gi")
	for _, tc := range []struct {
		container, resource, divisor, want string
	}{
		{"", "requests.cpu", "", "1"}, // 250m rounds up to 1 core
		{"", "requests.cpu", "1m", "250"},
		{"", "limits.cpu", "", "4"}, // node allocatable
		{"", "limits.memory", "1Mi", "128"},
		{"", "requests.memory", "", "67108864"},
		{"", "limits.ephemeral-storage", "1Gi", "100"},
		{"b", "limits.cpu", "", "2"},
		{"b", "requests.memory", "", "0"},
	} {
		ref := &v1.ResourceFieldSelector{ContainerName: tc.container, Resource: tc.resource}
		if tc.divisor != "" {
			ref.Divisor = resource.MustParse(tc.divisor)
		}
		got, err := ResourceFieldValue(pod, &pod.Spec.Containers[0], ref, alloc)
		if err != nil || got != tc.want {
			t.Errorf("ResourceFieldValue(%s %s /%s) = %q, %v; want %q", tc.container, tc.resource, tc.divisor, got, err, tc.want)
		}
	}
	if _, err := ResourceFieldValue(pod, &pod.Spec.Containers[0], &v1.ResourceFieldSelector{Resource: "limits.bogus"}, alloc); err == nil {
		t.Error("unsupported resource accepted")
	}
}
