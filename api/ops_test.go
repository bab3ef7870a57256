package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/hydro"
)

// fakeBackend lets tests script backend behaviour the in-memory network
// cannot produce: failures, panics, slowness. Unset funcs fall back to the
// embedded MemoryBackend, which also shows that handlers depend only on
// the Backend interface.
type fakeBackend struct {
	*api.MemoryBackend
	info     func(ctx context.Context) (api.NetworkInfo, error)
	navigate func(ctx context.Context, req api.NavigateRequest, yield func(api.NavigateHit) bool) error
	ping     func(ctx context.Context) error
}

func (f *fakeBackend) NetworkInfo(ctx context.Context) (api.NetworkInfo, error) {
	if f.info != nil {
		return f.info(ctx)
	}
	return f.MemoryBackend.NetworkInfo(ctx)
}

func (f *fakeBackend) Navigate(ctx context.Context, req api.NavigateRequest, yield func(api.NavigateHit) bool) error {
	if f.navigate != nil {
		return f.navigate(ctx, req, yield)
	}
	return f.MemoryBackend.Navigate(ctx, req, yield)
}

func (f *fakeBackend) Ping(ctx context.Context) error {
	if f.ping != nil {
		return f.ping(ctx)
	}
	return nil
}

func newFake(t *testing.T) *fakeBackend {
	return &fakeBackend{MemoryBackend: memoryBackend(t, testNetwork(t))}
}

func TestHealthz(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		rec := get(t, testServer(t).Handler(), "/healthz")
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("backend down", func(t *testing.T) {
		f := newFake(t)
		f.ping = func(context.Context) error { return errors.New("dial tcp 10.0.0.5:5432: connection refused") }
		rec := get(t, newServer(t, quietConfig(), f).Handler(), "/healthz")
		p := checkProblem(t, rec, rec.Body.Bytes(), http.StatusServiceUnavailable)
		if p.Type != api.ProblemUnavailable || strings.Contains(rec.Body.String(), "10.0.0.5") {
			t.Errorf("problem %+v", p)
		}
	})
}

func TestRequestID(t *testing.T) {
	s := testServer(t)
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name, sent string
		want       *regexp.Regexp
	}{
		{name: "generated", want: hex32},
		{name: "kept from a gateway", sent: "trace-42.abc:1", want: regexp.MustCompile(`^trace-42\.abc:1$`)},
		{name: "unsafe id replaced", sent: "evil id<script>", want: hex32},
		{name: "overlong id replaced", sent: strings.Repeat("a", 200), want: hex32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.sent != "" {
				h = []string{"X-Request-Id", tc.sent}
			}
			rec := get(t, s.Handler(), "/healthz", h...)
			if got := rec.Header().Get("X-Request-Id"); !tc.want.MatchString(got) {
				t.Errorf("X-Request-Id %q", got)
			}
		})
	}
	t.Run("two requests get different ids", func(t *testing.T) {
		a := get(t, s.Handler(), "/healthz").Header().Get("X-Request-Id")
		b := get(t, s.Handler(), "/healthz").Header().Get("X-Request-Id")
		if a == b {
			t.Errorf("same id %q twice", a)
		}
	})
}

