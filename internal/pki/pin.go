package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
)

// PinPrefix starts every public key pin; kubeadm's
// --discovery-token-ca-cert-hash uses the same form, so pins printed by either
// tool read alike.
const PinPrefix = "sha256:"

// PublicKeyPin returns "sha256:" and the hex SHA-256 of cert's
// SubjectPublicKeyInfo. Pinning the key rather than the whole certificate
// keeps the pin valid when the CA certificate is re-issued with the same key.
func PublicKeyPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return PinPrefix + hex.EncodeToString(sum[:])
}
