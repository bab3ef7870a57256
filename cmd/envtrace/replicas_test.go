package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
	"github.com/envtrace/envtrace/tracing/farmland"
)

// replica is one `serve --db` running in this process.
type replica struct {
	base string
	done chan int
	// errs is the server's stderr; read it only after done delivered.
	errs *bytes.Buffer
}

// freeAddr finds a port nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startReplica runs `serve --db url` until ctx ends and waits until
// /readyz answers 200. It serves as the demo identity without a rate
// limit: what it measures is replication, not access.
func startReplica(ctx context.Context, t testing.TB, dbURL string) *replica {
	t.Helper()
	addr := freeAddr(t)
	var out, errs bytes.Buffer
	r := &replica{base: "http://" + addr, done: make(chan int, 1), errs: &errs}
	go func() {
		r.done <- run(ctx, []string{"serve", "--db", dbURL, "--insecure-demo", "--rate-limit", "0", "--addr", addr}, &out, &errs)
	}()
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case code := <-r.done:
			t.Fatalf("serve exited with %d:\n%s", code, errs.String())
		default:
		}
		if resp, err := http.Get(r.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica at %s not ready after 90 s:\n%s", addr, errs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replicaDB migrates a fresh database and imports the central fixture.
func replicaDB(t testing.TB) string {
	t.Helper()
	dbURL, _ := replicaDBDir(t)
	return dbURL
}

// replicaDBDir is replicaDB with the fixture's directory, whole; the
// import leaves out the files named in without.
func replicaDBDir(t testing.TB, without ...string) (dbURL, dir string) {
	t.Helper()
	dbURL = storetest.DatabaseURL(t)
	dir = filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	imported := dir
	if len(without) > 0 {
		imported = filepath.Join(t.TempDir(), "central")
		if err := os.CopyFS(imported, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		for _, f := range without {
			if err := os.Remove(filepath.Join(imported, f)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, args := range [][]string{{"db", "migrate", "--db", dbURL}, {"import", "--db", dbURL, "--data", imported}} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs.String())
		}
	}
	return dbURL, dir
}

// postReading ingests one NH3-N reading at WQ-M06 through r's REST API.
func postReading(t testing.TB, r *replica, at time.Time, value float64) {
	t.Helper()
	body := fmt.Sprintf(`[{"station":"WQ-M06","time":%q,"parameter":"NH3-N","value":%g,"unit":"mg/L"}]`, at.Format(time.RFC3339), value)
	resp, err := http.Post(r.base+"/api/v1/readings", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct{ Inserted int }
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK || res.Inserted != 1 {
		t.Fatalf("POST reading at %s: status %d, %+v, %v", at, resp.StatusCode, res, err)
	}
}

// readingAt returns the value r serves for WQ-M06's NH3-N at instant at.
func readingAt(t testing.TB, r *replica, at time.Time) (float64, bool) {
	t.Helper()
	q := url.Values{"parameter": {"NH3-N"}, "from": {at.Format(time.RFC3339)}, "to": {at.Add(time.Second).Format(time.RFC3339)}}
	resp, err := http.Get(r.base + "/api/v1/stations/WQ-M06/readings?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Readings []struct{ Value float64 } }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET readings: status %d, %v", resp.StatusCode, err)
	}
	if len(page.Readings) == 0 {
		return 0, false
	}
	return page.Readings[0].Value, true
}

// waitReading polls r until it serves the reading at at, and returns how
// long that took.
func waitReading(t testing.TB, r *replica, at time.Time, want float64) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if v, ok := readingAt(t, r, at); ok {
			if v != want {
				t.Fatalf("%s serves %g at %s, want %g", r.base, v, at, want)
			}
			return time.Since(start)
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("%s does not serve the reading at %s after 30 s", r.base, at)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestReplicasAgree runs two servers on one database: a reading posted to
// either becomes visible on the other, and a reading stored while a
// replica's follower is disconnected reaches it when it reconnects; the
// replica is not ready while disconnected. A reading deleted by hand
// stops being served by both. The replicas start before
// any irrigation system is stored; their farmland desk serves the first
// one imported, and follows the imports after it (farmlandFollows).
func TestReplicasAgree(t *testing.T) {
	dbURL, dir := replicaDBDir(t, farmland.FileIntakes, farmland.FileAreas)
	farmAnswer := farmlandDirAnswer(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	a, b := startReplica(ctx, t, dbURL), startReplica(ctx, t, dbURL)
	defer func() {
		cancel()
		for _, r := range []*replica{a, b} {
			if code := <-r.done; code != 0 {
				t.Errorf("serve at %s exited with %d", r.base, code)
			}
		}
	}()
	t0 := time.Date(2027, 1, 15, 8, 0, 0, 0, time.FixedZone("", 8*3600))
	postReading(t, a, t0, 0.42)
	waitReading(t, b, t0, 0.42)
	postReading(t, b, t0.Add(time.Hour), 0.43)
	waitReading(t, a, t0.Add(time.Hour), 0.43)

	// Both followers lose their connections; a reading stored meanwhile
	// (by `envtrace ingest`, no server involved) reaches both.
	pool, err := postgis.Open(ctx, dbURL, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, store.FollowerApplicationName); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "readings.csv")
	t2 := t0.Add(2 * time.Hour)
	if err := os.WriteFile(file, []byte("station_id,time,parameter,value,unit\nWQ-M06,"+t2.Format(time.RFC3339)+",NH3-N,0.44,mg/L\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCmd(t, "ingest", "--db", dbURL, "--readings", file); code != 0 {
		t.Fatalf("ingest: %s %s", out, errs)
	}
	waitReading(t, a, t2, 0.44)
	waitReading(t, b, t2, 0.44)

	// The reading deleted by hand (an import never deletes): both
	// replicas stop serving it, and keep the others.
	if tag, err := pool.Exec(ctx, `delete from readings where station_id = 'WQ-M06' and time = $1 and parameter = 'NH3-N'`, t2); err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("delete the reading at %s: %v, %v", t2, tag, err)
	}
	for _, r := range []*replica{a, b} {
		waitUntil(t, "the deleted reading gone from "+r.base, func() bool {
			_, ok := readingAt(t, r, t2)
			return !ok
		})
		if v, ok := readingAt(t, r, t0.Add(time.Hour)); !ok || v != 0.43 {
			t.Errorf("after the deletion %s serves %g (%v) at %s, want 0.43", r.base, v, ok, t0.Add(time.Hour))
		}
	}

	farmlandFollows(t, pool, dbURL, dir, farmAnswer, a, b)
}

// BenchmarkReplicaLatency measures how long a reading posted to one
// replica takes to be served by the other (the goal is ≤ 1 s), against
// the time the POST itself takes on the first (the baseline: the durable
// commit in PostGIS).
func BenchmarkReplicaLatency(b *testing.B) {
	dbURL := replicaDB(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ra, rb := startReplica(ctx, b, dbURL), startReplica(ctx, b, dbURL)
	t0 := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	var post, seen time.Duration
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		start := time.Now()
		postReading(b, ra, at, 0.5)
		post += time.Since(start)
		lag := waitReading(b, rb, at, 0.5)
		seen += lag
		worst = max(worst, lag)
	}
	b.StopTimer()
	n := time.Duration(b.N)
	b.ReportMetric(float64((post/n).Microseconds())/1000, "ms-post")
	b.ReportMetric(float64((seen/n).Microseconds())/1000, "ms-to-other-replica")
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms-worst")
	b.ReportMetric(float64(seen)/float64(post), "ratio-vs-post")
	b.ReportMetric(1, "readings/op")
}
