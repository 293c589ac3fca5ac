package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"testing"
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
