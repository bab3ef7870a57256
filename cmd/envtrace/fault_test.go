package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/internal/config"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
	"github.com/envtrace/envtrace/tracing/basin"
)

// TestServedIngestSurvivesLostConnections serves the fixture from PostGIS,
// kills the server's database sessions while an ingest is in flight, and
// checks that the request fails with a 503 problem instead of hanging, that
// queries keep being answered, that the retry succeeds without a restart,
// and that every acknowledged reading is in the database.
func TestServedIngestSurvivesLostConnections(t *testing.T) {
	ctx := context.Background()
	url := storetest.DatabaseURL(t)
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "db", "migrate", "--db", url); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCmd(t, "import", "--db", url, "--data", dir); code != 0 {
		t.Fatal(errs)
	}
	pool, err := postgis.Open(ctx, url, postgis.Options{ApplicationName: "envtrace-served"})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	e := &env{cfg: config.Default(), stdout: io.Discard, stderr: io.Discard}
	hb, err := loadDBBasin(ctx, e, pool, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := basin.New(hb.net, hb.ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(pool)
	mb, err := api.NewMemoryBackendWithBasin(b, api.WithIngestSink(durableIngest(st)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{RequestTimeout: 10 * time.Second}, &dbBackend{MemoryBackend: mb, st: st})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(ts.URL+"/api/v1/readings", "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	batch := `[{"station":"WQ-M06","time":"2026-10-02T08:00:00+08:00","parameter":"NH3-N","value":0.33,"unit":"mg/L"}]`

	// A second session holds the readings table, so the ingest is provably
	// in flight when the server's sessions are terminated.
	admin, err := postgis.Open(ctx, url, postgis.Options{ApplicationName: "envtrace-admin"})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tx, err := admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "lock table readings in access exclusive mode"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		body   map[string]any
	}
	done := make(chan result, 1)
	go func() {
		status, m := post(batch)
		done <- result{status, m}
	}()
	// Wait until the ingest waits on the lock, then kill the server's sessions.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		admin.QueryRow(ctx, "select count(*) from pg_stat_activity where application_name = 'envtrace-served' and wait_event_type = 'Lock'").Scan(&waiting)
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ingest never reached the database")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := admin.Exec(ctx, "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'envtrace-served'"); err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	select {
	case r := <-done:
		if r.status != http.StatusServiceUnavailable || r.body["type"] != api.ProblemUnavailable {
			t.Fatalf("ingest during the outage: %d %v, want a 503 problem", r.status, r.body)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the ingest hung after its connection was killed")
	}
	// Queries are answered from memory throughout.
	resp, err := http.Get(ts.URL + "/api/v1/navigate?start=R040&mode=UT&format=ids")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("navigate after the outage: %v %v", err, resp)
	}
	resp.Body.Close()
	// The retry succeeds on the same server, and the reading is stored once.
	if status, m := post(batch); status != http.StatusOK || m["inserted"] != float64(1) {
		t.Fatalf("retry: %d %v", status, m)
	}
	if status, m := post(batch); status != http.StatusOK || m["duplicates"] != float64(1) {
		t.Fatalf("second retry: %d %v", status, m)
	}
	var n int
	if err := admin.QueryRow(ctx, "select count(*) from readings where station_id = 'WQ-M06' and time = '2026-10-02T08:00:00+08:00'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("acknowledged reading stored %d times (%v)", n, err)
	}
	resp, err = http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatalf("healthz after recovery: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after recovery: %d", resp.StatusCode)
	}
}
