package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
)

// auditRate records n entries from workers goroutines and returns the
// records per second and the commits made.
func auditRate(b *testing.B, rec *store.AuditRecorder, workers, n int) (float64, int64) {
	b.Helper()
	var wg sync.WaitGroup
	t0 := time.Now()
	for range workers {
		wg.Go(func() {
			for range n / workers {
				if err := rec.Record(context.Background(), audit.Entry{Actor: "bench", Role: "officer", Action: "trace",
					Resource: "/api/v1/trace", Time: time.Now(), Allowed: true, RequestDigest: make([]byte, 32)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(t0).Seconds(), rec.Commits()
}

// BenchmarkAuditGroupCommit measures audit records per second with 64
// concurrent requests, grouped (the default 2 ms window) against the
// baseline of one commit per record (MaxBatch 1), in the same run.
func BenchmarkAuditGroupCommit(b *testing.B) {
	pool := migrated(b, postgis.Options{})
	const workers, n = 64, 4096
	single := store.NewAuditRecorder(pool, auditKey, store.AuditOptions{MaxBatch: 1})
	base, baseCommits := auditRate(b, single, workers, n/4)
	single.Close()
	b.ResetTimer()
	var rate float64
	var commits int64
	for range b.N {
		rec := store.NewAuditRecorder(pool, auditKey, store.AuditOptions{})
		rate, commits = auditRate(b, rec, workers, n)
		rec.Close()
	}
	b.StopTimer()
	rows, err := store.VerifyAudit(context.Background(), pool, auditKey, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(base, "one-commit-records/s")
	b.ReportMetric(rate/base, "x-vs-one-commit")
	b.ReportMetric(float64(n)/float64(commits), "records/commit")
	b.Logf("%d records from %d goroutines: %.0f/s grouped (%d commits), %.0f/s with one commit each (%d commits): %.1f×; %d rows verify",
		n, workers, rate, commits, base, baseCommits, rate/base, rows)
}
