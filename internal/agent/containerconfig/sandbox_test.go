package containerconfig

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestSandbox(t *testing.T) {
	b, dir := testBuilder(t)
	pod := testPod()
	share := true
	pod.Spec.ShareProcessNamespace = &share
	pod.Spec.SecurityContext = &v1.PodSecurityContext{Sysctls: []v1.Sysctl{{Name: "net.core.somaxconn", Value: "1024"}}}
	cfg, err := b.Sandbox(pod, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m := cfg.Metadata; m.Name != "web-0" || m.Namespace != "ns" || m.Uid != "uid-1" || m.Attempt != 2 {
		t.Errorf("metadata = %v", m)
	}
	if cfg.Hostname != "web-0" {
		t.Errorf("hostname = %q", cfg.Hostname)
	}
	if want := filepath.Join(dir, "logs", "ns_web-0_uid-1"); cfg.LogDirectory != want {
		t.Errorf("log directory = %q, want %q", cfg.LogDirectory, want)
	}
	wantLabels := map[string]string{"app": "web", LabelPodName: "web-0", LabelPodNamespace: "ns", LabelPodUID: "uid-1"}
	if !reflect.DeepEqual(cfg.Labels, wantLabels) {
		t.Errorf("labels = %v", cfg.Labels)
	}
	if len(cfg.PortMappings) != 1 || cfg.PortMappings[0].HostPort != 8080 || cfg.PortMappings[0].ContainerPort != 80 {
		t.Errorf("port mappings = %v", cfg.PortMappings)
	}
	if got := cfg.DnsConfig.Searches; len(got) != 4 || got[0] != "ns.svc.cluster.local" {
		t.Errorf("dns searches = %v", got)
	}
	l := cfg.Linux
	if l.CgroupParent != "/kubepods/burstable/poduid-1" || l.Sysctls["net.core.somaxconn"] != "1024" {
		t.Errorf("linux = %v", l)
	}
	if ns := l.SecurityContext.NamespaceOptions; ns.Pid != runtimeapi.NamespaceMode_POD || ns.Network != runtimeapi.NamespaceMode_POD {
		t.Errorf("namespaces = %v", ns)
	}
	if l.SecurityContext.Privileged {
		t.Error("sandbox privileged without a privileged container")
	}

	fqdn := true
	pod.Spec.SetHostnameAsFQDN = &fqdn
	pod.Spec.HostNetwork = true
	priv := true
	pod.Spec.Containers[0].SecurityContext = &v1.SecurityContext{Privileged: &priv}
	cfg, err = b.Sandbox(pod, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hostname != "" || cfg.Linux.SecurityContext.NamespaceOptions.Network != runtimeapi.NamespaceMode_NODE || !cfg.Linux.SecurityContext.Privileged {
		t.Errorf("host network sandbox: hostname %q, %v", cfg.Hostname, cfg.Linux.SecurityContext)
	}
	if got := cfg.DnsConfig.Servers; !reflect.DeepEqual(got, []string{"192.168.0.1"}) {
		t.Errorf("host network dns servers = %v", got)
	}

	pod.Spec.HostNetwork = false
	cfg, err = b.Sandbox(pod, 0)
	if err != nil || cfg.Hostname != "web-0.web.ns.svc.cluster.local" {
		t.Errorf("FQDN hostname = %q, %v", cfg.GetHostname(), err)
	}
	pod.Spec.Hostname = strings.Repeat("h", 40)
	if _, err := b.Sandbox(pod, 0); err == nil || !strings.Contains(err.Error(), "is too long (64 characters is the max") {
		t.Errorf("long FQDN error = %v", err)
	}
}
