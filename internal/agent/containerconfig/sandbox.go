package containerconfig

import (
	"fmt"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRI label keys kubelet puts on sandboxes and containers; the agent finds
// its pods' runtime objects by them.
const (
	LabelPodName       = "io.kubernetes.pod.name"
	LabelPodNamespace  = "io.kubernetes.pod.namespace"
	LabelPodUID        = "io.kubernetes.pod.uid"
	LabelContainerName = "io.kubernetes.container.name"
)

// maxHostnameLen is the kernel's limit on a UTS hostname.
const maxHostnameLen = 64

// LogDirectory is the sandbox's log directory: <logDir>/<ns>_<name>_<uid>.
func LogDirectory(logDir string, pod *v1.Pod) string {
	return filepath.Join(logDir, fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID))
}

// Sandbox builds the pod sandbox config for attempt (the number of sandboxes
// created for this pod before).
func (b *Builder) Sandbox(pod *v1.Pod, attempt uint32) (*runtimeapi.PodSandboxConfig, error) {
	cfg := &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{
			Name:      pod.Name,
			Namespace: pod.Namespace,
			Uid:       string(pod.UID),
			Attempt:   attempt,
		},
		LogDirectory: LogDirectory(b.cfg.LogDir, pod),
		Labels:       sandboxLabels(pod),
		Annotations:  copyMap(pod.Annotations),
		PortMappings: portMappings(pod),
	}
	if !pod.Spec.HostNetwork {
		hostname, domain, err := hostnameAndDomain(pod, b.cfg.ClusterDomain)
		if err != nil {
			return nil, err
		}
		if pod.Spec.SetHostnameAsFQDN != nil && *pod.Spec.SetHostnameAsFQDN && domain != "" {
			fqdn := hostname + "." + domain
			if len(fqdn) > maxHostnameLen {
				return nil, fmt.Errorf("failed to construct FQDN from pod hostname and cluster domain, FQDN %s is too long (%d characters is the max, %d characters requested)", fqdn, maxHostnameLen, len(fqdn))
			}
			hostname = fqdn
		}
		cfg.Hostname = hostname
	}
	var host ResolvConf
	if podDNSMode(pod, b.cfg.ClusterDNS) != dnsNone {
		var err error
		if host, err = b.hostResolvConf(); err != nil {
			return nil, err
		}
	}
	cfg.DnsConfig = PodDNS(pod, b.cfg.ClusterDNS, b.cfg.ClusterDomain, host)
	cfg.Linux = &runtimeapi.LinuxPodSandboxConfig{
		SecurityContext: sandboxSecurityContext(pod),
		Sysctls:         sysctls(pod),
	}
	if b.cfg.CgroupParent != nil {
		cfg.Linux.CgroupParent = b.cfg.CgroupParent(pod)
	}
	return cfg, nil
}

// hostnameAndDomain is the pod's hostname (spec.hostname or its name, cut to
// 63 characters) and, with spec.subdomain, its domain
// <subdomain>.<ns>.svc.<clusterDomain>.
func hostnameAndDomain(pod *v1.Pod, clusterDomain string) (string, string, error) {
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	if len(hostname) > maxHostnameLen-1 {
		hostname = strings.TrimRight(hostname[:maxHostnameLen-1], "-.")
		if hostname == "" {
			return "", "", fmt.Errorf("hostname for pod %q was invalid", pod.Name)
		}
	}
	domain := ""
	if pod.Spec.Subdomain != "" {
		domain = fmt.Sprintf("%s.%s.svc.%s", pod.Spec.Subdomain, pod.Namespace, clusterDomain)
	}
	return hostname, domain, nil
}

func sandboxLabels(pod *v1.Pod) map[string]string {
	l := copyMap(pod.Labels)
	l[LabelPodName] = pod.Name
	l[LabelPodNamespace] = pod.Namespace
	l[LabelPodUID] = string(pod.UID)
	return l
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+4)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// portMappings lists the hostPorts of the pod's containers; ports without a
// hostPort need no mapping.
func portMappings(pod *v1.Pod) []*runtimeapi.PortMapping {
	var out []*runtimeapi.PortMapping
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			out = append(out, &runtimeapi.PortMapping{
				Protocol:      protocol(p.Protocol),
				ContainerPort: p.ContainerPort,
				HostPort:      p.HostPort,
				HostIp:        p.HostIP,
			})
		}
	}
	return out
}

func protocol(p v1.Protocol) runtimeapi.Protocol {
	switch p {
	case v1.ProtocolUDP:
		return runtimeapi.Protocol_UDP
	case v1.ProtocolSCTP:
		return runtimeapi.Protocol_SCTP
	}
	return runtimeapi.Protocol_TCP
}

func sysctls(pod *v1.Pod) map[string]string {
	if pod.Spec.SecurityContext == nil || len(pod.Spec.SecurityContext.Sysctls) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, s := range pod.Spec.SecurityContext.Sysctls {
		out[s.Name] = s.Value
	}
	return out
}