func TestGzip(t *testing.T) {
	s := testServer(t)
	for _, target := range []string{
		"/api/v1/navigate?start=o&mode=UT&format=geojson",
		"/api/v1/network",
	} {
		t.Run(target, func(t *testing.T) {
			rec := get(t, s.Handler(), target, "Accept-Encoding", "gzip")
			if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("status %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			plain := get(t, s.Handler(), target).Body.Bytes()
			if !bytes.Equal(body, plain) {
				t.Errorf("gunzipped body differs from plain body:\n%s\n%s", body, plain)
			}
		})
	}
	t.Run("problem documents are not left half-compressed", func(t *testing.T) {
		rec := get(t, s.Handler(), "/api/v1/navigate?mode=XX&start=o", "Accept-Encoding", "gzip")
		if rec.Header().Get("Content-Encoding") != "" {
			t.Fatalf("Content-Encoding %q on a problem", rec.Header().Get("Content-Encoding"))
		}
		checkProblem(t, rec, rec.Body.Bytes(), 400)
	})
}

func TestMetrics(t *testing.T) {
	s := testServer(t)
	h := s.Handler()
	get(t, h, "/api/v1/reaches/m2")
	get(t, h, "/api/v1/reaches/m2")
	get(t, h, "/api/v1/reaches/nope")
	get(t, h, "/no/such/path/1")
	get(t, h, "/no/such/path/2")
	rec := get(t, h, "/metrics")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	for _, want := range []string{
		`envtrace_http_requests_total{method="GET",route="/api/v1/reaches/:id",status="200"} 2`,
		`envtrace_http_requests_total{method="GET",route="/api/v1/reaches/:id",status="404"} 1`,
		`envtrace_http_requests_total{method="GET",route="unmatched",status="404"} 2`,
		`envtrace_http_request_duration_seconds_bucket{method="GET",route="/api/v1/reaches/:id",status="200",le="+Inf"} 2`,
		`envtrace_http_request_duration_seconds_count{method="GET",route="/api/v1/reaches/:id",status="404"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "/no/such/path") {
		t.Error("unmatched paths leak into metric labels")
	}
}

func TestTimeout(t *testing.T) {
	t.Run("deadline before the first result", func(t *testing.T) {
		f := newFake(t)
		f.navigate = func(ctx context.Context, _ api.NavigateRequest, _ func(api.NavigateHit) bool) error {
			<-ctx.Done() // a slow database query
			return fmt.Errorf("query: %w", ctx.Err())
		}
		cfg := quietConfig()
		cfg.RequestTimeout = 20 * time.Millisecond
		rec := get(t, newServer(t, cfg, f).Handler(), "/api/v1/navigate?start=o&mode=UT")
		p := checkProblem(t, rec, rec.Body.Bytes(), http.StatusServiceUnavailable)
		if p.Type != api.ProblemTimeout || !strings.Contains(p.Detail, "20ms") {
			t.Errorf("problem %+v", p)
		}
		if rec.Header().Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	t.Run("in-memory network past its deadline", func(t *testing.T) {
		cfg := quietConfig()
		cfg.RequestTimeout = time.Nanosecond
		s := newServer(t, cfg, memoryBackend(t, chainNetwork(t)))
		rec := get(t, s.Handler(), "/api/v1/navigate?start=0&mode=UT&format=ids")
		checkProblem(t, rec, rec.Body.Bytes(), http.StatusServiceUnavailable)
	})
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	const secret = "password=hunter2 host=db.internal"
	tests := []struct {
		name string
		info func(context.Context) (api.NetworkInfo, error)
	}{
		{name: "error", info: func(context.Context) (api.NetworkInfo, error) {
			return api.NetworkInfo{}, fmt.Errorf("connect %s: %w", secret, io.ErrUnexpectedEOF)
		}},
		{name: "panic", info: func(context.Context) (api.NetworkInfo, error) { panic(secret) }},
		{name: "nil map panic", info: func(context.Context) (api.NetworkInfo, error) {
			var m map[string]int
			m[secret]++ //nolint:staticcheck // the test provokes this panic
			return api.NetworkInfo{}, nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.info = tc.info
			s := newServer(t, quietConfig(), f)
			rec := get(t, s.Handler(), "/api/v1/network")
			p := checkProblem(t, rec, rec.Body.Bytes(), 500)
			if p.Type != api.ProblemInternal || strings.Contains(rec.Body.String(), "hunter2") {
				t.Errorf("problem leaks or has wrong type: %s", rec.Body)
			}
			// The server keeps serving after a panic.
			if rec := get(t, s.Handler(), "/healthz"); rec.Code != 200 {
				t.Errorf("healthz after failure: %d", rec.Code)
			}
		})
	}
}

func TestNotNavigable(t *testing.T) {
	f := newFake(t)
	f.navigate = func(context.Context, api.NavigateRequest, func(api.NavigateHit) bool) error {
		return fmt.Errorf("navigate: %w: 99 is a coastline", hydro.ErrNotNavigable)
	}
	rec := get(t, newServer(t, quietConfig(), f).Handler(), "/api/v1/navigate?start=o&mode=UT")
	if p := checkProblem(t, rec, rec.Body.Bytes(), http.StatusUnprocessableEntity); p.Type != api.ProblemNotNavigable {
		t.Errorf("type %q", p.Type)
	}
}

func TestNoGeometry(t *testing.T) {
	net, err := hydro.Build(context.Background(), testReaches(), hydro.Options{}) // geometry dropped
	if err != nil {
		t.Fatal(err)
	}
	net.SRID = 3826
	s := newServer(t, quietConfig(), memoryBackend(t, net))
	rec := get(t, s.Handler(), "/api/v1/snap?point=120.7,24.14")
	if p := checkProblem(t, rec, rec.Body.Bytes(), http.StatusUnprocessableEntity); p.Type != api.ProblemNoGeometry {
		t.Errorf("type %q", p.Type)
	}
	// Reaches still answer, with a null geometry.
	rec = get(t, s.Handler(), "/api/v1/reaches/m2")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"geometry":null`) {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// TestAbortedStream checks that a failure after the first byte reaches the
// client as a broken transfer, not as a short but well-formed result.
func TestAbortedStream(t *testing.T) {
	f := newFake(t)
	f.navigate = func(ctx context.Context, _ api.NavigateRequest, yield func(api.NavigateHit) bool) error {
		for i := range 50 {
			if !yield(api.NavigateHit{ReachID: fmt.Sprint(i)}) {
				return nil
			}
		}
		return errors.New("database connection lost")
	}
	s := newServer(t, quietConfig(), f)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, format := range []string{"ids", "json", "geojson"} {
		t.Run(format, func(t *testing.T) {
			res, err := http.Get(srv.URL + "/api/v1/navigate?start=o&mode=UT&format=" + format)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			body, err := io.ReadAll(res.Body)
			if err == nil {
				t.Fatalf("read a complete body of %d bytes; want a broken transfer", len(body))
			}
			if !strings.HasPrefix(string(body), "0") && !strings.HasPrefix(string(body), "{") {
				t.Errorf("body does not start with the first result: %.40q", body)
			}
		})
	}
	rec := get(t, s.Handler(), "/metrics")
	if want := `envtrace_http_aborted_responses_total{route="/api/v1/navigate"} 3`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %s", want)
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Bool
	f := newFake(t)
	f.info = func(ctx context.Context) (api.NetworkInfo, error) {
		started.Store(true)
		<-release
		return f.MemoryBackend.NetworkInfo(ctx)
	}
	s := newServer(t, quietConfig(), f)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeListener(ctx, ln) }()

	url := "http://" + ln.Addr().String()
	inflight := make(chan int, 1)
	go func() {
		res, err := http.Get(url + "/api/v1/network")
		if err != nil {
			inflight <- -1
			return
		}
		res.Body.Close()
		inflight <- res.StatusCode
	}()
	for !started.Load() {
		time.Sleep(time.Millisecond)
	}
	cancel() // SIGTERM: stop accepting, let the in-flight request finish
	time.Sleep(50 * time.Millisecond)
	if res, err := http.Get(url + "/healthz"); err == nil {
		res.Body.Close()
		t.Error("new connection accepted after shutdown began")
	}
	close(release)
	if code := <-inflight; code != 200 {
		t.Errorf("in-flight request got %d", code)
	}
	if err := <-done; err != nil {
		t.Errorf("ServeListener: %v", err)
	}
}

func TestServeListenError(t *testing.T) {
	s := testServer(t)
	if err := s.Serve(context.Background(), "256.0.0.1:http"); err == nil {
		t.Fatal("want a listen error")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	b := memoryBackend(t, testNetwork(t))
	tests := []struct {
		name string
		cfg  api.Config
	}{
		{name: "negative timeout", cfg: api.Config{RequestTimeout: -time.Second}},
		{name: "write timeout below request timeout", cfg: api.Config{RequestTimeout: time.Minute, WriteTimeout: time.Second}},
		{name: "gzip level", cfg: api.Config{GzipLevel: 42}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := api.New(tc.cfg, b); err == nil {
				t.Error("want an error")
			}
		})
	}
	if _, err := api.New(quietConfig(), nil); err == nil {
		t.Error("nil backend accepted")
	}
	if _, err := api.NewMemoryBackend(nil); err == nil {
		t.Error("nil network accepted")
	}
	d := api.DefaultConfig()
	if d.RequestTimeout != 30*time.Second || d.WriteTimeout <= d.RequestTimeout {
		t.Errorf("defaults %+v", d)
	}
}

func TestSharedRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := quietConfig()
	cfg.Registry = reg
	a := newServer(t, cfg, memoryBackend(t, testNetwork(t)))
	b := newServer(t, cfg, memoryBackend(t, testNetwork(t)))
	get(t, a.Handler(), "/healthz")
	get(t, b.Handler(), "/healthz")
	rec := get(t, a.Handler(), "/metrics")
	if want := `envtrace_http_requests_total{method="GET",route="/healthz",status="200"} 2`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %s:\n%s", want, rec.Body)
	}
	if a.Registry() != reg {
		t.Error("Registry() is not the configured registry")
	}
}

