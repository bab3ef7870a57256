package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/accesstest"
)

func TestOIDC(t *testing.T) {
	ti := accesstest.NewIssuer(t)
	ctx := context.Background()
	o, err := access.NewOIDC(ctx, ti.URL, "envtrace")
	if err != nil {
		t.Fatal(err)
	}
	officer := map[string]any{"envtrace_role": "officer", "county": "TXG"}
	t.Run("valid officer", func(t *testing.T) {
		p, err := o.Authenticate(ctx, ti.Token(t, "officer-7", "envtrace", time.Hour, officer))
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != access.Officer || p.Scope.County != "TXG" || p.Subject != ti.URL+"#officer-7" {
			t.Fatalf("principal %+v", p)
		}
	})
	for _, tc := range []struct {
		name  string
		token func() string
	}{
		{"wrong audience", func() string { return ti.Token(t, "officer-7", "another-app", time.Hour, officer) }},
		{"expired", func() string { return ti.Token(t, "officer-7", "envtrace", -time.Minute, officer) }},
		{"officer without county", func() string {
			return ti.Token(t, "officer-7", "envtrace", time.Hour, map[string]any{"envtrace_role": "officer"})
		}},
		{"unknown role", func() string {
			return ti.Token(t, "officer-7", "envtrace", time.Hour, map[string]any{"envtrace_role": "root"})
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
		other := accesstest.NewIssuer(t)
		tok := other.Token(t, "officer-7", "envtrace", time.Hour, officer)
		if _, err := o.Authenticate(ctx, tok); err == nil {
			t.Fatal("a token from another issuer was accepted")
		}
	})
}
