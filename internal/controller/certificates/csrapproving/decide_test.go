package csrapproving

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"strings"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

const (
	clientSigner  = certificatesv1.KubeAPIServerClientKubeletSignerName
	servingSigner = certificatesv1.KubeletServingSignerName
)

var (
	nodeSubject   = pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}
	clientUsages  = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}
	servingUsages = []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageServerAuth}
	bootstrapper  = []string{"system:bootstrappers", "system:bootstrappers:bosun:default-node-token", "system:authenticated"}
	nodeGroups    = []string{"system:nodes", "system:authenticated"}
)

func newCSR(t *testing.T, signer string, tmpl x509.CertificateRequest, usages []certificatesv1.KeyUsage, user string, groups []string) *certificatesv1.CertificateSigningRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "node-csr-x", ResourceVersion: "1"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: signer, Usages: usages, Username: user, Groups: groups,
		},
	}
}

func TestDecide(t *testing.T) {
	serving := x509.CertificateRequest{Subject: nodeSubject, DNSNames: []string{"n1"}, IPAddresses: []net.IP{net.ParseIP("10.1.0.3")}}
	approved := func(c *certificatesv1.CertificateSigningRequest) *certificatesv1.CertificateSigningRequest {
		c.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue}}
		return c
	}
	denied := func(c *certificatesv1.CertificateSigningRequest) *certificatesv1.CertificateSigningRequest {
		c.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateDenied, Status: corev1.ConditionTrue}}
		return c
	}
	tests := []struct {
		name     string
		csr      *certificatesv1.CertificateSigningRequest
		wantMsg  string
		wantSkip string
	}{
		{"new node by bootstrap token", newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "system:bootstrap:abcdef", bootstrapper), ClientMessage, ""},
		{"renewal by the node", newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "system:node:n1", nodeGroups), ClientMessage, ""},
		{"client for another node", newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "system:node:n2", nodeGroups), "", "neither a bootstrap token nor the node system:node:n1"},
		{"client by a user", newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "alice", []string{"system:authenticated"}), "", "neither a bootstrap token"},
		{"client with server auth", newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, servingUsages, "system:bootstrap:abcdef", bootstrapper), "", "is not allowed"},
		{"client not for a node", newCSR(t, clientSigner, x509.CertificateRequest{Subject: pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}}}, clientUsages, "system:bootstrap:abcdef", bootstrapper), "", "must be system:node:"},
		{"serving by the node", newCSR(t, servingSigner, serving, servingUsages, "system:node:n1", nodeGroups), ServingMessage, ""},
		{"serving by a bootstrap token", newCSR(t, servingSigner, serving, servingUsages, "system:bootstrap:abcdef", bootstrapper), "", "not the node system:node:n1"},
		{"serving by another node", newCSR(t, servingSigner, serving, servingUsages, "system:node:n2", nodeGroups), "", "not the node"},
		{"serving without names", newCSR(t, servingSigner, x509.CertificateRequest{Subject: nodeSubject}, servingUsages, "system:node:n1", nodeGroups), "", "at least one"},
		{"other signer", newCSR(t, certificatesv1.KubeAPIServerClientSignerName, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "system:node:n1", nodeGroups), "", "not approved automatically"},
		{"already approved", approved(newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "system:node:n1", nodeGroups)), "", "already decided"},
		{"denied by a human", denied(newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "system:node:n1", nodeGroups)), "", "already decided"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, skip := Decide(tc.csr)
			if msg != tc.wantMsg || !strings.Contains(skip, tc.wantSkip) || (tc.wantSkip == "") != (skip == "") {
				t.Errorf("Decide = %q, %q; want %q, %q", msg, skip, tc.wantMsg, tc.wantSkip)
			}
		})
	}
}

func TestSyncApproves(t *testing.T) {
	approve := newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "system:bootstrap:abcdef", bootstrapper)
	leave := newCSR(t, clientSigner, x509.CertificateRequest{Subject: nodeSubject}, clientUsages, "alice", nil)
	leave.Name = "alice-csr"
	client := fake.NewClientset(approve, leave)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(10)
	c := New(client, factory, rec)
	indexer := factory.Certificates().V1().CertificateSigningRequests().Informer().GetIndexer()
	for _, o := range []*certificatesv1.CertificateSigningRequest{approve, leave} {
		if err := indexer.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()

	ctx := context.Background()
	for _, name := range []string{approve.Name, leave.Name, "gone"} {
		if err := c.sync(ctx, name); err != nil {
			t.Fatalf("sync %s: %v", name, err)
		}
	}
	actions := client.Actions()
	if len(actions) != 1 || actions[0].GetVerb() != "update" || actions[0].GetSubresource() != "approval" {
		t.Fatalf("actions = %v, want one update of approval", actions)
	}
	got, err := client.CertificatesV1().CertificateSigningRequests().Get(ctx, approve.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	conds := got.Status.Conditions
	if len(conds) != 1 || conds[0].Type != certificatesv1.CertificateApproved || conds[0].Reason != Reason || conds[0].Message != ClientMessage {
		t.Errorf("conditions = %+v", conds)
	}
	if ev := <-rec.Events; ev != "Normal AutoApproved "+ClientMessage {
		t.Errorf("event %q", ev)
	}
}
