package apiserver

import (
	"fmt"
	"net/http"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/auth"
)

var saGVR = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}

// Token lifetimes as kube-apiserver bounds them.
const (
	defaultTokenTTL = time.Hour
	minTokenTTL     = 10 * time.Minute
	maxTokenTTL     = 48 * time.Hour
)

// serveTokenRequest issues a service-account token (serviceaccounts/token),
// as `kubectl create token` asks for.
func (s *Server) serveTokenRequest(w http.ResponseWriter, r *http.Request, info requestInfo) {
	if s.cfg.Tokens == nil {
		s.writeError(w, r, apierrors.NewServiceUnavailable("service account token issuing is not configured"))
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tr := &authenticationv1.TokenRequest{}
	if err := decodeOptionsBody(body, contentType(r), tr); err != nil {
		s.writeError(w, r, apierrors.NewBadRequest("TokenRequest in version \"v1\" cannot be handled as a TokenRequest: "+err.Error()))
		return
	}
	ttl := defaultTokenTTL
	if tr.Spec.ExpirationSeconds != nil {
		ttl = time.Duration(*tr.Spec.ExpirationSeconds) * time.Second
	}
	if ttl < minTokenTTL {
		s.writeError(w, r, apierrors.NewInvalid(schema.GroupKind{Group: "authentication.k8s.io", Kind: "TokenRequest"}, info.Name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "expirationSeconds"), int64(ttl/time.Second), "may not specify a duration less than 10 minutes")}))
		return
	}
	if ttl > maxTokenTTL {
		ttl = maxTokenTTL
	}
	res, _ := s.Lookup(saGVR)
	obj, err := s.get(r.Context(), res, info.Namespace, info.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sa := obj.(*corev1.ServiceAccount)
	var bound *auth.BoundObject
	if ref := tr.Spec.BoundObjectRef; ref != nil {
		bound = &auth.BoundObject{Kind: ref.Kind, Name: ref.Name, UID: string(ref.UID)}
	}
	token, exp, err := s.cfg.Tokens.Issue(sa.Namespace, sa.Name, string(sa.UID), tr.Spec.Audiences, ttl, bound)
	if err != nil {
		s.writeError(w, r, apierrors.NewInternalError(fmt.Errorf("issue token: %w", err)))
		return
	}
	tr.TypeMeta = metav1.TypeMeta{Kind: "TokenRequest", APIVersion: "authentication.k8s.io/v1"}
	tr.Name, tr.Namespace = sa.Name, sa.Namespace
	tr.CreationTimestamp = metav1.Now()
	tr.Status = authenticationv1.TokenRequestStatus{Token: token, ExpirationTimestamp: metav1.NewTime(exp)}
	s.writeObject(w, r, http.StatusCreated, tr)
}
