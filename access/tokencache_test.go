package access_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
)

// countingTokens is a TokenStore over a map that counts its lookups and
// can change a record in place, as an UPDATE of the table would.
type countingTokens struct {
	mu      sync.Mutex
	recs    map[string]access.TokenRecord
	lookups atomic.Int64
}

func (s *countingTokens) TokenByHash(_ context.Context, h []byte) (access.TokenRecord, error) {
	s.lookups.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.recs[string(h)]
	if !ok {
		return r, access.ErrUnknownToken
	}
	return r, nil
}

func (s *countingTokens) add(t *testing.T, exp time.Time) (id, tok string) {
	t.Helper()
	id, tok, err := access.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[string(access.TokenHash(tok))] = access.TokenRecord{ID: id, ExpiresAt: exp,
		Principal: access.Principal{Role: access.Sensor, Scope: access.Scope{Stations: []string{"WQ-1"}}}}
	return id, tok
}

func (s *countingTokens) revoke(tok string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := string(access.TokenHash(tok))
	r := s.recs[h]
	r.RevokedAt = at
	s.recs[h] = r
}

func TestTokenCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	type setup struct {
		st    *countingTokens
		cache *access.TokenCache
		auth  access.Tokens
	}
	newSetup := func() setup {
		st := &countingTokens{recs: map[string]access.TokenRecord{}}
		c := &access.TokenCache{Store: st, TTL: time.Minute, Size: 3, Now: clock}
		c.Live(true)
		return setup{st, c, access.Tokens{Store: c, Now: clock}}
	}
	ok := func(t *testing.T, s setup, tok string) {
		t.Helper()
		if _, err := s.auth.Authenticate(ctx, tok); err != nil {
			t.Fatalf("want accepted, got %v", err)
		}
	}
	refused := func(t *testing.T, s setup, tok string) {
		t.Helper()
		_, err := s.auth.Authenticate(ctx, tok)
		var ae *access.AuthError
		if !errors.As(err, &ae) {
			t.Fatalf("want a 401, got %v", err)
		}
	}
	lookups := func(t *testing.T, s setup, want int64) {
		t.Helper()
		if got := s.st.lookups.Load(); got != want {
			t.Fatalf("store looked up %d times, want %d", got, want)
		}
	}
	t.Run("a record is read once while fresh", func(t *testing.T) {
		s := newSetup()
		_, tok := s.st.add(t, now.Add(time.Hour))
		for range 5 {
			ok(t, s, tok)
		}
		lookups(t, s, 1)
	})
	t.Run("revocation announced: refused at once", func(t *testing.T) {
		s := newSetup()
		id, tok := s.st.add(t, now.Add(time.Hour))
		ok(t, s, tok)
		s.st.revoke(tok, now)
		s.cache.Revoked(id)
		refused(t, s, tok)
		lookups(t, s, 2)
	})
	t.Run("revocation unannounced: refused after the TTL", func(t *testing.T) {
		s := newSetup()
		_, tok := s.st.add(t, now.Add(time.Hour))
		ok(t, s, tok)
		s.st.revoke(tok, now)
		ok(t, s, tok) // the documented bound: served from memory until the TTL ends
		now = now.Add(time.Minute)
		defer func() { now = now.Add(-time.Minute) }()
		refused(t, s, tok)
	})
	t.Run("expiry is the rule's, not the cache's", func(t *testing.T) {
		s := newSetup()
		_, tok := s.st.add(t, now.Add(time.Second))
		ok(t, s, tok)
		now = now.Add(time.Second)
		defer func() { now = now.Add(-time.Second) }()
		refused(t, s, tok)
		lookups(t, s, 1) // the cached record itself says it expired
	})
	t.Run("not live: every lookup goes to the store", func(t *testing.T) {
		s := newSetup()
		_, tok := s.st.add(t, now.Add(time.Hour))
		ok(t, s, tok)
		s.cache.Live(false)
		if s.cache.Len() != 0 {
			t.Fatalf("a cache that lost its listener holds %d records", s.cache.Len())
		}
		ok(t, s, tok)
		ok(t, s, tok)
		lookups(t, s, 3)
		s.st.revoke(tok, now)
		refused(t, s, tok)
	})
	t.Run("unknown tokens are not remembered", func(t *testing.T) {
		s := newSetup()
		_, tok := s.st.add(t, now.Add(time.Hour))
		refused(t, s, tok+"x")
		refused(t, s, tok+"x")
		lookups(t, s, 2)
	})
	t.Run("bounded", func(t *testing.T) {
		s := newSetup()
		var toks []string
		for range 10 {
			_, tok := s.st.add(t, now.Add(time.Hour))
			toks = append(toks, tok)
			ok(t, s, tok)
		}
		if n := s.cache.Len(); n != 3 {
			t.Fatalf("cache of size 3 holds %d records", n)
		}
		for _, tok := range toks {
			ok(t, s, tok)
		}
	})
	t.Run("concurrent use with revocations", func(t *testing.T) {
		s := newSetup()
		id, tok := s.st.add(t, now.Add(time.Hour))
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 200 {
					_, _ = s.auth.Authenticate(ctx, tok)
				}
			})
		}
		s.st.revoke(tok, now)
		s.cache.Revoked(id)
		wg.Wait()
		refused(t, s, tok)
	})
}
