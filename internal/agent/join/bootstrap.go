package join

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/pki"
)

// bootstrap turns the token into the node's own client certificate and
// writes ca.crt, client.crt, client.key and, last, the kubeconfig: until
// that exists the next start bootstraps again. Nothing is written unless
// the CA matches its pin, the token works and no Ready node has the name.
func bootstrap(ctx context.Context, cfg Config) (*rest.Config, error) {
	if cfg.Server == "" || cfg.Token == "" || cfg.CACertHash == "" {
		return nil, fmt.Errorf("join: no node kubeconfig in %s yet, so --server, --token and --ca-cert-hash are all needed", cfg.DataDir)
	}
	if _, err := auth.ParseBootstrapToken(cfg.Token); err != nil {
		return nil, fmt.Errorf("join: --token: %w", err)
	}
	caPEM, err := discoverCA(ctx, cfg)
	if err != nil {
		return nil, err
	}
	tokenREST := &rest.Config{Host: cfg.Server, BearerToken: cfg.Token, TLSClientConfig: rest.TLSClientConfig{CAData: caPEM}}
	client, err := kubernetes.NewForConfig(tokenREST)
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	if err := checkNodeName(ctx, client, cfg.NodeName); err != nil {
		return nil, err
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("join: generate node key: %w", err)
	}
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: nodeUser(cfg.NodeName), Organization: []string{nodesGroup}}}
	usages := []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}
	fmt.Fprintf(cfg.Progress, "Waiting for the API server to sign this node's client certificate\n")
	certPEM, err := requestCertificate(ctx, client, key, tmpl, certificatesv1.KubeAPIServerClientKubeletSignerName, usages, cfg.SignTimeout)
	if err != nil {
		return nil, fmt.Errorf("join: client certificate: %w", err)
	}
	keyPEM, err := pki.EncodeKey(key)
	if err != nil {
		return nil, err
	}
	kubeconfig, err := nodeKubeconfig(cfg.Server, caPEM, certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	if err := writeFiles([]file{
		{pkiPath(cfg.DataDir, "ca.crt"), caPEM, 0o644},
		{pkiPath(cfg.DataDir, "client.crt"), certPEM, 0o644},
		{pkiPath(cfg.DataDir, "client.key"), keyPEM, 0o600},
		{kubeconfigPath(cfg.DataDir), kubeconfig, 0o600},
	}); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	fmt.Fprintf(cfg.Progress, "This node joined the cluster at %s as %s\n", cfg.Server, nodeUser(cfg.NodeName))
	return clientcmd.RESTConfigFromKubeConfig(kubeconfig)
}

// discoverCA fetches cluster-info with the token over TLS it cannot verify
// yet (it has no CA), then trusts the CA inside only if its key matches
// the pin: a server in the middle could hand out any CA, but not one with
// the pinned key.
func discoverCA(ctx context.Context, cfg Config) ([]byte, error) {
	insecure := &rest.Config{Host: cfg.Server, BearerToken: cfg.Token, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	client, err := kubernetes.NewForConfig(insecure)
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	cm, err := client.CoreV1().ConfigMaps(pki.ClusterInfoNamespace).Get(ctx, pki.ClusterInfoName, metav1.GetOptions{})
	if apierrors.IsUnauthorized(err) {
		return nil, fmt.Errorf("join: %s rejected the bootstrap token (401 Unauthorized): it is wrong, expired or deleted; make a new one with `bosun token create`", cfg.Server)
	}
	if err != nil {
		return nil, fmt.Errorf("join: fetch %s/%s from %s: %w", pki.ClusterInfoNamespace, pki.ClusterInfoName, cfg.Server, err)
	}
	_, caPEM, err := pki.ParseClusterInfo([]byte(cm.Data[pki.ClusterInfoKey]))
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	ca, err := pki.ParseCert(caPEM)
	if err != nil {
		return nil, fmt.Errorf("join: cluster-info CA: %w", err)
	}
	if got, want := pki.PublicKeyPin(ca), strings.ToLower(strings.TrimSpace(cfg.CACertHash)); got != want {
		return nil, fmt.Errorf("join: the cluster CA of %s has public key pin %s, but --ca-cert-hash is %s: refusing to trust it", cfg.Server, got, cfg.CACertHash)
	}
	return caPEM, nil
}

// checkNodeName refuses to take over a live node's name, as kubeadm join.
func checkNodeName(ctx context.Context, client kubernetes.Interface, name string) error {
	node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("join: look up node %s: %w", name, err)
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return fmt.Errorf("a Node with name %q and status %q already exists in the cluster. You must delete the existing Node or change the name of this new joining Node", name, "Ready")
		}
	}
	return nil
}

// nodeKubeconfig embeds everything, so the file alone is the node's identity.
func nodeKubeconfig(server string, caPEM, certPEM, keyPEM []byte) ([]byte, error) {
	const name = "bosun-node"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	cfg.CurrentContext = name
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("encode node kubeconfig: %w", err)
	}
	return out, nil
}
