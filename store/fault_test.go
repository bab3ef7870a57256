package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/model"
)

// faultDB is a migrated test database with its URL, so that a second,
// independent connection can lock tables and terminate the pool's
// sessions.
func faultDB(t *testing.T, opt postgis.Options) (*pgxpool.Pool, *pgx.Conn) {
	t.Helper()
	url := migratedURL(t)
	ctx := context.Background()
	pool, err := postgis.Open(ctx, url, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	killer, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killer.Close(context.Background()) })
	return pool, killer
}

// blockAndKill holds lock on table from the killer connection, runs call
// in the background, waits until the call's statement waits for that lock
// (so it is certainly in the middle of its work), terminates every other
// session of the database, releases the lock and returns the call's error.
// It fails the test if the call does not return within 5 s.
func blockAndKill(t *testing.T, killer *pgx.Conn, table, mode string, call func(ctx context.Context) error) error {
	t.Helper()
	ctx := context.Background()
	tx, err := killer.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "lock table "+table+" in "+mode+" mode"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		done <- call(cctx)
	}()
	waiting := false
	for range 500 {
		var n int
		if err := tx.QueryRow(ctx, `select count(*) from pg_stat_activity where datname = current_database()
			and pid <> pg_backend_pid() and wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			waiting = true
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the call finished (%v) before it reached the locked table", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !waiting {
		t.Fatal("the call never waited for the lock")
	}
	var killed int
	if err := tx.QueryRow(ctx, `select count(pg_terminate_backend(pid)) from pg_stat_activity
		where datname = current_database() and pid <> pg_backend_pid()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Logf("terminated %d sessions; the call returned %v", killed, err)
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the call hangs after its session was terminated")
		return nil
	}
}

func TestIngestSurvivesTerminatedBackend(t *testing.T) {
	pool, killer := faultDB(t, postgis.Options{MaxConns: 4})
	ctx := context.Background()
	ds := realDataset(t)
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Stations: ds.Stations}, nil); err != nil {
		t.Fatal(err)
	}
	batch := ds.CurrentReadings()[:2000]
	err := blockAndKill(t, killer, "readings", "share", func(ctx context.Context) error {
		_, _, err := store.IngestReadings(ctx, pool, batch)
		return err
	})
	if err == nil || !postgis.Retryable(err) {
		t.Fatalf("ingest on a terminated session returned %v, want a retryable error", err)
	}
	// Nothing partial, and the pool answers at once without being reopened.
	if n, _, _ := tableChecksum(t, pool, "readings", "seq"); n != 0 {
		t.Fatalf("%d readings of the failed call are stored", n)
	}
	ins, dup, err := store.IngestReadings(ctx, pool, batch)
	if err != nil || ins != len(batch) || dup != 0 {
		t.Fatalf("retry: %d inserted, %d duplicates, %v", ins, dup, err)
	}
	if ins, dup, err = store.IngestReadings(ctx, pool, batch); err != nil || ins != 0 || dup != len(batch) {
		t.Fatalf("second retry: %d inserted, %d duplicates, %v", ins, dup, err)
	}
}

func TestQuerySurvivesTerminatedBackend(t *testing.T) {
	pool, killer := faultDB(t, postgis.Options{MaxConns: 4})
	ctx := context.Background()
	ds := realDataset(t)
	if err := store.ImportDataset(ctx, pool, ds, nil); err != nil {
		t.Fatal(err)
	}
	err := blockAndKill(t, killer, "readings", "access exclusive", func(ctx context.Context) error {
		_, err := store.LoadDataset(ctx, pool)
		return err
	})
	if err == nil || !postgis.Retryable(err) {
		t.Fatalf("query on a terminated session returned %v, want a retryable error", err)
	}
	back, err := store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if back.NumReadings() != ds.NumReadings() {
		t.Fatalf("retry loaded %d readings of %d", back.NumReadings(), ds.NumReadings())
	}
}

// TestImportSurvivesTerminatedBackend kills an import while it writes the
// readings: the kinds before are committed, nothing of readings.csv is, and
// repeating the import completes it.
func TestImportSurvivesTerminatedBackend(t *testing.T) {
	pool, killer := faultDB(t, postgis.Options{MaxConns: 4})
	ctx := context.Background()
	ds := realDataset(t)
	err := blockAndKill(t, killer, "readings", "share", func(ctx context.Context) error {
		return store.ImportDataset(ctx, pool, ds, nil)
	})
	if err == nil || !postgis.Retryable(err) {
		t.Fatalf("import on a terminated session returned %v", err)
	}
	if n, _, _ := tableChecksum(t, pool, "readings", "seq"); n != 0 {
		t.Fatalf("%d readings of the interrupted import are stored", n)
	}
	if n, _, _ := tableChecksum(t, pool, "stations", "seq"); n != int64(len(ds.Stations)) {
		t.Fatalf("%d stations stored, want the committed %d", n, len(ds.Stations))
	}
	if err := store.ImportDataset(ctx, pool, ds, nil); err != nil {
		t.Fatal(err)
	}
	back, err := store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	assertSameDataset(t, canonical(ds), plain(back))
}

