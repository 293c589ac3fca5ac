package auth

import (
	"net/http"
	"sync"
)

// StaticTokens authenticates bearer tokens from a fixed table, for tests and
// bootstrap. It is safe for concurrent use; the table may change while in
// use.
type StaticTokens struct {
	mu     sync.RWMutex
	tokens map[string]*User
}

// NewStaticTokens returns an authenticator for tokens; every user gets
// system:authenticated.
func NewStaticTokens(tokens map[string]*User) *StaticTokens {
	s := &StaticTokens{tokens: make(map[string]*User, len(tokens))}
	for t, u := range tokens {
		s.Set(t, u)
	}
	return s
}

// Set adds or replaces token.
func (s *StaticTokens) Set(token string, u *User) {
	c := u.clone()
	c.Groups = withGroup(c.Groups, GroupAuthenticated)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = c
}

// Delete removes token.
func (s *StaticTokens) Delete(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// Authenticate implements Authenticator. An unknown token is not an error:
// another authenticator may know it.
func (s *StaticTokens) Authenticate(r *http.Request) (*User, bool, error) {
	token, ok := bearerToken(r)
	if !ok {
		return nil, false, nil
	}
	s.mu.RLock()
	u, ok := s.tokens[token]
	s.mu.RUnlock()
	if !ok {
		return nil, false, nil
	}
	return u.clone(), true, nil
}
