package api_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api"
)

// gatedAudit holds every Record until the gate opens, like a recorder
// waiting for its group commit.
type gatedAudit struct {
	gate chan struct{}
	mu   sync.Mutex
	got  []access.AuditEntry
}

func (g *gatedAudit) Record(_ context.Context, e access.AuditEntry) error {
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, e)
	return nil
}

// TestAuditInFlight checks that with Config.AuditInFlight a trace is
// answered while its audit entry still waits for the recorder, and that
// the server records every entry before ServeListener returns.
func TestAuditInFlight(t *testing.T) {
	mb, _ := centralBackend(t)
	rec := &gatedAudit{gate: make(chan struct{})}
	cfg := quietConfig()
	cfg.Audit, cfg.AuditInFlight = rec, 64
	srv := newServer(t, cfg, mb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip("no loopback socket: ", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.ServeListener(ctx, ln) }()
	const n = 5
	// A request that waited for the held recorder would time out here.
	client := &http.Client{Timeout: 5 * time.Second}
	for range n {
		resp, err := client.Get("http://" + ln.Addr().String() + "/api/v1/trace?" + readmeTrace)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	stop()
	select {
	case err := <-served:
		t.Fatalf("ServeListener returned (%v) before the audit entries were recorded", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(rec.gate)
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != n {
		t.Fatalf("%d audit entries recorded, want %d", len(rec.got), n)
	}
	for _, e := range rec.got {
		if e.Resource != "GET /api/v1/trace" || !e.Allowed || len(e.ResultDigest) == 0 {
			t.Errorf("entry %+v: want an allowed GET /api/v1/trace with its result digest", e)
		}
	}
}

// TestAuditInFlightWritesWait checks that a write is not handed over: with
// Config.AuditInFlight set, its response waits until the recorder holds
// its entry, so no change outlives a crash without its record.
func TestAuditInFlightWritesWait(t *testing.T) {
	mb, _ := centralBackend(t)
	rec := &gatedAudit{gate: make(chan struct{})}
	cfg := quietConfig()
	cfg.Audit, cfg.AuditInFlight = rec, 64
	srv := newServer(t, cfg, mb)
	done := make(chan int, 1)
	go func() {
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/readings", strings.NewReader(`{"readings": [}`)))
		done <- w.Code
	}()
	select {
	case code := <-done:
		t.Fatalf("the write answered %d before its audit entry was recorded", code)
	case <-time.After(300 * time.Millisecond):
	}
	close(rec.gate)
	code := <-done
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != 1 || rec.got[0].Resource != "POST /api/v1/readings" {
		t.Fatalf("answered %d with entries %+v; want the write's one entry", code, rec.got)
	}
}

// TestAuditInFlightRefusesNegative checks the setting's validation.
func TestAuditInFlightRefusesNegative(t *testing.T) {
	if _, err := api.New(api.Config{AuditInFlight: -1}, mustBackend(t)); err == nil {
		t.Fatal("AuditInFlight -1 accepted")
	}
}

func mustBackend(t *testing.T) *api.MemoryBackend {
	mb, _ := centralBackend(t)
	return mb
}
