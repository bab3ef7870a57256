// Package accesstest runs a local OpenID Connect issuer for tests: a
// discovery document, a JWKS, an RS256 signer and the authorization-code
// flow with PKCE, so the real verifier (coreos/go-oidc) and the web map's
// login are tested against real signed tokens offline.
package accesstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is a running test issuer; URL is its issuer identifier.
type Issuer struct {
	URL    string
	signer jose.Signer
	t      testing.TB

	mu sync.Mutex
	// user is who signs in at the authorization endpoint.
	user struct {
		subject string
		claims  map[string]any
	}
	// codes are the issued authorization codes and their PKCE challenge.
	codes map[string]pending
	// Exchanges counts codes exchanged with a verifier that matched.
	Exchanges int
}

// pending is an issued code awaiting its exchange.
type pending struct{ clientID, redirectURI, challenge string }

// LoginAs sets who the authorization endpoint signs in (no form: the
// test user consents at once).
func (iss *Issuer) LoginAs(subject string, claims map[string]any) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.user.subject, iss.user.claims = subject, claims
}

// authorize is the authorization endpoint of the code flow: it requires
// an S256 code challenge and sends the browser back with a code.
func (iss *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "want response_type=code with an S256 code_challenge", http.StatusBadRequest)
		return
	}
	code := randomString()
	iss.mu.Lock()
	iss.codes[code] = pending{q.Get("client_id"), q.Get("redirect_uri"), q.Get("code_challenge")}
	iss.mu.Unlock()
	back := url.Values{"code": {code}, "state": {q.Get("state")}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

// token exchanges a code once, checking the PKCE verifier, the client id
// and the redirect URI, for an ID token whose audience is the client.
func (iss *Issuer) token(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	iss.mu.Lock()
	p, ok := iss.codes[r.PostForm.Get("code")]
	delete(iss.codes, r.PostForm.Get("code"))
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	ok = ok && base64.RawURLEncoding.EncodeToString(sum[:]) == p.challenge &&
		r.PostForm.Get("client_id") == p.clientID && r.PostForm.Get("redirect_uri") == p.redirectURI
	if ok {
		iss.Exchanges++
	}
	subject, claims := iss.user.subject, iss.user.claims
	iss.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"id_token": iss.Token(iss.t, subject, p.clientID, time.Hour, claims), "token_type": "Bearer"})
}

func randomString() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewIssuer starts an issuer with a fresh key, stopped when t ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1", Algorithm: string(jose.RS256), Use: "sig"}
	iss := &Issuer{t: t, codes: map[string]pending{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/auth", iss.authorize)
	mux.HandleFunc("/token", iss.token)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss.URL, "jwks_uri": iss.URL + "/jwks",
			"authorization_endpoint": iss.URL + "/auth", "token_endpoint": iss.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	iss.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// Token signs a JWT for subject and audience aud, valid for ttl
// (negative: already expired), with the extra claims (envtrace_role,
// county, ...).
func (iss *Issuer) Token(t testing.TB, subject, aud string, ttl time.Duration, extra map[string]any) string {
	t.Helper()
	now := time.Now()
	std := jwt.Claims{Issuer: iss.URL, Subject: subject, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute)), Expiry: jwt.NewNumericDate(now.Add(ttl))}
	s, err := jwt.Signed(iss.signer).Claims(std).Claims(extra).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
