package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestPublicKeyPin(t *testing.T) {
	b := ensure(t, t.TempDir(), Options{})
	pin := PublicKeyPin(b.CA)
	// Recompute from the DER form of the public key, which is what
	// `openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum`
	// hashes in kubeadm's instructions.
	der, err := x509.MarshalPKIXPublicKey(b.CA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	if want := "sha256:" + hex.EncodeToString(sum[:]); pin != want {
		t.Errorf("PublicKeyPin = %s, want %s", pin, want)
	}
	if !strings.HasPrefix(pin, PinPrefix) || len(pin) != len(PinPrefix)+64 {
		t.Errorf("pin %q is not sha256:<64 hex>", pin)
	}
	if other := PublicKeyPin(b.Admin.Cert); other == pin {
		t.Error("two different keys have the same pin")
	}
}

func TestClusterInfoRoundTrip(t *testing.T) {
	b := ensure(t, t.TempDir(), Options{})
	data, err := ClusterInfoKubeconfig("https://10.1.0.2:6443", b.CAPEM)
	if err != nil {
		t.Fatal(err)
	}
	server, ca, err := ParseClusterInfo(data)
	if err != nil {
		t.Fatal(err)
	}
	if server != "https://10.1.0.2:6443" || string(ca) != string(b.CAPEM) {
		t.Errorf("round trip gave %q and a different CA", server)
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.AuthInfos) != 0 {
		t.Errorf("cluster-info carries credentials:\n%s", data)
	}
	if _, _, err := ParseClusterInfo([]byte("apiVersion: v1\nkind: Config\nclusters: []\n")); err == nil {
		t.Error("a kubeconfig without clusters parsed")
	}
}
