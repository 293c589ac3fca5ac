package pki

import (
	"errors"
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Where joining nodes discover the cluster, as kubeadm publishes it: a
// ConfigMap in kube-public holding a kubeconfig with the API server's URL
// and CA and no credentials.
const (
	ClusterInfoNamespace = "kube-public"
	ClusterInfoName      = "cluster-info"
	ClusterInfoKey       = "kubeconfig"
)

// ClusterInfoKubeconfig is the credential-free kubeconfig published as
// cluster-info: one cluster, named "" as kubeadm names it.
func ClusterInfoKubeconfig(serverURL string, caPEM []byte) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[""] = &clientcmdapi.Cluster{Server: serverURL, CertificateAuthorityData: caPEM}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encode cluster-info kubeconfig: %w", err)
	}
	return out, nil
}

// ParseClusterInfo returns the server URL and CA of a cluster-info
// kubeconfig, which must name exactly one cluster.
func ParseClusterInfo(data []byte) (serverURL string, caPEM []byte, err error) {
	cfg, err := clientcmd.Load(data)
	if err != nil {
		return "", nil, fmt.Errorf("parse cluster-info kubeconfig: %w", err)
	}
	if len(cfg.Clusters) != 1 {
		return "", nil, fmt.Errorf("parse cluster-info kubeconfig: %d clusters, want 1", len(cfg.Clusters))
	}
	for _, c := range cfg.Clusters {
		serverURL, caPEM = c.Server, c.CertificateAuthorityData
	}
	if len(caPEM) == 0 {
		return "", nil, errors.New("parse cluster-info kubeconfig: no certificate-authority-data")
	}
	return serverURL, caPEM, nil
}
