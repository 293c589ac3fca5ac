package certificates

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

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

func keyAndRequest(t *testing.T) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func certificate(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "alice"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestCSRValidate(t *testing.T) {
	key, req := keyAndRequest(t)
	r := csrRules()
	csr := func(mutate func(*certificatesv1.CertificateSigningRequest)) *certificatesv1.CertificateSigningRequest {
		c := &certificatesv1.CertificateSigningRequest{
			ObjectMeta: metav1.ObjectMeta{Name: "alice"},
			Spec: certificatesv1.CertificateSigningRequestSpec{
				Request: req, SignerName: certificatesv1.KubeAPIServerClientSignerName,
				Usages: []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth},
			},
		}
		if mutate != nil {
			mutate(c)
		}
		return c
	}
	for _, tc := range []struct {
		name   string
		mutate func(*certificatesv1.CertificateSigningRequest)
		want   []string
	}{
		{name: "valid"},
		{name: "issued", mutate: func(c *certificatesv1.CertificateSigningRequest) {
			c.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: "Approved", Status: corev1.ConditionTrue}}
			c.Status.Certificate = certificate(t, key)
		}},
		{name: "garbage request", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.Request = []byte("hi") },
			want: []string{`spec.request: Invalid value: "aGk=": PEM block type must be CERTIFICATE REQUEST`}},
		{name: "usages", mutate: func(c *certificatesv1.CertificateSigningRequest) {
			c.Spec.Usages = []certificatesv1.KeyUsage{"client auth", "flying"}
		}, want: []string{`spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"`}},
		{name: "no usages or signer", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.Usages = nil; c.Spec.SignerName = "" },
			want: []string{"spec.usages: Required value", "spec.signerName: Required value"}},
		{name: "bad signer", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.SignerName = "example/Signer" },
			want: []string{
				`spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots`,
				`spec.signerName: Invalid value: "Signer": validating label "Signer": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
			}},
		{name: "legacy signer", mutate: func(c *certificatesv1.CertificateSigningRequest) { c.Spec.SignerName = "kubernetes.io/legacy-unknown" },
			want: []string{`spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version`}},
		{name: "short", mutate: func(c *certificatesv1.CertificateSigningRequest) { s := int32(60); c.Spec.ExpirationSeconds = &s },
			want: []string{"spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)"}},
		{name: "conditions", mutate: func(c *certificatesv1.CertificateSigningRequest) {
			c.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{
				{Type: "Approved", Status: corev1.ConditionFalse},
				{Type: "Denied", Status: corev1.ConditionTrue},
			}
			c.Status.Certificate = []byte("nope")
		}, want: []string{
			`status.conditions[0].status: Unsupported value: "False": supported values: "True"`,
			`status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive`,
			`status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, r.Validate(csr(tc.mutate)), tc.want...)
		})
	}

	approved := csr(func(c *certificatesv1.CertificateSigningRequest) {
		c.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: "Approved", Status: corev1.ConditionTrue}}
		c.Status.Certificate = certificate(t, key)
	})
	wantErrors(t, r.ValidateStatusUpdate(csr(nil), approved),
		`status.conditions: Forbidden: updates may not remove a condition of type "Approved"`,
		`status.certificate: Invalid value: "<certificate data>": updates may not remove a certificate`,
		`status.certificate: Invalid value: "<certificate data>": updates may not modify existing certificate content`,
	)

	spoofed := csr(func(c *certificatesv1.CertificateSigningRequest) {
		c.Spec.Username, c.Spec.Groups = "admin", []string{"system:masters"}
		c.Status = approved.Status
	})
	r.PrepareForCreate(spoofed)
	if spoofed.Spec.Username != "" || spoofed.Spec.Groups != nil || len(spoofed.Status.Conditions) != 0 {
		t.Errorf("create kept client claims: %+v", spoofed)
	}
	changed := approved.DeepCopy()
	changed.Spec.SignerName = "example.com/other"
	r.PrepareForUpdate(changed, approved)
	if changed.Spec.SignerName != certificatesv1.KubeAPIServerClientSignerName {
		t.Errorf("spec update kept")
	}
}

func TestCSRTableAndFields(t *testing.T) {
	r := csrRules()
	s := int32(86400)
	c := &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "node-csr-1"},
		Spec:       certificatesv1.CertificateSigningRequestSpec{SignerName: "kubernetes.io/kubelet-serving", Username: "system:node:n1", ExpirationSeconds: &s},
		Status: certificatesv1.CertificateSigningRequestStatus{
			Conditions:  []certificatesv1.CertificateSigningRequestCondition{{Type: "Approved"}, {Type: "Failed"}},
			Certificate: []byte("x"),
		},
	}
	want := []interface{}{"node-csr-1", "<unknown>", "kubernetes.io/kubelet-serving", "system:node:n1", "24h", "Approved,Failed,Issued"}
	if got := r.Row(c); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
	if len(csrColumns) != len(want) {
		t.Errorf("%d columns for %d cells", len(csrColumns), len(want))
	}
	if got := r.Row(&certificatesv1.CertificateSigningRequest{}); got[2] != "<none>" || got[4] != "<none>" || got[5] != "Pending" {
		t.Errorf("empty row %#v", got)
	}
	if got := r.Fields(c); !reflect.DeepEqual(got, fields.Set{"spec.signerName": "kubernetes.io/kubelet-serving"}) {
		t.Errorf("fields %v", got)
	}
}
