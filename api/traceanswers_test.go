package api_test

import (
	"bytes"
	stdgzip "compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
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
	s, fx := sharedServer(t)
	h := s.Handler()
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

// TestTraceGzipSameAnswer checks that a gzip-encoded trace answer decodes
// to the plain answer, byte for byte, and says it is gzip.
func TestTraceGzipSameAnswer(t *testing.T) {
	s, fx := sharedServer(t)
	h := s.Handler()
	queries := []string{readmeTrace}
	for _, r := range demoQueries(fx.basin.DS, 40, loadSeed) {
		queries = append(queries, r.query)
	}
	for _, q := range queries {
		plain := get(t, h, "/api/v1/trace?"+q)
		if plain.Code != http.StatusOK {
			continue
		}
		zipped := get(t, h, "/api/v1/trace?"+q, "Accept-Encoding", "gzip")
		if zipped.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: Content-Encoding %q, Vary %q", q, zipped.Header().Get("Content-Encoding"), zipped.Header().Get("Vary"))
		}
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Fatalf("%s: the gzip answer decodes to %d bytes that differ from the plain %d", q, len(body), plain.Body.Len())
		}
	}
}

// BenchmarkGzipAnswer compresses the README trace's answer with
// klauspost/compress, which the server uses, against compress/gzip (what
// echo's middleware used) at the same levels, in the same run.
func BenchmarkGzipAnswer(b *testing.B) {
	mb, _ := centralBackend(b)
	body := get(b, newServer(b, quietConfig(), mb).Handler(), "/api/v1/trace?"+readmeTrace).Body.Bytes()
	type zipper interface {
		io.WriteCloser
		Reset(io.Writer)
	}
	var std6 time.Duration
	for _, c := range []struct {
		name  string
		level int
		std   bool
	}{{"compress-gzip-6", 6, true}, {"compress-gzip-1", 1, true}, {"klauspost-6", 6, false}, {"klauspost-1", 1, false}} {
		b.Run(c.name, func(b *testing.B) {
			var z zipper
			if c.std {
				z, _ = stdgzip.NewWriterLevel(io.Discard, c.level)
			} else {
				z, _ = gzip.NewWriterLevel(io.Discard, c.level)
			}
			var out countWriter
			for b.Loop() {
				out = 0
				z.Reset(&out)
				z.Write(body)
				z.Close()
			}
			per := b.Elapsed() / time.Duration(b.N)
			if std6 == 0 {
				std6 = per
			}
			b.ReportMetric(float64(len(body)), "B-plain")
			b.ReportMetric(float64(out), "B-gzip")
			b.ReportMetric(float64(std6)/float64(per), "x-vs-compress-gzip-6")
		})
	}
}

type countWriter int

func (w *countWriter) Write(p []byte) (int, error) { *w += countWriter(len(p)); return len(p), nil }
