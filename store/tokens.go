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

// TokensChannel is the LISTEN/NOTIFY channel on which Revoke announces,
// at COMMIT, the id of the token it revoked, so that every server's
// access.TokenCache forgets that token at once (TokenRevocations).
const TokensChannel = "envtrace_tokens"

// Revoke ends the token id now and announces it on TokensChannel;
// revoking a revoked token keeps its first revocation time (and announces
// it again, which is harmless).
func (t *Tokens) Revoke(ctx context.Context, id string) error {
	var n int
	// One statement, not notify in a transaction: it announces the token
	// only when the update found it, and says whether it did.
	err := t.pool.QueryRow(ctx, `with r as (
			update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1 returning id)
		select count(pg_notify($2, r.id)) from r`, id, TokensChannel).Scan(&n)
	if err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrNoToken, id)
	}
	return nil
}

// TokenRevocations tells a server's token cache about revocations: it
// LISTENs on TokensChannel on a connection of its own and calls Revoked
// with every announced id. Live(true) is called once it listens and
// Live(false) when the connection is lost, so the cache serves from memory
// only while it hears revocations; it reconnects with backoff (100 ms,
// doubling up to 10 s) until ctx ends.
type TokenRevocations struct {
	// Pool gives the connection settings.
	Pool *pgxpool.Pool
	// Revoked and Live are access.TokenCache's methods of the same names.
	Revoked func(id string)
	Live    func(live bool)
	// Log reports connection losses; nil discards them.
	Log func(msg string, args ...any)
}

// TokenListenerApplicationName tells the listener's connection apart in
// pg_stat_activity.
const TokenListenerApplicationName = "envtrace-tokens"

// Run listens until ctx ends and returns ctx's error.
func (r *TokenRevocations) Run(ctx context.Context) error {
	const first = 100 * time.Millisecond
	backoff := first
	for {
		listened, err := r.session(ctx)
		r.Live(false)
		if listened {
			backoff = first // a connection that worked starts the backoff afresh
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.Log != nil {
			r.Log("token revocation listener lost its connection; tokens are looked up in the database until it is back", "error", err, "retry_in", backoff)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// session connects, listens and passes revocations on until the
// connection fails; listened says it got as far as listening.
func (r *TokenRevocations) session(ctx context.Context) (listened bool, err error) {
	cfg := r.Pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = TokenListenerApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{TokensChannel}.Sanitize()); err != nil {
		return false, err
	}
	r.Live(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		r.Revoked(n.Payload)
	}
}
