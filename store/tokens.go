package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/access"
)

// Tokens keeps API tokens in the api_tokens table (migration 0007): their
// hash, role, scope, expiry and revocation. It implements
// access.TokenStore.
type Tokens struct{ pool *pgxpool.Pool }

// NewTokens returns the token table of pool.
func NewTokens(pool *pgxpool.Pool) *Tokens { return &Tokens{pool: pool} }

// ErrNoToken is returned by Revoke for an id that names no token.
var ErrNoToken = errors.New("store: no such token")

// Create makes a token for p valid for ttl and returns its record and
// the token itself, which is not stored and cannot be shown again.
func (t *Tokens) Create(ctx context.Context, p access.Principal, ttl time.Duration, note string) (access.TokenRecord, string, error) {
	if err := p.Validate(); err != nil {
		return access.TokenRecord{}, "", err
	}
	if ttl <= 0 {
		return access.TokenRecord{}, "", fmt.Errorf("store: token lifetime must be positive, got %s", ttl)
	}
	id, tok, err := access.NewToken()
	if err != nil {
		return access.TokenRecord{}, "", err
	}
	s := p.Scope
	rec := access.TokenRecord{ID: id, Principal: p}
	err = t.pool.QueryRow(ctx, `insert into api_tokens (id, hash, role, county, agency, facility, stations, cases, note, expires_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + $10::interval) returning created_at, expires_at`,
		id, access.TokenHash(tok), string(p.Role), s.County, s.Agency, s.Facility, nonNil(s.Stations), nonNil(s.Cases), note,
		fmt.Sprintf("%d microseconds", ttl.Microseconds())).Scan(&rec.CreatedAt, &rec.ExpiresAt)
	if err != nil {
		return access.TokenRecord{}, "", fmt.Errorf("store: create token: %w", err)
	}
	return rec, tok, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TokenByHash implements access.TokenStore.
func (t *Tokens) TokenByHash(ctx context.Context, hash []byte) (access.TokenRecord, error) {
	var (
		rec     access.TokenRecord
		role    string
		s       access.Scope
		revoked *time.Time
	)
	err := t.pool.QueryRow(ctx, `select id, role, county, agency, facility, stations, cases, created_at, expires_at, revoked_at
		from api_tokens where hash = $1`, hash).Scan(&rec.ID, &role, &s.County, &s.Agency, &s.Facility, &s.Stations, &s.Cases,
		&rec.CreatedAt, &rec.ExpiresAt, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return rec, access.ErrUnknownToken
	}
	if err != nil {
		return rec, fmt.Errorf("store: look up token: %w", err)
	}
	if revoked != nil {
		rec.RevokedAt = *revoked
	}
	rec.Principal = access.Principal{Role: access.Role(role), Scope: s}
	return rec, nil
}

// Revoke ends the token id now; revoking a revoked token keeps its first
// revocation time.
func (t *Tokens) Revoke(ctx context.Context, id string) error {
	tag, err := t.pool.Exec(ctx, `update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", ErrNoToken, id)
	}
	return nil
}