// TestAcknowledgedReadingsSurviveRepeatedTermination ingests batches while
// another session terminates every backend of the database again and
// again. Each batch is retried until acknowledged; at the end every
// acknowledged reading is stored, exactly once, and no call hung.
func TestAcknowledgedReadingsSurviveRepeatedTermination(t *testing.T) {
	pool, killer := faultDB(t, postgis.Options{MaxConns: 4})
	ctx := context.Background()
	ds := realDataset(t)
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Stations: ds.Stations}, nil); err != nil {
		t.Fatal(err)
	}
	const batches, size = 40, 250
	var stop atomic.Bool
	var kills, progress atomic.Int64
	var wg sync.WaitGroup
	// However the test ends, the killer stops before the test returns, so
	// it never reports into a finished test.
	defer func() { stop.Store(true); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The killer strikes every 15 ms while batches get through. When a
		// kill lands before any batch was acknowledged since the previous
		// one, it waits twice as long next time (up to 1 s): on a loaded
		// machine a batch may need longer than 15 ms, and the test checks
		// that acknowledged readings survive, not that a busy server can
		// be starved.
		pause, seen := 15*time.Millisecond, int64(-1)
		for !stop.Load() {
			var n int
			if err := killer.QueryRow(ctx, `select count(pg_terminate_backend(pid)) from pg_stat_activity
				where datname = current_database() and pid <> pg_backend_pid()`).Scan(&n); err != nil {
				t.Error(err)
				return
			}
			kills.Add(int64(n))
			if p := progress.Load(); p == seen {
				pause = min(2*pause, time.Second)
			} else {
				pause, seen = 15*time.Millisecond, p
			}
			time.Sleep(pause)
		}
	}()
	acked, failures, dups := 0, 0, 0
	for b := range batches {
		batch := ds.CurrentReadings()[b*size : (b+1)*size]
		for attempt := 0; ; attempt++ {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			ins, dup, err := store.IngestReadings(cctx, pool, batch)
			cancel()
			if err == nil {
				if ins+dup != size {
					t.Fatalf("batch %d: %d inserted + %d duplicates", b, ins, dup)
				}
				acked += size
				dups += dup
				progress.Add(1)
				break
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("batch %d hung: %v", b, err)
			}
			if !postgis.Retryable(err) {
				t.Fatalf("batch %d: %v is not retryable", b, err)
			}
			failures++
			if attempt == 200 {
				t.Fatalf("batch %d never got through: %v", b, err)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d sessions terminated, %d ingest calls failed and were retried, %d readings re-sent after a lost acknowledgement", kills.Load(), failures, dups)
	if failures == 0 {
		t.Fatal("no call was interrupted; the test proved nothing")
	}
	var n, distinct int
	if err := pool.QueryRow(ctx, "select count(*), count(distinct (station_id, time, parameter)) from readings").Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != acked || distinct != acked {
		t.Fatalf("%d readings acknowledged, %d stored (%d distinct)", acked, n, distinct)
	}
	// Every acknowledged reading is there, value for value.
	back, err := store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	want := canonical(readingsOnly(ds.CurrentReadings()[:acked]))
	got := plain(back)
	got.Stations, got.Facilities = nil, nil
	assertSameDataset(t, want, got)
}

// TestStatementTimeoutBoundsBlockedCalls: an interactive call stuck behind
// a lock ends with an error at the pool's statement timeout instead of
// waiting.
func TestStatementTimeoutBoundsBlockedCalls(t *testing.T) {
	pool, killer := faultDB(t, postgis.Options{StatementTimeout: 500 * time.Millisecond})
	ctx := context.Background()
	ds := realDataset(t)
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Stations: ds.Stations}, nil); err != nil {
		t.Fatal(err)
	}
	reaches, srid := readReaches(t, newHope)
	if err := store.ImportNetwork(ctx, pool, newHope.name, reaches, srid, nil); err != nil {
		t.Fatal(err)
	}
	tx, err := killer.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "lock table readings, reaches in access exclusive mode"); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Upstream": func() error { _, err := store.Upstream(ctx, pool, newHope.name, reaches[0].ID, false); return err },
		"IngestReadings": func() error {
			_, _, err := store.IngestReadings(ctx, pool, ds.CurrentReadings()[:100])
			return err
		},
	} {
		start := time.Now()
		err := call()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "57014" {
			t.Fatalf("%s behind a lock returned %v, want a statement timeout", name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%s took %v under a 500 ms statement timeout", name, d)
		}
	}
	tx.Rollback(ctx)
	if n, _, _ := tableChecksum(t, pool, "readings", "seq"); n != 0 {
		t.Fatalf("%d readings stored by a timed-out ingest", n)
	}
	// Bulk reads are not cut off by the interactive limit.
	if _, err := store.LoadDataset(ctx, pool); err != nil {
		t.Fatal(err)
	}
}
