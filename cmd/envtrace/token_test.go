package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
)

// TestTokenCommandsAndServeAuth creates API tokens with the CLI, serves
// PostGIS with --auth tokens, and checks the contract: public reads need
// no token, a write needs one, a revoked token is a 401, and serve --db
// refuses to start without --auth.
func TestTokenCommandsAndServeAuth(t *testing.T) {
	url := storetest.DatabaseURL(t)
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"db", "migrate", "--db", url}, {"import", "--db", url, "--data", dir}} {
		if code, out, errs := runCmd(t, args...); code != 0 {
			t.Fatalf("%v: exit %d %s %s", args, code, out, errs)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"serve without --auth", []string{"serve", "--db", url}, "--auth oidc|tokens"},
		{"oidc without an issuer", []string{"serve", "--db", url, "--auth", "oidc"}, "--oidc-issuer"},
		{"unknown auth", []string{"serve", "--db", url, "--auth", "password"}, "want oidc or tokens"},
		{"tokens without the audit key", []string{"serve", "--db", url, "--auth", "tokens"}, "needs the audit trail's key"},
		{"unknown role", []string{"token", "create", "--db", url, "--role", "root"}, "unknown role"},
		{"sensor without stations", []string{"token", "create", "--db", url, "--role", "sensor"}, "needs stations"},
		{"bad lifetime", []string{"token", "create", "--db", url, "--role", "admin", "--expires", "soon"}, "want days like 90d"},
		{"unknown county", []string{"token", "create", "--db", url, "--role", "officer", "--county", "Atlantis"}, "unknown county"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCmd(t, tc.args...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, want 2 with %q: %s", code, tc.want, errs)
			}
		})
	}
	t.Setenv("ENVTRACE_AUDIT_KEY", strings.Repeat("5a", 32))
	if code, _, errs := runCmd(t, "serve", "--db", url, "--auth", "tokens"); code != 2 || !strings.Contains(errs, "privacy secret") {
		t.Fatalf("serve --auth tokens without the privacy secret: exit %d, want 2 naming the secret: %s", code, errs)
	}
	t.Setenv("ENVTRACE_PRIVACY_SECRET", strings.Repeat("c4", 32))
	code, tok, errs := runCmd(t, "token", "create", "--db", url, "--role", "sensor", "--stations", "WQ-C1-01", "--expires", "90d")
	tok = strings.TrimSpace(tok)
	if code != 0 || !strings.HasPrefix(tok, "envt_") || strings.Count(tok, "\n") != 0 || strings.Contains(errs, tok) {
		t.Fatalf("token create: exit %d %q %s", code, tok, errs)
	}
	if code, out, errs := runCmd(t, "token", "create", "--db", url, "--role", "officer", "--county", "彰化縣", "--expires", "12h"); code != 0 || out == "" {
		t.Fatalf("officer token by county name: exit %d %s", code, errs)
	}

	// Two servers on the database, as two replicas behind a load balancer.
	// Their token caches keep records for an hour, so only the revocation
	// notice can make them refuse a revoked token in time.
	ctx, cancel := context.WithCancel(context.Background())
	var serveErr bytes.Buffer
	var bases []string
	var dones []chan int
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		done := make(chan int, 1)
		errs := &bytes.Buffer{}
		if len(bases) == 0 {
			errs = &serveErr
		}
		go func() {
			done <- run(ctx, []string{"serve", "--db", url, "--auth", "tokens", "--token-cache-ttl", "1h", "--addr", addr}, &bytes.Buffer{}, errs)
		}()
		bases, dones = append(bases, "http://"+addr), append(dones, done)
	}
	defer func() {
		cancel()
		for _, d := range dones {
			<-d
		}
	}()
	base := bases[0]
	for _, b := range bases {
		waitUp(t, b+"/healthz")
	}
	waitTokenListeners(t, url, len(bases))
	reading := `[{"station":"WQ-C1-01","time":"2026-10-01T08:00:00+08:00","parameter":"Cu","value":0.02,"unit":"mg/L"}]`
	postTo := func(base, token string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/readings", strings.NewReader(reading))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// Every write is audited by the server that took it: count them for
	// checkServedAudit.
	wantAllowed, wantDenied := 0, 0
	count := func(c int) int {
		switch c {
		case 200:
			wantAllowed++
		case 401:
			wantDenied++
		}
		return c
	}
	post := func(token string) int { return count(postTo(base, token)) }
	res, err := http.Get(base + "/api/v1/stations")
	if err != nil {
		t.Fatalf("public stations: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("public stations: %s", res.Status)
	}
	if c := post(""); c != 401 {
		t.Fatalf("write without a token: %d", c)
	}
	for _, b := range bases {
		for range 2 { // the second is served from the token cache
			if c := count(postTo(b, tok)); c != 200 {
				t.Fatalf("write with the sensor's token to %s: %d (%s)", b, c, serveErr.String())
			}
		}
	}
	if code, out, errs := runCmd(t, "token", "revoke", "--db", url, tok); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: exit %d %s %s", code, out, errs)
	}
	for _, b := range bases {
		deadline := time.Now().Add(10 * time.Second)
		for c := count(postTo(b, tok)); c != 401; c = count(postTo(b, tok)) {
			if c != 200 || time.Now().After(deadline) {
				t.Fatalf("write with a revoked token to %s: %d, and not 401 within 10 s", b, c)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if code, _, errs := runCmd(t, "token", "revoke", "--db", url, "ffffffffffff"); code != 1 || !strings.Contains(errs, "no such token") {
		t.Fatalf("revoke unknown: exit %d %s", code, errs)
	}
	checkServedAudit(t, url, base, wantAllowed, wantDenied)
}

// checkServedAudit checks that the server above kept its audit trail in
// PostGIS: an administrator reads the denied and the allowed writes back
// over the API (wantAllowed and wantDenied reading writes, as the test
// counted them), and `audit verify` finds the chain intact.
func checkServedAudit(t *testing.T, url, base string, wantAllowed, wantDenied int) {
	t.Helper()
	code, admin, errs := runCmd(t, "token", "create", "--db", url, "--role", "admin")
	if code != 0 {
		t.Fatalf("admin token: exit %d %s", code, errs)
	}
	// The server hands entries to the recorder without waiting for their
	// group commit (api.Config.AuditInFlight): read until the last one is
	// there, with a generous timeout.
	var allowed, denied int
	var records any
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		allowed, denied, records = readingWritesAudited(t, base, strings.TrimSpace(admin))
		if allowed+denied >= wantAllowed+wantDenied || time.Now().After(deadline) {
			break
		}
	}
	// The test posted readings without a token (denied), with the
	// sensor's token (allowed) and with the revoked token (denied).
	if allowed != wantAllowed || denied != wantDenied {
		t.Errorf("audit log holds %d allowed and %d denied reading writes, want %d and %d: %+v", allowed, denied, wantAllowed, wantDenied, records)
	}
	if code, out, errs := runCmd(t, "audit", "verify", "--db", url); code != 0 {
		t.Errorf("audit verify: exit %d %s %s", code, out, errs)
	}
}

// waitUp polls url until the server answers.
func waitUp(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not come up", url)
}

// readingWritesAudited reads the audit log's reading writes back over the
// API as an administrator and counts the allowed and the denied ones.
func readingWritesAudited(t *testing.T, base, admin string) (allowed, denied int, records any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/audit?resource=POST%20/api/v1/readings", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page struct {
		Records []struct {
			Role    string `json:"role"`
			Allowed bool   `json:"allowed"`
		} `json:"records"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/audit: %d %v", res.StatusCode, err)
	}
	for _, r := range page.Records {
		if r.Allowed {
			allowed++
		} else {
			denied++
		}
	}
	return allowed, denied, page.Records
}

// waitTokenListeners waits until n servers listen for token revocations
// (their LISTEN done), so that their token caches serve from memory.
func waitTokenListeners(t *testing.T, url string, n int) {
	t.Helper()
	pool, err := postgis.Open(context.Background(), url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got int
		if err := pool.QueryRow(context.Background(), `select count(*) from pg_stat_activity
			where datname = current_database() and application_name = $1 and state = 'idle' and query like 'listen %'`,
			store.TokenListenerApplicationName).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got >= n {
			time.Sleep(50 * time.Millisecond) // from LISTEN's return to the cache's Live(true)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d servers listen for token revocations after 30 s", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
