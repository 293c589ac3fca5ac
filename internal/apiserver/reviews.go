package apiserver

import (
	"context"
	"net/http"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/registry"
)

// createVirtual answers creates of the review resources, which are computed
// and never stored. It reports whether it handled the request.
func (s *Server) createVirtual(w http.ResponseWriter, r *http.Request, res *registry.Resource, obj runtime.Object) bool {
	ctx := r.Context()
	user := userFrom(ctx)
	var out runtime.Object
	var err error
	switch o := obj.(type) {
	case *authenticationv1.TokenReview:
		out = s.tokenReview(r, o)
	case *authenticationv1.SelfSubjectReview:
		o.Status.UserInfo = userInfo(user)
		out = o
	case *authorizationv1.SelfSubjectAccessReview:
		o.Status, err = s.review(ctx, user, o.Spec.ResourceAttributes, o.Spec.NonResourceAttributes)
		out = o
	case *authorizationv1.SubjectAccessReview:
		u := &auth.User{Name: o.Spec.User, UID: o.Spec.UID, Groups: o.Spec.Groups}
		o.Status, err = s.review(ctx, u, o.Spec.ResourceAttributes, o.Spec.NonResourceAttributes)
		out = o
	case *authorizationv1.LocalSubjectAccessReview:
		u := &auth.User{Name: o.Spec.User, UID: o.Spec.UID, Groups: o.Spec.Groups}
		o.Status, err = s.review(ctx, u, o.Spec.ResourceAttributes, o.Spec.NonResourceAttributes)
		out = o
	case *authorizationv1.SelfSubjectRulesReview:
		o.Status = s.rulesReview(ctx, user, o.Spec.Namespace)
		out = o
	default:
		return false
	}
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	s.writeObject(w, r, http.StatusCreated, out)
	return true
}

func userInfo(u *auth.User) authenticationv1.UserInfo {
	if u == nil {
		return authenticationv1.UserInfo{}
	}
	info := authenticationv1.UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups}
	if len(u.Extra) > 0 {
		info.Extra = map[string]authenticationv1.ExtraValue{}
		for k, v := range u.Extra {
			info.Extra[k] = v
		}
	}
	return info
}

func (s *Server) tokenReview(r *http.Request, tr *authenticationv1.TokenReview) *authenticationv1.TokenReview {
	probe, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "/", nil)
	probe.Header.Set("Authorization", "Bearer "+tr.Spec.Token)
	if s.cfg.Authenticator == nil {
		return tr
	}
	u, ok, err := s.cfg.Authenticator.Authenticate(probe)
	switch {
	case err != nil:
		tr.Status.Error = err.Error()
	case ok:
		tr.Status.Authenticated = true
		tr.Status.User = userInfo(u)
		tr.Status.Audiences = tr.Spec.Audiences
	}
	return tr
}

func (s *Server) review(ctx context.Context, u *auth.User, ra *authorizationv1.ResourceAttributes, nra *authorizationv1.NonResourceAttributes) (authorizationv1.SubjectAccessReviewStatus, error) {
	attrs := auth.Attributes{User: u}
	switch {
	case ra != nil:
		attrs.ResourceRequest = true
		attrs.Verb, attrs.APIGroup, attrs.APIVersion = ra.Verb, ra.Group, ra.Version
		attrs.Resource, attrs.Subresource, attrs.Namespace, attrs.Name = ra.Resource, ra.Subresource, ra.Namespace, ra.Name
	case nra != nil:
		attrs.Verb, attrs.Path = nra.Verb, nra.Path
	default:
		return authorizationv1.SubjectAccessReviewStatus{}, apierrors.NewBadRequest("exactly one of nonResourceAttributes or resourceAttributes must be specified")
	}
	if s.cfg.Authorizer == nil {
		return authorizationv1.SubjectAccessReviewStatus{Allowed: true}, nil
	}
	allowed, reason, err := s.cfg.Authorizer.Authorize(ctx, attrs)
	st := authorizationv1.SubjectAccessReviewStatus{Allowed: allowed, Reason: reason}
	if err != nil {
		st.EvaluationError = err.Error()
	}
	return st, nil
}

// rulesReview reports what the user may do; with the allow-all authorizer
// that is everything, which is what it says.
func (s *Server) rulesReview(ctx context.Context, u *auth.User, namespace string) authorizationv1.SubjectRulesReviewStatus {
	everything := auth.Attributes{User: u, ResourceRequest: true, Verb: "*", APIGroup: "*", Resource: "*", Namespace: namespace}
	allowed := true
	if s.cfg.Authorizer != nil {
		allowed, _, _ = s.cfg.Authorizer.Authorize(ctx, everything)
	}
	if !allowed {
		return authorizationv1.SubjectRulesReviewStatus{Incomplete: true, EvaluationError: "rules are not enumerable for this authorizer"}
	}
	return authorizationv1.SubjectRulesReviewStatus{
		ResourceRules:    []authorizationv1.ResourceRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
		NonResourceRules: []authorizationv1.NonResourceRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}},
	}
}
