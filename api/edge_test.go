package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/api"
)

// TestEdge: oversized headers, foreign Host headers, CORS and the rate
// limit each answer as configured, errors as problem JSON.
func TestEdge(t *testing.T) {
	b, _ := centralBackend(t)
	cfg := quietConfig()
	cfg.PublicBaseURL = "https://envtrace.example.tw"
	cfg.AllowedHosts = []string{"envtrace.example.tw", "127.0.0.1:8080"}
	cfg.CORSOrigins = []string{"https://map.example.tw"}
	cfg.MaxHeaderBytes = 4 << 10
	cfg.RateLimit, cfg.RateBurst = 1, 3
	h := newServer(t, cfg, b).Handler()
	req := func(method, target, host string, hdr map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, nil)
		r.Host = host
		r.RemoteAddr = "192.0.2.1:1234"
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	problem := func(t *testing.T, rec *httptest.ResponseRecorder, code int) {
		t.Helper()
		if rec.Code != code || rec.Header().Get("Content-Type") != api.ProblemContentType {
			t.Fatalf("%d %q %s, want a %d problem", rec.Code, rec.Header().Get("Content-Type"), rec.Body, code)
		}
	}
	t.Run("oversized headers are a 431 problem", func(t *testing.T) {
		problem(t, req("GET", "/healthz", "envtrace.example.tw", map[string]string{"X-Big": strings.Repeat("a", 5000)}), 431)
	})
	t.Run("a foreign Host is refused", func(t *testing.T) {
		problem(t, req("GET", "/ogc/collections", "evil.example.com", nil), 421)
	})
	t.Run("OGC links use the public base URL", func(t *testing.T) {
		rec := req("GET", "/ogc/collections?f=json", "127.0.0.1:8080", map[string]string{"X-Client": "2"})
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "https://envtrace.example.tw/ogc/collections") || strings.Contains(rec.Body.String(), "127.0.0.1") {
			t.Fatalf("%d %.300s", rec.Code, rec.Body)
		}
	})
	t.Run("CORS for the configured origin only", func(t *testing.T) {
		pre := map[string]string{"Origin": "https://map.example.tw", "Access-Control-Request-Method": "GET"}
		rec := req("OPTIONS", "/api/v1/stations", "envtrace.example.tw", pre)
		if rec.Header().Get("Access-Control-Allow-Origin") != "https://map.example.tw" {
			t.Fatalf("preflight from the map: %d %v", rec.Code, rec.Header())
		}
		pre["Origin"] = "https://evil.example.com"
		rec = req("OPTIONS", "/api/v1/stations", "envtrace.example.tw", pre)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("preflight from another origin allowed: %q", got)
		}
	})
	t.Run("rate limit per identity", func(t *testing.T) {
		var codes []int
		for range 5 {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/stations", nil)
			r.Host = "envtrace.example.tw"
			r.RemoteAddr = "198.51.100.7:999"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			codes = append(codes, rec.Code)
			if rec.Code == http.StatusTooManyRequests {
				problem(t, rec, 429)
				if rec.Header().Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
			}
		}
		if codes[0] != 200 || codes[4] != 429 {
			t.Fatalf("codes %v: want 200s then 429 after the burst of 3", codes)
		}
		// Another client address is another identity.
		if rec := req("GET", "/api/v1/stations", "envtrace.example.tw", nil); rec.Code != 200 {
			t.Fatalf("another client was limited: %d", rec.Code)
		}
	})
}
