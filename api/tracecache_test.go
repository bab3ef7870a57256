package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"io"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/model"
)

// TestTraceCache checks that a trace asked again is answered from the
// answer cache exactly as it was computed (the same JSON, gzip-encoded
// for a client that accepts it, the same audit digest), and that an
// ingest that changes the answer is seen by the next trace: the answer
// then equals the answer of a server over the same backend that keeps
// none.
func TestTraceCache(t *testing.T) {
	mb, _ := centralBackend(t)
	audit := &access.MemoryAudit{}
	cfg := quietConfig()
	cfg.Audit = audit
	h := newServer(t, cfg, mb).Handler()
	target := "/api/v1/trace?" + readmeTrace
	first := get(t, h, target)
	if first.Code != 200 {
		t.Fatalf("trace: %d %s", first.Code, first.Body)
	}
	again := get(t, h, target)
	if !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) || again.Header().Get("Content-Type") != first.Header().Get("Content-Type") {
		t.Fatalf("the trace asked again differs:\n%.400s\n%.400s", first.Body, again.Body)
	}
	zipped := get(t, h, target, "Accept-Encoding", "gzip")
	if zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("a client accepting gzip got Content-Encoding %q", zipped.Header().Get("Content-Encoding"))
	}
	// A kept answer says its length, so it is not sent chunked.
	for _, r := range []*httptest.ResponseRecorder{again, zipped} {
		if got, want := r.Header().Get("Content-Length"), strconv.Itoa(r.Body.Len()); got != want {
			t.Errorf("a kept answer (Content-Encoding %q) has Content-Length %q for %s bytes", r.Header().Get("Content-Encoding"), got, want)
		}
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, first.Body.Bytes()) {
		t.Fatalf("the gzip answer decodes to another body (%v)", err)
	}
	want := sha256.Sum256(first.Body.Bytes())
	entries := audit.Entries()
	if len(entries) != 3 {
		t.Fatalf("%d audit entries for 3 traces", len(entries))
	}
	for i, e := range entries {
		if !bytes.Equal(e.ResultDigest, want[:]) {
			t.Errorf("audit entry %d: result digest %x, want the plain body's %x", i, e.ResultDigest, want)
		}
	}

	// A copper reading the morning before raises the station's baseline,
	// so the same trace must now be judged against it.
	at := time.Date(2026, 8, 13, 9, 17, 0, 0, time.FixedZone("", 8*3600))
	if _, _, err := mb.IngestReadings(context.Background(), []model.Reading{
		{Station: "WQ-C1-01", Time: at, Parameter: "Cu", Value: 1.7, Unit: "mg/L"}}); err != nil {
		t.Fatal(err)
	}
	after := get(t, h, target)
	if bytes.Equal(after.Body.Bytes(), first.Body.Bytes()) {
		t.Fatal("the trace after the ingest is the cached answer from before it")
	}
	uncached := quietConfig()
	uncached.TraceCacheBytes = -1
	fresh := get(t, newServer(t, uncached, mb).Handler(), target)
	if !bytes.Equal(after.Body.Bytes(), fresh.Body.Bytes()) {
		t.Fatalf("the trace after the ingest differs from one computed afresh:\n%.400s\n%.400s", after.Body, fresh.Body)
	}
}
