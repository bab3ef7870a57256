package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateAnswers = flag.Bool("update", false, "rewrite testdata/trace_answers.golden")

// answersGolden holds, for each seeded demo query, the SHA-256 of the
// whole JSON answer of GET /api/v1/trace (only its status when refused), as
// the engine before the per-request speed work answered them.
const answersGolden = "testdata/trace_answers.golden"

// TestTraceAnswersUnchanged replays the README's plating trace and the
// rotating load's seeded demo queries through the handler and compares
// every answer, byte for byte by digest, with the golden file written by
// the engine before its per-request work was cut: the speed work changes
// how an answer is computed and encoded, never what it says.
func TestTraceAnswersUnchanged(t *testing.T) {
	mb, fx := centralBackend(t)
	h := newServer(t, quietConfig(), mb).Handler()
	n := demoQueryCount
	if testing.Short() {
		n = 200
	}
	queries := append([]string{readmeTrace}, func() []string {
		var out []string
		for _, r := range demoQueries(fx.basin.DS, demoQueryCount, loadSeed)[:n] {
			out = append(out, r.query)
		}
		return out
	}()...)
	var got bytes.Buffer
	for _, q := range queries {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/trace?"+q, nil))
		digest := "-" // a problem carries its request id, which differs every time
		if rec.Code == http.StatusOK {
			sum := sha256.Sum256(rec.Body.Bytes())
			digest = hex.EncodeToString(sum[:12])
		}
		fmt.Fprintf(&got, "%d %s %s\n", rec.Code, digest, q)
	}
	path := filepath.FromSlash(answersGolden)
	if *updateAnswers {
		if testing.Short() {
			t.Fatal("-update needs the full set: run without -short")
		}
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(got.String(), "\n")
	if len(wl) < len(gl)-1 {
		t.Fatalf("golden has %d answers, %d asked", len(wl), len(gl)-1)
	}
	var ok200 int
	for i, g := range gl[:len(gl)-1] {
		if g != wl[i] {
			t.Errorf("answer %d differs:\n got  %s\n want %s", i, g, wl[i])
			continue
		}
		if strings.HasPrefix(g, "200 ") {
			ok200++
		}
	}
	if ok200 < len(gl)/2 {
		t.Errorf("only %d of %d queries answered 200: the set no longer exercises the engine", ok200, len(gl)-1)
	}
}
