package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// A compact JWS (RFC 7515) written by hand: the service-account tokens need
// only two algorithms, and a full JOSE library would be a new dependency.
const (
	algES256 = "ES256"
	algRS256 = "RS256"
)

var b64 = base64.RawURLEncoding

type jwsHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid,omitempty"`
	Typ  string          `json:"typ,omitempty"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

// keyID is Kubernetes' key id: the unpadded base64url SHA-256 of the PKIX
// public key, so JWKS documents we publish later match what clients expect.
func keyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("marshal public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return b64.EncodeToString(sum[:]), nil
}

// algFor returns the JWS algorithm for key, or an error for keys we do not
// sign with.
func algFor(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("unsupported ecdsa curve %s", k.Curve.Params().Name)
		}
		return algES256, nil
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("rsa key of %d bits is too small", k.N.BitLen())
		}
		return algRS256, nil
	default:
		return "", fmt.Errorf("unsupported key type %T", pub)
	}
}

// signJWS returns the compact serialization of payload signed with key.
func signJWS(key crypto.Signer, alg, kid string, payload any) (string, error) {
	h, err := json.Marshal(jwsHeader{Alg: alg, Kid: kid})
	if err != nil {
		return "", fmt.Errorf("encode jws header: %w", err)
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("encode jws payload: %w", err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		// JWS wants R||S, each padded to the curve size, not ASN.1.
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			return "", fmt.Errorf("sign jws: %w", err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
		if err != nil {
			return "", fmt.Errorf("sign jws: %w", err)
		}
	default:
		return "", fmt.Errorf("sign jws: unsupported key type %T", key)
	}
	return input + "." + b64.EncodeToString(sig), nil
}

var errNotJWS = errors.New("not a compact jws")

// splitJWS decodes a compact JWS without verifying it.
func splitJWS(token string) (header jwsHeader, payload, sig []byte, input string, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return header, nil, nil, "", errNotJWS
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return header, nil, nil, "", errNotJWS
	}
	if err := json.Unmarshal(hb, &header); err != nil {
		return header, nil, nil, "", errNotJWS
	}
	payload, err = b64.DecodeString(parts[1])
	if err != nil {
		return header, nil, nil, "", errNotJWS
	}
	sig, err = b64.DecodeString(parts[2])
	if err != nil {
		return header, nil, nil, "", errNotJWS
	}
	return header, payload, sig, parts[0] + "." + parts[1], nil
}

// verifyJWS checks the signature with whichever of keys fits the header.
func verifyJWS(header jwsHeader, input string, sig []byte, keys []crypto.PublicKey) error {
	if len(header.Crit) > 0 {
		return errors.New("jws has critical header parameters we do not understand")
	}
	if header.Alg != algES256 && header.Alg != algRS256 {
		return fmt.Errorf("jws algorithm %q not accepted", header.Alg)
	}
	digest := sha256.Sum256([]byte(input))
	for _, pub := range keys {
		if alg, err := algFor(pub); err != nil || alg != header.Alg {
			continue
		}
		switch k := pub.(type) {
		case *ecdsa.PublicKey:
			if len(sig) != 64 {
				continue
			}
			r := new(big.Int).SetBytes(sig[:32])
			s := new(big.Int).SetBytes(sig[32:])
			if ecdsa.Verify(k, digest[:], r, s) {
				return nil
			}
		case *rsa.PublicKey:
			if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) == nil {
				return nil
			}
		}
	}
	return errors.New("jws signature does not verify with any trusted key")
}
