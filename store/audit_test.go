package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
)

var auditKey = bytes.Repeat([]byte{0x5a}, 32)

// recordConcurrently records n entries from workers goroutines.
func recordConcurrently(t *testing.T, rec audit.Recorder, workers, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range n / workers {
				e := audit.Entry{Actor: fmt.Sprintf("officer-%d", w), Role: "officer", Action: "trace",
					Resource: fmt.Sprintf("/api/v1/trace/%d", i), RequestID: fmt.Sprintf("r-%d-%d", w, i), ClientAddr: "192.0.2.7",
					Time: time.Now(), Allowed: i%5 != 0, RequestDigest: audit.Digest([]byte{byte(i)})}
				if err := rec.Record(context.Background(), e); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestAuditGroupCommitIsGaplessAndVerifies(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	rec := store.NewAuditRecorder(pool, auditKey, store.AuditOptions{})
	recordConcurrently(t, rec, 40, 2000)
	rec.Close()
	var n, lo, hi int64
	if err := pool.QueryRow(ctx, "select count(*), min(seq), max(seq) from audit_log").Scan(&n, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if n != 2000 || lo != 1 || hi != 2000 {
		t.Fatalf("audit_log holds %d rows numbered %d..%d, want 2000 numbered 1..2000", n, lo, hi)
	}
	if rec.Commits() >= 2000 {
		t.Fatalf("%d commits for 2000 concurrent records: no grouping", rec.Commits())
	}
	t.Logf("2000 records from 40 goroutines in %d commits", rec.Commits())
	got, err := store.VerifyAudit(ctx, pool, auditKey, nil, nil)
	if err != nil || got != 2000 {
		t.Fatalf("VerifyAudit = %d, %v", got, err)
	}
	// A second recorder (another process) continues the same chain.
	rec2 := store.NewAuditRecorder(pool, auditKey, store.AuditOptions{})
	recordConcurrently(t, rec2, 2, 10)
	rec2.Close()
	if got, err := store.VerifyAudit(ctx, pool, auditKey, nil, nil); err != nil || got != 2010 {
		t.Fatalf("VerifyAudit after a second recorder = %d, %v", got, err)
	}
	if err := rec2.Record(ctx, audit.Entry{}); !errors.Is(err, store.ErrAuditClosed) {
		t.Fatalf("Record after Close = %v", err)
	}
}

func TestAuditLogRefusesChanges(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	rec := store.NewAuditRecorder(pool, auditKey, store.AuditOptions{})
	recordConcurrently(t, rec, 1, 3)
	rec.Close()
	for _, sql := range []string{"update audit_log set actor = 'x' where seq = 2", "delete from audit_log where seq = 3", "truncate audit_log"} {
		if _, err := pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", sql, err)
		}
	}
}

// tamper runs sql with the append-only triggers off, as a superuser
// attacker would.
func tamper(t *testing.T, pool *pgxpool.Pool, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "set session_replication_role = replica"); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = conn.Exec(ctx, "reset session_replication_role") }()
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name       string
		sql        string
		checkpoint bool
		wantSeq    int64
		reason     string
	}{
		{name: "edited row", sql: "update audit_log set actor = 'nobody' where seq = 7", wantSeq: 7, reason: "HMAC"},
		{name: "edited decision", sql: "update audit_log set allowed = not allowed where seq = 11", wantSeq: 11, reason: "HMAC"},
		{name: "deleted row", sql: "delete from audit_log where seq = 5", wantSeq: 5, reason: "missing"},
		{name: "reordered rows", sql: "update audit_log set seq = 1000 where seq = 8; update audit_log set seq = 8 where seq = 9; update audit_log set seq = 9 where seq = 1000", wantSeq: 8, reason: "HMAC"},
		{name: "deleted and renumbered", sql: "delete from audit_log where seq = 4; update audit_log set seq = seq - 1 where seq > 4", wantSeq: 4, reason: "HMAC"},
		{name: "truncated tail", sql: "delete from audit_log where seq > 15", checkpoint: true, wantSeq: 16, reason: "truncated"},
		{name: "truncated whole table", sql: "truncate audit_log", checkpoint: true, wantSeq: 1, reason: "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pool := migrated(t, postgis.Options{})
			ctx := context.Background()
			rec := store.NewAuditRecorder(pool, auditKey, store.AuditOptions{})
			recordConcurrently(t, rec, 4, 20)
			rec.Close()
			head, err := store.AuditHead(ctx, pool)
			if err != nil || head.Seq != 20 {
				t.Fatalf("AuditHead = %+v, %v", head, err)
			}
			var cps []audit.Checkpoint
			if c.checkpoint {
				cps = []audit.Checkpoint{head}
			}
			if _, err := store.VerifyAudit(ctx, pool, auditKey, cps, nil); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			tamper(t, pool, c.sql)
			_, err = store.VerifyAudit(ctx, pool, auditKey, cps, nil)
			var be *audit.BreakError
			if !errors.As(err, &be) || be.Seq != c.wantSeq || !strings.Contains(be.Reason, c.reason) {
				t.Fatalf("VerifyAudit after %q = %v, want row %d (%s)", c.sql, err, c.wantSeq, c.reason)
			}
		})
	}
}

func TestQueryAudit(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	rec := store.NewAuditRecorder(pool, auditKey, store.AuditOptions{})
	recordConcurrently(t, rec, 2, 30)
	rec.Close()
	denied := false
	cases := []struct {
		name string
		f    audit.Filter
		want int
		ok   func(audit.Record) bool
	}{
		{name: "all", f: audit.Filter{}, want: 30, ok: func(audit.Record) bool { return true }},
		{name: "one actor", f: audit.Filter{Actor: "officer-1"}, want: 15, ok: func(r audit.Record) bool { return r.Actor == "officer-1" }},
		{name: "denied", f: audit.Filter{Allowed: &denied}, want: 6, ok: func(r audit.Record) bool { return !r.Allowed }},
		{name: "page", f: audit.Filter{AfterSeq: 25, Limit: 3}, want: 3, ok: func(r audit.Record) bool { return r.Seq > 25 && r.Seq <= 28 }},
		{name: "future", f: audit.Filter{From: time.Now().Add(time.Hour)}, want: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := store.QueryAudit(ctx, pool, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.want {
				t.Fatalf("%d rows, want %d", len(got), c.want)
			}
			for _, r := range got {
				if !c.ok(r) || len(r.MAC) != 64 {
					t.Fatalf("row %+v does not match the filter", r)
				}
			}
		})
	}
}
