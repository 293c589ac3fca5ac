package certificates

import (
	"bytes"
	"fmt"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

func csrRules() registry.Rules {
	return registry.Rules{
		// Any name that fits in a URL path segment will do.
		NameValidation: func(name string, prefix bool) []string {
			if prefix {
				return content.IsPathSegmentPrefix(name)
			}
			return content.IsPathSegmentName(name)
		},
		PrepareForCreate: func(obj runtime.Object) { prepareCSRForCreate(obj.(*certificatesv1.CertificateSigningRequest)) },
		// The spec is what was requested and by whom: it never changes.
		// Like Kubernetes, changes are dropped rather than rejected.
		PrepareForUpdate: func(obj, old runtime.Object) {
			obj.(*certificatesv1.CertificateSigningRequest).Spec = *old.(*certificatesv1.CertificateSigningRequest).Spec.DeepCopy()
		},
		Validate: func(obj runtime.Object) field.ErrorList {
			return validateCSR(obj.(*certificatesv1.CertificateSigningRequest))
		},
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateCSRUpdate(obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest))
		},
		ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validateCSRUpdate(obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest))
		},
		Columns: csrColumns,
		Row:     func(obj runtime.Object) []interface{} { return csrRow(obj.(*certificatesv1.CertificateSigningRequest)) },
		Fields: func(obj runtime.Object) fields.Set {
			return fields.Set{"spec.signerName": obj.(*certificatesv1.CertificateSigningRequest).Spec.SignerName}
		},
	}
}

// prepareCSRForCreate drops what a client may not claim: who is asking and
// any pre-approval. The handler must fill spec.username, uid, groups and
// extra from the authenticated user after this runs; signers trust them.
func prepareCSRForCreate(csr *certificatesv1.CertificateSigningRequest) {
	csr.Spec.Username = ""
	csr.Spec.UID = ""
	csr.Spec.Groups = nil
	csr.Spec.Extra = nil
	csr.Status = certificatesv1.CertificateSigningRequestStatus{}
}

// validateCSRUpdate: approval and failure are facts once recorded, and an
// issued certificate is final.
func validateCSRUpdate(n, o *certificatesv1.CertificateSigningRequest) field.ErrorList {
	errs := validateCSR(n)
	for _, t := range []certificatesv1.RequestConditionType{certificatesv1.CertificateApproved, certificatesv1.CertificateDenied, certificatesv1.CertificateFailed} {
		if countConditions(n, t) < countConditions(o, t) {
			errs = append(errs, field.Forbidden(field.NewPath("status", "conditions"), fmt.Sprintf("updates may not remove a condition of type %q", t)))
		}
	}
	certPath := field.NewPath("status", "certificate")
	if len(o.Status.Certificate) > 0 {
		if len(n.Status.Certificate) == 0 {
			errs = append(errs, field.Invalid(certPath, "<certificate data>", "updates may not remove a certificate"))
		}
		if !bytes.Equal(o.Status.Certificate, n.Status.Certificate) {
			errs = append(errs, field.Invalid(certPath, "<certificate data>", "updates may not modify existing certificate content"))
		}
	}
	return errs
}

func countConditions(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) int {
	n := 0
	for _, c := range csr.Status.Conditions {
		if c.Type == t {
			n++
		}
	}
	return n
}

var csrColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	{Name: "SignerName", Type: "string", Description: certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["signerName"]},
	{Name: "Requestor", Type: "string", Description: certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["username"]},
	{Name: "RequestedDuration", Type: "string", Description: certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()["expirationSeconds"]},
	{Name: "Condition", Type: "string", Description: certificatesv1.CertificateSigningRequestStatus{}.SwaggerDoc()["conditions"]},
}

func csrRow(csr *certificatesv1.CertificateSigningRequest) []interface{} {
	signer := "<none>"
	if csr.Spec.SignerName != "" {
		signer = csr.Spec.SignerName
	}
	requested := "<none>"
	if s := csr.Spec.ExpirationSeconds; s != nil {
		requested = duration.HumanDuration(time.Duration(*s) * time.Second)
	}
	return []interface{}{csr.Name, registry.Age(csr.CreationTimestamp), signer, csr.Spec.Username, requested, csrCondition(csr)}
}

// csrCondition is the CONDITION cell: Denied over Approved over Pending,
// then ",Failed" and ",Issued" when they apply.
func csrCondition(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	status := "Pending"
	switch {
	case denied:
		status = "Denied"
	case approved:
		status = "Approved"
	}
	if failed {
		status += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}
