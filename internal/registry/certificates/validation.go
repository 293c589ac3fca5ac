package certificates

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	// minExpirationSeconds: shorter certificates would expire before
	// clients could rotate them.
	minExpirationSeconds = 600
	// legacyUnknownSignerName was the v1beta1 default and means nothing to
	// any signer; v1 refuses it.
	legacyUnknownSignerName = "kubernetes.io/legacy-unknown"
)

// keyUsages are the valid usages, sorted as Kubernetes lists them in errors.
var keyUsages = sortedUsages(
	certificatesv1.UsageSigning, certificatesv1.UsageDigitalSignature, certificatesv1.UsageContentCommitment,
	certificatesv1.UsageKeyEncipherment, certificatesv1.UsageKeyAgreement, certificatesv1.UsageDataEncipherment,
	certificatesv1.UsageCertSign, certificatesv1.UsageCRLSign, certificatesv1.UsageEncipherOnly,
	certificatesv1.UsageDecipherOnly, certificatesv1.UsageAny, certificatesv1.UsageServerAuth,
	certificatesv1.UsageClientAuth, certificatesv1.UsageCodeSigning, certificatesv1.UsageEmailProtection,
	certificatesv1.UsageSMIME, certificatesv1.UsageIPsecEndSystem, certificatesv1.UsageIPsecTunnel,
	certificatesv1.UsageIPsecUser, certificatesv1.UsageTimestamping, certificatesv1.UsageOCSPSigning,
	certificatesv1.UsageMicrosoftSGC, certificatesv1.UsageNetscapeSGC,
)

func sortedUsages(u ...certificatesv1.KeyUsage) []certificatesv1.KeyUsage {
	sort.Slice(u, func(i, j int) bool { return u[i] < u[j] })
	return u
}

func validateCSR(csr *certificatesv1.CertificateSigningRequest) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if err := checkRequest(csr.Spec.Request); err != nil {
		errs = append(errs, field.Invalid(spec.Child("request"), csr.Spec.Request, err.Error()))
	}
	if len(csr.Spec.Usages) == 0 {
		errs = append(errs, field.Required(spec.Child("usages"), ""))
	}
	seen := map[certificatesv1.KeyUsage]bool{}
	for i, u := range csr.Spec.Usages {
		path := spec.Child("usages").Index(i)
		valid := false
		for _, k := range keyUsages {
			valid = valid || u == k
		}
		if !valid {
			errs = append(errs, field.NotSupported(path, u, keyUsages))
		}
		if seen[u] {
			errs = append(errs, field.Duplicate(path, u))
		}
		seen[u] = true
	}
	if csr.Spec.SignerName == legacyUnknownSignerName {
		errs = append(errs, field.Invalid(spec.Child("signerName"), csr.Spec.SignerName, "the legacy signerName is not allowed via this API version"))
	} else {
		errs = append(errs, ValidateSignerName(spec.Child("signerName"), csr.Spec.SignerName)...)
	}
	if s := csr.Spec.ExpirationSeconds; s != nil && *s < minExpirationSeconds {
		errs = append(errs, field.Invalid(spec.Child("expirationSeconds"), *s, "may not specify a duration less than 600 seconds (10 minutes)"))
	}
	errs = append(errs, validateConditions(csr.Status.Conditions, field.NewPath("status", "conditions"))...)
	if err := checkCertificate(csr.Status.Certificate); err != nil {
		errs = append(errs, field.Invalid(field.NewPath("status", "certificate"), "<certificate data>", err.Error()))
	}
	return errs
}

// checkRequest parses a PEM PKCS#10 request and checks its self-signature,
// which proves the requester holds the private key.
func checkRequest(data []byte) error {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return err
	}
	return req.CheckSignature()
}

