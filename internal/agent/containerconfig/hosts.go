package containerconfig

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	v1 "k8s.io/api/core/v1"
)

// HostsFileContent is the /etc/hosts kubelet manages for a pod: loopback and
// IPv6 well-known names, the pod's own addresses under its hostname (and FQDN
// with a subdomain), then spec.hostAliases. hostNetwork pods see the host's
// file instead of the generated part.
func HostsFileContent(podIPs []string, hostname, fqdn string, aliases []v1.HostAlias, hostNetwork bool, hostFile []byte) []byte {
	var buf bytes.Buffer
	if hostNetwork {
		buf.WriteString("# Kubernetes-managed hosts file (host network).\n")
		buf.Write(hostFile)
		if len(hostFile) > 0 && hostFile[len(hostFile)-1] != '\n' {
			buf.WriteByte('\n')
		}
	} else {
		buf.WriteString("# Kubernetes-managed hosts file.\n")
		buf.WriteString("127.0.0.1\tlocalhost\n")
		buf.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
		buf.WriteString("fe00::0\tip6-localnet\n")
		buf.WriteString("fe00::0\tip6-mcastprefix\n")
		buf.WriteString("fe00::1\tip6-allnodes\n")
		buf.WriteString("fe00::2\tip6-allrouters\n")
		for _, ip := range podIPs {
			if fqdn != "" {
				fmt.Fprintf(&buf, "%s\t%s\t%s\n", ip, fqdn, hostname)
			} else {
				fmt.Fprintf(&buf, "%s\t%s\n", ip, hostname)
			}
		}
	}
	if len(aliases) > 0 {
		buf.WriteString("\n# Entries added by HostAliases.\n")
		for _, a := range aliases {
			buf.WriteString(a.IP)
			for _, h := range a.Hostnames {
				buf.WriteString("\t" + h)
			}
			buf.WriteByte('\n')
		}
	}
	return buf.Bytes()
}

// writeHostsFile writes <podDir>/etc-hosts, replacing it atomically so a
// container reading it never sees half a file.
func (b *Builder) writeHostsFile(pod *v1.Pod, podDir string, podIPs []string) (string, error) {
	hostname, domain, err := hostnameAndDomain(pod, b.cfg.ClusterDomain)
	if err != nil {
		return "", err
	}
	fqdn := ""
	if domain != "" {
		fqdn = hostname + "." + domain
	}
	var hostFile []byte
	if pod.Spec.HostNetwork {
		hostFile, err = os.ReadFile(b.cfg.HostsFile)
		if err != nil {
			return "", fmt.Errorf("read host hosts file: %w", err)
		}
	}
	content := HostsFileContent(podIPs, hostname, fqdn, pod.Spec.HostAliases, pod.Spec.HostNetwork, hostFile)
	path := filepath.Join(podDir, "etc-hosts")
	if err := writeFileAtomic(path, content, 0o644); err != nil {
		return "", fmt.Errorf("write hosts file for pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return path, nil
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
