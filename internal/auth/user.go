package auth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Well-known groups.
const (
	GroupAuthenticated   = "system:authenticated"
	GroupMasters         = "system:masters"
	GroupServiceAccounts = "system:serviceaccounts"
)

// User is an authenticated identity.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// clone returns a deep copy, so callers can never change shared state.
func (u *User) clone() *User {
	c := &User{Name: u.Name, UID: u.UID, Groups: slices.Clone(u.Groups)}
	if u.Extra != nil {
		c.Extra = make(map[string][]string, len(u.Extra))
		for k, v := range u.Extra {
			c.Extra[k] = slices.Clone(v)
		}
	}
	return c
}

func withGroup(groups []string, g string) []string {
	if slices.Contains(groups, g) {
		return groups
	}
	return append(groups, g)
}

// Authenticator finds the user a request is from. It returns ok false and a
// nil error when the request carries no credentials of its kind, and an
// error when it carries such credentials but they are invalid.
type Authenticator interface {
	Authenticate(r *http.Request) (u *User, ok bool, err error)
}

// Union tries its authenticators in order and returns the first user found.
// A failure of one does not stop the others (a request may carry a stale
// client certificate and a good token); when none succeeds, the failures are
// returned together.
type Union []Authenticator

// Authenticate implements Authenticator.
func (un Union) Authenticate(r *http.Request) (*User, bool, error) {
	var errs []error
	for _, a := range un {
		u, ok, err := a.Authenticate(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			return u, true, nil
		}
	}
	return nil, false, errors.Join(errs...)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

type userKey struct{}

// NewContext returns ctx carrying u.
func NewContext(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// FromContext returns the user NewContext stored in ctx.
func FromContext(ctx context.Context) (*User, bool) {
	u, ok := ctx.Value(userKey{}).(*User)
	return u, ok && u != nil
}