// checkCertificate accepts an empty value or one or more bare PEM
// CERTIFICATE blocks, each a parseable certificate.
func checkCertificate(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	blocks := 0
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("only CERTIFICATE PEM blocks are allowed, found %q", block.Type)
		}
		if len(block.Headers) != 0 {
			return errors.New("no PEM block headers are permitted")
		}
		blocks++
		certs, err := x509.ParseCertificates(block.Bytes)
		if err != nil {
			return err
		}
		if len(certs) == 0 {
			return errors.New("found CERTIFICATE PEM block containing 0 certificates")
		}
		data = rest
	}
	if blocks == 0 {
		return errors.New("must contain at least one CERTIFICATE PEM block")
	}
	return nil
}

// Approved, Denied and Failed are statements of fact: they may only be True.
var trueOnly = map[certificatesv1.RequestConditionType]bool{
	certificatesv1.CertificateApproved: true, certificatesv1.CertificateDenied: true, certificatesv1.CertificateFailed: true,
}

func validateConditions(conds []certificatesv1.CertificateSigningRequestCondition, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[certificatesv1.RequestConditionType]bool{}
	var approved, denied bool
	for i, c := range conds {
		path := fldPath.Index(i)
		if c.Type == "" {
			errs = append(errs, field.Required(path.Child("type"), ""))
		}
		allowed := []corev1.ConditionStatus{corev1.ConditionFalse, corev1.ConditionTrue, corev1.ConditionUnknown}
		if trueOnly[c.Type] {
			allowed = []corev1.ConditionStatus{corev1.ConditionTrue}
		}
		valid := false
		for _, s := range allowed {
			valid = valid || c.Status == s
		}
		switch {
		case c.Status == "":
			errs = append(errs, field.Required(path.Child("status"), ""))
		case !valid:
			errs = append(errs, field.NotSupported(path.Child("status"), c.Status, allowed))
		}
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
			if denied {
				errs = append(errs, field.Invalid(path.Child("type"), c.Type, "Approved and Denied conditions are mutually exclusive"))
			}
		case certificatesv1.CertificateDenied:
			denied = true
			if approved {
				errs = append(errs, field.Invalid(path.Child("type"), c.Type, "Approved and Denied conditions are mutually exclusive"))
			}
		}
		if seen[c.Type] {
			errs = append(errs, field.Duplicate(path.Child("type"), c.Type))
		}
		seen[c.Type] = true
	}
	return errs
}

// ValidateSignerName checks a signer name: a DNS domain with at least two
// labels, a slash, and a path of DNS labels separated by dots
// ("example.com/my-signer", "kubernetes.io/kube-apiserver-client").
// ClusterTrustBundle validation uses the same rule.
func ValidateSignerName(fldPath *field.Path, name string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	segments := strings.Split(name, "/")
	if len(segments) != 2 {
		return field.ErrorList{field.Invalid(fldPath, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")}
	}
	var errs field.ErrorList
	domain, path := segments[0], segments[1]
	if len(domain) > validation.DNS1123SubdomainMaxLength {
		errs = append(errs, field.TooLong(fldPath, domain, validation.DNS1123SubdomainMaxLength))
	}
	domainLabels := strings.Split(domain, ".")
	errs = append(errs, checkLabels(domain, domainLabels, fldPath)...)
	if len(domainLabels) < 2 {
		errs = append(errs, field.Invalid(fldPath, domain, "should be a domain with at least two segments separated by dots"))
	}
	errs = append(errs, checkLabels(path, strings.Split(path, "."), fldPath)...)
	// Room for "<domain>/<namespace>.<name>".
	max := validation.DNS1123SubdomainMaxLength + validation.DNS1123SubdomainMaxLength + validation.DNS1123LabelMaxLength + 2
	if len(name) > max {
		errs = append(errs, field.TooLong(fldPath, name, max))
	}
	return errs
}

// checkLabels reports the first invalid label of a dotted segment only: the
// rest would repeat the same messages.
func checkLabels(segment string, labels []string, fldPath *field.Path) field.ErrorList {
	for _, l := range labels {
		if msgs := validation.IsDNS1123Label(l); len(msgs) > 0 {
			var errs field.ErrorList
			for _, msg := range msgs {
				errs = append(errs, field.Invalid(fldPath, segment, fmt.Sprintf("validating label %q: %s", l, msg)))
			}
			return errs
		}
	}
	return nil
}
