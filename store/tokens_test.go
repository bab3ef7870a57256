package store_test

import (
	"context"
	"errors"
	"slices"
	"syscall"
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

// TestTokenRevocationsReachEveryCache runs two token caches, as two
// servers would, each with its own revocation listener on one database,
// with a TTL of an hour so that only the announcement can end a cached
// token: a token revoked through one store is refused by both within a
// generous wait, also after a listener lost its connection and came back.
func TestTokenRevocationsReachEveryCache(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ts := store.NewTokens(pool)
	type server struct {
		cache *access.TokenCache
		auth  access.Tokens
		lives chan bool
		done  chan error
	}
	servers := make([]*server, 2)
	for i := range servers {
		s := &server{cache: &access.TokenCache{Store: ts, TTL: time.Hour}, lives: make(chan bool, 16), done: make(chan error, 1)}
		s.auth = access.Tokens{Store: s.cache}
		l := &store.TokenRevocations{Pool: pool, Revoked: s.cache.Revoked, Live: func(live bool) {
			s.cache.Live(live)
			s.lives <- live
		}}
		go func() { s.done <- l.Run(ctx) }()
		waitLive(t, s.lives, true)
		servers[i] = s
	}
	p := access.Principal{Role: access.Sensor, Scope: access.Scope{Stations: []string{"WQ-1"}}}
	revokeAndWait := func(t *testing.T) {
		t.Helper()
		rec, tok, err := ts.Create(ctx, p, time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range servers {
			for range 2 {
				if _, err := s.auth.Authenticate(ctx, tok); err != nil {
					t.Fatalf("fresh token refused: %v", err)
				}
			}
			if s.cache.Len() == 0 {
				t.Fatal("a live cache kept nothing")
			}
		}
		if err := ts.Revoke(ctx, rec.ID); err != nil {
			t.Fatal(err)
		}
		for i, s := range servers {
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, err := s.auth.Authenticate(ctx, tok)
				var ae *access.AuthError
				if errors.As(err, &ae) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("server %d still accepts the revoked token after 10 s (%v)", i, err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	revokeAndWait(t)
	// The second server's listener loses its connection: its cache stops
	// serving from memory, and serves again once the listener is back.
	if _, err := pool.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity
		where application_name = $1 and datname = current_database() and pid in (
			select pid from pg_stat_activity where application_name = $1 and datname = current_database() order by backend_start desc limit 1)`,
		store.TokenListenerApplicationName); err != nil {
		t.Fatal(err)
	}
	waitLive(t, servers[1].lives, false)
	waitLive(t, servers[1].lives, true)
	revokeAndWait(t)
	cancel()
	for _, s := range servers {
		if err := <-s.done; !errors.Is(err, context.Canceled) {
			t.Fatalf("listener ended with %v", err)
		}
	}
}

// waitLive waits (generously) for the listener to report want.
func waitLive(t *testing.T, lives chan bool, want bool) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case live := <-lives:
			if live == want {
				return
			}
		case <-timeout:
			t.Fatalf("the listener did not report live=%v within 30 s", want)
		}
	}
}

// BenchmarkTokenAuthenticate authenticates one API token the way every
// request of `serve --db --auth tokens` does: through the token cache (the
// default), against reading api_tokens in PostGIS each time (the baseline,
// --token-cache-ttl 0), in the same run. Run with -benchmem for the
// allocations a request saves.
func BenchmarkTokenAuthenticate(b *testing.B) {
	pool := migrated(b, postgis.Options{})
	ctx := context.Background()
	ts := store.NewTokens(pool)
	_, tok, err := ts.Create(ctx, access.Principal{Role: access.Admin}, time.Hour, "bench")
	if err != nil {
		b.Fatal(err)
	}
	cache := &access.TokenCache{Store: ts}
	cache.Live(true) // as once the revocation listener is connected
	var base time.Duration
	for _, v := range []struct {
		name  string
		store access.TokenStore
	}{{"postgis", ts}, {"cached", cache}} {
		b.Run(v.name, func(b *testing.B) {
			auth := access.Tokens{Store: v.store}
			cpu0 := processCPU(b)
			for b.Loop() {
				if _, err := auth.Authenticate(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
			cpu := (processCPU(b) - cpu0) / time.Duration(b.N)
			per := b.Elapsed() / time.Duration(b.N)
			if base == 0 {
				base = per
			}
			b.ReportMetric(float64(cpu.Nanoseconds()), "cpu-ns/op")
			b.ReportMetric(float64(base)/float64(per), "x-faster-than-postgis")
			b.Logf("%s: %v a request (%v of this process's CPU, PostgreSQL's not counted), %.0f× faster than reading api_tokens each time (%v)",
				v.name, per, cpu, float64(base)/float64(per), base)
		})
	}
}

// processCPU is this process's user and system CPU time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
