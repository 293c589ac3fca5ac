package csrsigning_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/controller/certificates/csrapproving"
	"github.com/bosun-dev/bosun/internal/controller/certificates/csrsigning"
	"github.com/bosun-dev/bosun/internal/pki"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// A node holding only a bootstrap token asks for its client certificate:
// the approver approves it and the signer issues one from the cluster CA
// that names the node.
func TestIntegrationBootstrapTokenCSRIssued(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ca, err := pki.LoadCA(env.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	factory := informers.NewSharedInformerFactory(env.Client, 0)
	approver := csrapproving.New(env.Client, factory, record.NewFakeRecorder(10))
	signer := csrsigning.New(env.Client, factory, record.NewFakeRecorder(10), csrsigning.Options{CA: ca})
	factory.Start(ctx.Done())
	go approver.Run(ctx, 1)
	go signer.Run(ctx, 1)

	token, err := auth.GenerateBootstrapToken()
	if err != nil {
		t.Fatal(err)
	}
	secret := auth.NewBootstrapTokenSecret(token, auth.BootstrapTokenOptions{Expires: time.Now().Add(time.Hour)})
	if _, err := env.Client.CoreV1().Secrets(secret.Namespace).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tokenClient := kubernetes.NewForConfigOrDie(&rest.Config{Host: env.Config.Host, BearerToken: token.String(),
		TLSClientConfig: rest.TLSClientConfig{CAData: ca.CAPEM}})

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	req := &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "node-csr-"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: certificatesv1.KubeAPIServerClientKubeletSignerName,
			Usages:     []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth},
		},
	}
	// The server's token cache fills just after it starts serving.
	var created *certificatesv1.CertificateSigningRequest
	err = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		created, err = tokenClient.CertificatesV1().CertificateSigningRequests().Create(ctx, req, metav1.CreateOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("create csr with the bootstrap token: %v", err)
	}
	if created.Spec.Username != "system:bootstrap:"+token.ID {
		t.Errorf("csr requested by %q, want system:bootstrap:%s", created.Spec.Username, token.ID)
	}

	var issued *certificatesv1.CertificateSigningRequest
	err = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		issued, err = tokenClient.CertificatesV1().CertificateSigningRequests().Get(ctx, created.Name, metav1.GetOptions{})
		return err == nil && len(issued.Status.Certificate) > 0, nil
	})
	if err != nil {
		t.Fatalf("certificate never issued: %+v", issued.Status)
	}
	cert, err := pki.ParseCert(issued.Status.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("issued certificate does not verify as a client certificate: %v", err)
	}
	if cert.Subject.CommonName != "system:node:n1" || !key.PublicKey.Equal(cert.PublicKey) {
		t.Errorf("issued certificate for %v with another key", cert.Subject)
	}
	if c := issued.Status.Conditions; len(c) != 1 || c[0].Reason != csrapproving.Reason {
		t.Errorf("conditions = %+v, want one AutoApproved", c)
	}
}
