package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
)

// TestTokens stores a token, finds it by the hash of what was printed
// (never by the token), revokes it once, and refuses scopeless roles.
func TestTokens(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	ts := store.NewTokens(pool)
	p := access.Principal{Role: access.Sensor, Scope: access.Scope{Stations: []string{"WQ-1", "WQ-2"}}}
	rec, tok, err := ts.Create(ctx, p, 90*24*time.Hour, "river feed")
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := pool.QueryRow(ctx, "select count(*) from api_tokens where position($1::bytea in hash) > 0 or note = $2", []byte(tok), tok).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the token itself is stored (%d, %v)", stored, err)
	}
	got, err := ts.TokenByHash(ctx, access.TokenHash(tok))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != rec.ID || got.Principal.Role != access.Sensor || !slices.Equal(got.Principal.Scope.Stations, p.Scope.Stations) ||
		got.ExpiresAt.Sub(got.CreatedAt).Round(time.Hour) != 90*24*time.Hour || !got.RevokedAt.IsZero() {
		t.Fatalf("stored token %+v", got)
	}
	if _, err := ts.TokenByHash(ctx, access.TokenHash(tok+"x")); !errors.Is(err, access.ErrUnknownToken) {
		t.Fatalf("unknown hash: %v", err)
	}
	if err := ts.Revoke(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	first, _ := ts.TokenByHash(ctx, access.TokenHash(tok))
	if err := ts.Revoke(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	again, _ := ts.TokenByHash(ctx, access.TokenHash(tok))
	if first.RevokedAt.IsZero() || !again.RevokedAt.Equal(first.RevokedAt) {
		t.Fatalf("revocation times %v then %v", first.RevokedAt, again.RevokedAt)
	}
	if err := ts.Revoke(ctx, "000000000000"); !errors.Is(err, store.ErrNoToken) {
		t.Fatalf("revoke unknown: %v", err)
	}
	if _, _, err := ts.Create(ctx, access.Principal{Role: access.Officer}, time.Hour, ""); err == nil {
		t.Fatal("an officer token without a county was created")
	}
	if _, _, err := ts.Create(ctx, access.Principal{Role: access.Admin}, 0, ""); err == nil {
		t.Fatal("a token without a lifetime was created")
	}
}
