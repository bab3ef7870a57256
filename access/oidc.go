package access

import (
	"context"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDC verifies OpenID Connect bearer JWTs (ID or access tokens in JWT
// form) with coreos/go-oidc: signature against the issuer's JWKS,
// issuer, audience and expiry. The principal comes from claims: the role
// from "envtrace_role" and the scope from "county", "agency", "facility",
// "cases" and "stations" (docs/access.md).
type OIDC struct {
	verifier *oidc.IDTokenVerifier
}

// NewOIDC discovers the issuer's configuration and keys
// (/.well-known/openid-configuration) and verifies tokens for audience.
func NewOIDC(ctx context.Context, issuer, audience string) (*OIDC, error) {
	if issuer == "" || audience == "" {
		return nil, fmt.Errorf("access: OIDC needs an issuer and an audience")
	}
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("access: OIDC issuer %s: %w", issuer, err)
	}
	return &OIDC{verifier: p.Verifier(&oidc.Config{ClientID: audience})}, nil
}

// claims are the envtrace claims of a token.
type claims struct {
	Role     string   `json:"envtrace_role"`
	County   string   `json:"county"`
	Agency   string   `json:"agency"`
	Facility string   `json:"facility"`
	Cases    []string `json:"cases"`
	Stations []string `json:"stations"`
}

// Authenticate implements Authenticator.
func (o *OIDC) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	tok, err := o.verifier.Verify(ctx, bearer)
	if err != nil {
		return Principal{}, &AuthError{"OIDC token: " + err.Error()}
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return Principal{}, &AuthError{"OIDC token claims: " + err.Error()}
	}
	role := Public
	if c.Role != "" {
		if role, err = ParseRole(c.Role); err != nil {
			return Principal{}, &AuthError{err.Error()}
		}
	}
	p := Principal{Subject: tok.Issuer + "#" + tok.Subject, Role: role, Scope: Scope{
		County: c.County, Agency: c.Agency, Facility: c.Facility, Cases: c.Cases, Stations: c.Stations}}
	if err := p.Validate(); err != nil {
		return Principal{}, &AuthError{err.Error()}
	}
	return p, nil
}
