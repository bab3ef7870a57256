package access_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/envtrace/envtrace/access"
)

// testIssuer is a local OpenID provider: discovery, a JWKS, and a signer.
type testIssuer struct {
	srv    *httptest.Server
	signer jose.Signer
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1", Algorithm: string(jose.RS256), Use: "sig"}
	ti := &testIssuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": ti.srv.URL, "jwks_uri": ti.srv.URL + "/jwks",
			"authorization_endpoint": ti.srv.URL + "/auth", "token_endpoint": ti.srv.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	})
	ti.srv = httptest.NewServer(mux)
	t.Cleanup(ti.srv.Close)
	ti.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	return ti
}

// token signs claims for the audience aud, valid for ttl (negative: expired).
func (ti *testIssuer) token(t *testing.T, aud string, ttl time.Duration, extra map[string]any) string {
	t.Helper()
	now := time.Now()
	std := jwt.Claims{Issuer: ti.srv.URL, Subject: "officer-7", Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)), Expiry: jwt.NewNumericDate(now.Add(ttl))}
	s, err := jwt.Signed(ti.signer).Claims(std).Claims(extra).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOIDC(t *testing.T) {
	ti := newTestIssuer(t)
	ctx := context.Background()
	o, err := access.NewOIDC(ctx, ti.srv.URL, "envtrace")
	if err != nil {
		t.Fatal(err)
	}
	officer := map[string]any{"envtrace_role": "officer", "county": "TXG"}
	t.Run("valid officer", func(t *testing.T) {
		p, err := o.Authenticate(ctx, ti.token(t, "envtrace", time.Hour, officer))
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != access.Officer || p.Scope.County != "TXG" || p.Subject != ti.srv.URL+"#officer-7" {
			t.Fatalf("principal %+v", p)
		}
	})
	for _, tc := range []struct {
		name  string
		token func() string
	}{
		{"wrong audience", func() string { return ti.token(t, "another-app", time.Hour, officer) }},
		{"expired", func() string { return ti.token(t, "envtrace", -time.Minute, officer) }},
		{"officer without county", func() string {
			return ti.token(t, "envtrace", time.Hour, map[string]any{"envtrace_role": "officer"})
		}},
		{"unknown role", func() string {
			return ti.token(t, "envtrace", time.Hour, map[string]any{"envtrace_role": "root"})
		}},
		{"not a JWT", func() string { return "garbage" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := o.Authenticate(ctx, tc.token())
			var ae *access.AuthError
			if !asAuthError(err, &ae) {
				t.Fatalf("want an AuthError (401), got %v", err)
			}
		})
	}
	t.Run("another issuer's key", func(t *testing.T) {
		other := newTestIssuer(t)
		tok := other.token(t, "envtrace", time.Hour, officer)
		if _, err := o.Authenticate(ctx, tok); err == nil {
			t.Fatal("a token from another issuer was accepted")
		}
	})
}
