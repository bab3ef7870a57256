package api_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// flushRecorder is an http.ResponseWriter that records when the handler
// flushes, to prove a response streams rather than being built whole.
type flushRecorder struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	flushes  int
	atFirst  int // body bytes written when the first Flush came
	maxWrite int // largest single Write
}

func newFlushRecorder() *flushRecorder { return &flushRecorder{header: http.Header{}} }

func (r *flushRecorder) Header() http.Header { return r.header }

func (r *flushRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *flushRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.maxWrite = max(r.maxWrite, len(b))
	return r.body.Write(b)
}

func (r *flushRecorder) Flush() {
	if r.flushes == 0 {
		r.atFirst = r.body.Len()
	}
	r.flushes++
}

func TestStreamingLargeResult(t *testing.T) {
	const n = 200_000
	net := chainNetwork(t)
	cfg := quietConfig()
	cfg.StreamBufferBytes = 32 << 10
	cfg.FlushInterval = time.Millisecond
	s := newServer(t, cfg, memoryBackend(t, net))

	check := func(t *testing.T, r *flushRecorder) {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %.300s", r.status, r.body.String())
		}
		total := r.body.Len()
		if r.flushes < 2 || r.atFirst == 0 || r.atFirst > total/10 {
			t.Errorf("first flush after %d of %d bytes (%d flushes): the body was not streamed", r.atFirst, total, r.flushes)
		}
		if r.maxWrite > cfg.StreamBufferBytes {
			t.Errorf("a single write of %d bytes exceeds the %d-byte stream buffer", r.maxWrite, cfg.StreamBufferBytes)
		}
	}

	t.Run("ids", func(t *testing.T) {
		r := newFlushRecorder()
		s.Handler().ServeHTTP(r, httptestRequest("/api/v1/navigate?start=0&mode=UT&format=ids"))
		check(t, r)
		seen := make([]bool, n)
		count := 0
		sc := bufio.NewScanner(&r.body)
		for sc.Scan() {
			i, err := strconv.Atoi(sc.Text())
			if err != nil || i < 0 || i >= n || seen[i] {
				t.Fatalf("bad or repeated id %q", sc.Text())
			}
			seen[i] = true
			count++
		}
		if count != n {
			t.Fatalf("got %d ids, want %d", count, n)
		}
	})

	t.Run("json", func(t *testing.T) {
		r := newFlushRecorder()
		s.Handler().ServeHTTP(r, httptestRequest("/api/v1/navigate?start=0&mode=UT"))
		check(t, r)
		var res struct {
			Reaches []struct {
				ID         string  `json:"id"`
				DistanceKm float64 `json:"distance_km"`
			} `json:"reaches"`
			Count int `json:"count"`
		}
		if err := json.Unmarshal(r.body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Reaches) != n || res.Count != n {
			t.Fatalf("%d reaches, count %d", len(res.Reaches), res.Count)
		}
		for _, h := range res.Reaches {
			i, _ := strconv.Atoi(h.ID)
			if want := float64(i) * 0.5; h.DistanceKm < want-1e-6 || h.DistanceKm > want+1e-6 {
				t.Fatalf("reach %s distance %v, want %v", h.ID, h.DistanceKm, want)
			}
		}
	})

	t.Run("gzip", func(t *testing.T) {
		r := newFlushRecorder()
		req := httptestRequest("/api/v1/navigate?start=0&mode=UT&format=ids")
		req.Header.Set("Accept-Encoding", "gzip")
		s.Handler().ServeHTTP(r, req)
		if r.header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q", r.header.Get("Content-Encoding"))
		}
		if r.flushes < 2 || r.atFirst == 0 || r.atFirst > r.body.Len()/10 {
			t.Errorf("first flush after %d of %d compressed bytes", r.atFirst, r.body.Len())
		}
		zr, err := gzip.NewReader(&r.body)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(lines(string(body))); got != n {
			t.Fatalf("got %d ids, want %d", got, n)
		}
	})

	t.Run("distance limit over a real connection", func(t *testing.T) {
		srv := httptest.NewServer(s.Handler())
		defer srv.Close()
		res, err := http.Get(srv.URL + "/api/v1/navigate?start=0&mode=UT&format=ids&distance_km=49.9")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(lines(string(body))); got != 100 {
			t.Fatalf("got %d ids, want 100 (0.5 km each, 49.9 km)", got)
		}
	})
}

func httptestRequest(target string) *http.Request {
	return httptest.NewRequest(http.MethodGet, target, nil)
}
