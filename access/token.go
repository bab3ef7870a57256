package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// TokenPrefix begins every API token, so a bearer can be told from an OIDC
// JWT without parsing it and a leaked token is recognisable in a scan.
const TokenPrefix = "envt_"

// NewToken makes an API token "envt_<id>_<secret>": id names it for
// revocation and audit, the 32-byte secret makes it unguessable. Only
// its hash (TokenHash) is stored.
func NewToken() (id, token string, err error) {
	var b [38]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("access: new token: %w", err)
	}
	id = hex.EncodeToString(b[:6])
	return id, TokenPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(b[6:]), nil
}

// TokenHash is the form a token is stored and looked up in. A plain
// SHA-256 suffices: the secret has 256 bits, so there is nothing to
// brute-force that a slow hash would protect.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokenRecord is a stored API token.
type TokenRecord struct {
	ID        string
	Principal Principal
	CreatedAt time.Time
	ExpiresAt time.Time
	// RevokedAt is zero while the token is valid.
	RevokedAt time.Time
}

// ErrUnknownToken is what a TokenStore returns for a hash it does not hold.
var ErrUnknownToken = errors.New("access: unknown token")

// TokenStore finds tokens by hash; package store keeps them in PostGIS.
type TokenStore interface {
	TokenByHash(ctx context.Context, hash []byte) (TokenRecord, error)
}

// AuthError is a failed authentication: a 401.
type AuthError struct{ Reason string }

// Error says why.
func (e *AuthError) Error() string { return "not authenticated: " + e.Reason }

// Status is 401.
func (e *AuthError) Status() int { return http.StatusUnauthorized }

// Authenticator turns a bearer credential into a principal, or an
// *AuthError when the credential is not valid.
type Authenticator interface {
	Authenticate(ctx context.Context, bearer string) (Principal, error)
}

// Tokens authenticates API tokens against a TokenStore.
type Tokens struct {
	Store TokenStore
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Authenticate implements Authenticator: unknown, revoked and expired
// tokens are refused.
func (t Tokens) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	if !strings.HasPrefix(bearer, TokenPrefix) {
		return Principal{}, &AuthError{"not an API token"}
	}
	rec, err := t.Store.TokenByHash(ctx, TokenHash(bearer))
	if errors.Is(err, ErrUnknownToken) {
		return Principal{}, &AuthError{"unknown token"}
	}
	if err != nil {
		return Principal{}, fmt.Errorf("access: look up token: %w", err)
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	switch {
	case !rec.RevokedAt.IsZero():
		return Principal{}, &AuthError{"token " + rec.ID + " was revoked"}
	case !rec.ExpiresAt.IsZero() && !now().Before(rec.ExpiresAt):
		return Principal{}, &AuthError{"token " + rec.ID + " expired at " + rec.ExpiresAt.UTC().Format(time.RFC3339)}
	}
	p := rec.Principal
	p.Subject = "token:" + rec.ID
	if err := p.Validate(); err != nil {
		return Principal{}, &AuthError{err.Error()}
	}
	return p, nil
}

// StaticTokens maps fixed bearer strings to principals: the demo's
// agency keys and tests. Keys are stored hashed like API tokens.
type StaticTokens map[string]Principal

// Add registers token for p.
func (s StaticTokens) Add(token string, p Principal) { s[hex.EncodeToString(TokenHash(token))] = p }

// Authenticate implements Authenticator.
func (s StaticTokens) Authenticate(_ context.Context, bearer string) (Principal, error) {
	p, ok := s[hex.EncodeToString(TokenHash(bearer))]
	if !ok {
		return Principal{}, &AuthError{"unknown token"}
	}
	return p, nil
}

// Chain tries API tokens first (they are recognised by TokenPrefix) and
// hands every other bearer to People (OIDC); a nil People accepts API
// tokens only, as `serve --auth tokens` does.
type Chain struct {
	Machines Authenticator
	People   Authenticator
}

// Authenticate implements Authenticator.
func (c Chain) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	if strings.HasPrefix(bearer, TokenPrefix) || c.People == nil {
		if c.Machines == nil {
			return Principal{}, &AuthError{"API tokens are not accepted here"}
		}
		return c.Machines.Authenticate(ctx, bearer)
	}
	return c.People.Authenticate(ctx, bearer)
}