// readyFake is a backend that says whether it is ready.
type readyFake struct {
	*fakeBackend
	ready error
}

func (r *readyFake) Ready(context.Context) error { return r.ready }

func TestReadyz(t *testing.T) {
	tests := []struct {
		name    string
		backend func(t *testing.T) api.Backend
		code    int
	}{
		{"memory backend: ready", func(t *testing.T) api.Backend { return memoryBackend(t, testNetwork(t)) }, http.StatusOK},
		{"database down, no Readier: the ping decides", func(t *testing.T) api.Backend {
			f := newFake(t)
			f.ping = func(context.Context) error { return errors.New("dial tcp 10.0.0.5:5432: connection refused") }
			return f
		}, http.StatusServiceUnavailable},
		{"alive but not caught up", func(t *testing.T) api.Backend {
			return &readyFake{fakeBackend: newFake(t), ready: errors.New("follower at 10.0.0.5 not connected")}
		}, http.StatusServiceUnavailable},
		{"Readier says ready", func(t *testing.T) api.Backend { return &readyFake{fakeBackend: newFake(t)} }, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, quietConfig(), tc.backend(t))
			rec := get(t, s.Handler(), "/readyz")
			if tc.code == http.StatusOK {
				if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ready"}` {
					t.Fatalf("%d %s", rec.Code, rec.Body)
				}
				return
			}
			p := checkProblem(t, rec, rec.Body.Bytes(), tc.code)
			if p.Type != api.ProblemUnavailable || strings.Contains(rec.Body.String(), "10.0.0.5") {
				t.Errorf("problem %+v", p)
			}
			// Liveness is not readiness: a replica behind is still alive.
			if _, isReadier := tc.backend(t).(api.Readier); isReadier {
				if rec := get(t, s.Handler(), "/healthz"); rec.Code != 200 {
					t.Errorf("healthz of a live replica that is not ready: %d", rec.Code)
				}
			}
		})
	}
}
