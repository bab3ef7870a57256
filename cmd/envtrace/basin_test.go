package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/envtrace/envtrace/api"
)

// TestNetworkBasinTwin checks that `envtrace network basin` prints what
// GET /api/v1/basin answers for the same data, byte for byte.
func TestNetworkBasinTwin(t *testing.T) {
	dir := t.TempDir()
	if err := writeFixture(dir); err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard}
	b, err := e.loadBasin(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := newMemoryBackend(b, false)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, mb)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		query string
	}{
		{"with minor paths", []string{"--start", "R005"}, "start=R005"},
		{"without", []string{"--start", "R016", "--no-minor"}, "start=R016&minor=false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, append([]string{"network", "basin", "--data", dir}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/basin?"+tc.query, nil))
			if rec.Code != 200 || rec.Body.String() != out {
				t.Errorf("CLI printed %s\nREST answered %d %s", out, rec.Code, rec.Body)
			}
		})
	}
	t.Run("unknown reach", func(t *testing.T) {
		if code, _, stderr := runCmd(t, "network", "basin", "--data", dir, "--start", "nope"); code == 0 || stderr == "" {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}
