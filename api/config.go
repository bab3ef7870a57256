package api

import (
	"compress/gzip"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api/webmap"
	"github.com/envtrace/envtrace/internal/config"
)

// Config holds every tunable of the HTTP server. The zero value is usable:
// New fills unset fields with the defaults below, so callers (the CLI, tests)
// set only what they mean to change and no setting lives in a global.
type Config struct {
	// RequestTimeout bounds one request: it becomes the deadline of the
	// request context that handlers and backends see. Default 30s.
	RequestTimeout time.Duration
	// ReadHeaderTimeout bounds reading request headers, the guard against
	// slow-loris clients. Default 5s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request. Default 15s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response. It must exceed RequestTimeout
	// or streamed results would be cut by the socket before the context
	// expires; default RequestTimeout + 10s.
	WriteTimeout time.Duration
	// IdleTimeout bounds an idle keep-alive connection. Default 120s.
	IdleTimeout time.Duration
	// ShutdownTimeout is how long Serve waits for in-flight requests after
	// its context ends before closing connections. Default 15s.
	ShutdownTimeout time.Duration
	// MaxHeaderBytes bounds request headers. Default 64 KiB.
	MaxHeaderBytes int
	// FlushInterval is how often a streamed result is pushed to the client
	// while it is being produced, so a web map starts drawing early.
	// Default 200ms.
	FlushInterval time.Duration
	// StreamBufferBytes is the size of the buffered writer in front of a
	// streamed response. Default 64 KiB.
	StreamBufferBytes int
	// GzipLevel is the compression level for clients that accept gzip
	// (compress/gzip's levels, as klauspost/compress reads them; 0 means
	// gzip.BestSpeed: on a trace answer it costs a quarter of the CPU of
	// the default level for an answer a fifth larger, BenchmarkGzipAnswer).
	GzipLevel int
	// TraceCacheBytes bounds the rendered trace answers kept for callers
	// who ask the same trace of the same data again (see traceCache).
	// Default 64 MiB; negative keeps none.
	TraceCacheBytes int64
	// Basemaps are the tile layers the web map offers; none means the map
	// draws only its own context from the data (as tests run, offline).
	Basemaps []config.Basemap
	// WebLogin gives the web map a login button (OIDC authorization code
	// with PKCE); nil shows none.
	WebLogin *webmap.Login
	// Logger receives access and error logs. Default: text to stderr.
	Logger *slog.Logger
	// Auth authenticates bearer credentials (API tokens, OIDC JWTs).
	// Nil serves every request as access.Demo, the marked demo identity
	// (make demo, tests); `serve --db` refuses that without
	// --insecure-demo.
	Auth access.Authenticator
	// DemoIdentity serves requests without credentials as access.Demo
	// even when Auth is set (the demo with its agency keys), instead of
	// as the public.
	DemoIdentity bool
	// Audit receives one entry per audited request (see
	// docs/access.md); nil records nothing.
	Audit access.AuditRecorder
	// AuditInFlight, when above 0, lets a read-only request (GET, HEAD,
	// OPTIONS) hand its audit entry over and finish without waiting for
	// the recorder (a PostGIS group commit takes milliseconds, which every
	// trace waited for); writes always wait for theirs. At most
	// this many entries are in flight, beyond which requests wait. Serve
	// and ServeListener wait for them before they return. 0 records each
	// entry before the request ends.
	AuditInFlight int
	// RateLimit is the sustained requests per second allowed per identity
	// (a principal, or a client address for the public); 0 disables it.
	RateLimit float64
	// RateBurst is the burst each identity may send above RateLimit.
	// Default 2 × RateLimit.
	RateBurst int
	// PublicBaseURL is the server's address as clients see it
	// (https://envtrace.example.tw); OGC API and photo links are built
	// from it instead of the request's Host header, and its host is the
	// default Host allowlist.
	PublicBaseURL string
	// AllowedHosts are the Host headers served (host or host:port); a
	// request for any other is refused with 421. Empty means the host of
	// PublicBaseURL, or any host when that is empty too (the demo).
	AllowedHosts []string
	// CORSOrigins are the origins whose pages may call the API from a
	// browser (https://map.example.tw); none sends no CORS headers, so
	// only same-origin pages can.
	CORSOrigins []string
	// Registry receives the HTTP metrics and is what /metrics exposes. Pass
	// the process's registry to publish other components' metrics on the
	// same endpoint; default a new registry with Go and process collectors.
	Registry *prometheus.Registry
}

// DefaultConfig returns the configuration New uses for unset fields, for
// callers that want to print or adjust the defaults.
func DefaultConfig() Config {
	var c Config
	c.setDefaults()
	return c
}

// setDefaults fills zero fields.
func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.RequestTimeout, 30*time.Second)
	def(&c.ReadHeaderTimeout, 5*time.Second)
	def(&c.ReadTimeout, 15*time.Second)
	def(&c.WriteTimeout, c.RequestTimeout+10*time.Second)
	def(&c.IdleTimeout, 120*time.Second)
	def(&c.ShutdownTimeout, 15*time.Second)
	def(&c.FlushInterval, 200*time.Millisecond)
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	if c.StreamBufferBytes == 0 {
		c.StreamBufferBytes = 64 << 10
	}
	if c.RateBurst == 0 {
		c.RateBurst = int(2*c.RateLimit) + 1
	}
	if c.GzipLevel == 0 {
		c.GzipLevel = gzip.BestSpeed
	}
	if c.TraceCacheBytes == 0 {
		c.TraceCacheBytes = 64 << 20
	}
}

// validate rejects settings that cannot work, so a bad deployment fails at
// start rather than on the first request.
func (c *Config) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"RequestTimeout", c.RequestTimeout}, {"ReadHeaderTimeout", c.ReadHeaderTimeout},
		{"ReadTimeout", c.ReadTimeout}, {"WriteTimeout", c.WriteTimeout},
		{"IdleTimeout", c.IdleTimeout}, {"ShutdownTimeout", c.ShutdownTimeout},
		{"FlushInterval", c.FlushInterval},
	} {
		if d.v < 0 {
			return fmt.Errorf("api: config %s must not be negative, got %s", d.name, d.v)
		}
	}
	if c.WriteTimeout < c.RequestTimeout {
		return fmt.Errorf("api: config WriteTimeout (%s) must be at least RequestTimeout (%s), or streamed results are cut off", c.WriteTimeout, c.RequestTimeout)
	}
	if c.PublicBaseURL != "" {
		u, err := url.Parse(c.PublicBaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.TrimSuffix(u.Path, "/") != "" {
			return fmt.Errorf("api: config PublicBaseURL %q: want a scheme and host only, like https://envtrace.example.tw", c.PublicBaseURL)
		}
	}
	for _, o := range c.CORSOrigins {
		if u, err := url.Parse(o); err != nil || u.Host == "" || u.Path != "" || o == "*" {
			return fmt.Errorf("api: config CORSOrigins: %q is not an origin like https://map.example.tw (no wildcard)", o)
		}
	}
	if c.AuditInFlight < 0 {
		return fmt.Errorf("api: config AuditInFlight %d must not be negative", c.AuditInFlight)
	}
	if c.MaxHeaderBytes < 0 || c.StreamBufferBytes < 0 {
		return fmt.Errorf("api: config MaxHeaderBytes and StreamBufferBytes must not be negative")
	}
	if c.GzipLevel < gzip.HuffmanOnly || c.GzipLevel > gzip.BestCompression {
		return fmt.Errorf("api: config GzipLevel %d out of range %d..%d", c.GzipLevel, gzip.HuffmanOnly, gzip.BestCompression)
	}
	return nil
}
