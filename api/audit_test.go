package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/audit"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/store"
)

// withAudit adds an audit log to a memory backend.
type withAudit struct {
	*api.MemoryBackend
	q api.AuditQuerier
}

func (w *withAudit) AuditLog() api.AuditQuerier { return w.q }

// TestAuditRoute reads a PostGIS audit log over GET /api/v1/audit: the
// filters, paging, and problems for bad parameters. A server without an
// audit log has no such route.
func TestAuditRoute(t *testing.T) {
	pool := migratedPool(t)
	ctx := context.Background()
	rec := store.NewAuditRecorder(pool, bytes.Repeat([]byte{1}, 32), store.AuditOptions{})
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for i := range 12 {
		e := audit.Entry{Actor: fmt.Sprintf("u%d", i%2), Role: "officer", Action: "trace", Resource: "/api/v1/trace", RequestID: fmt.Sprint(i),
			ClientAddr: "198.51.100.4", Time: t0.Add(time.Duration(i) * time.Minute), Allowed: i != 5}
		if err := rec.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	rec.Close()
	b, _ := centralBackend(t)
	h := newServer(t, quietConfig(), &withAudit{MemoryBackend: b, q: store.AuditLogReader{Pool: pool}}).Handler()
	cases := []struct {
		name, query string
		code        int
		records     int
		nextAfter   int64
	}{
		{"all", "", 200, 12, 0},
		{"one actor", "?actor=u1", 200, 6, 0},
		{"denied", "?allowed=false", 200, 1, 0},
		{"window", "?from=2026-12-06T17:03:00%2B08:00&to=2026-12-06T09:05:00Z", 200, 2, 0},
		{"first page", "?limit=5", 200, 5, 5},
		{"next page", "?limit=5&after=10", 200, 2, 0},
		{"bad limit", "?limit=0", 400, 0, 0},
		{"unknown parameter", "?who=u1", 400, 0, 0},
		{"time without zone", "?from=2026-12-06T09:00:00", 400, 0, 0},
		{"empty window", "?from=2026-12-06T10:00:00Z&to=2026-12-06T09:00:00Z", 400, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, h, "/api/v1/audit"+c.query)
			if r.Code != c.code {
				t.Fatalf("%d %s", r.Code, r.Body)
			}
			if c.code != 200 {
				if r.Header().Get("Content-Type") != api.ProblemContentType {
					t.Errorf("error is not problem JSON: %s", r.Header().Get("Content-Type"))
				}
				return
			}
			page := decode[audit.Page](t, r.Body.Bytes())
			if len(page.Records) != c.records || page.NextAfter != c.nextAfter {
				t.Fatalf("%d records, next_after %d; want %d, %d: %s", len(page.Records), page.NextAfter, c.records, c.nextAfter, r.Body)
			}
		})
	}
	plain := newServer(t, quietConfig(), b).Handler()
	if r := get(t, plain, "/api/v1/audit"); r.Code != http.StatusNotFound || strings.Contains(r.Body.String(), "198.51.100.4") {
		t.Fatalf("a server without an audit log answered %d %s", r.Code, r.Body)
	}
}
