package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"golang.org/x/time/rate"

	"github.com/envtrace/envtrace/access"
)

// limiter holds one token bucket per identity: an authenticated
// principal's subject, or the client address of the public.
type limiter struct {
	rps   rate.Limit
	burst int
	mu    sync.Mutex
	by    map[string]*bucket
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(rps float64, burst int) *limiter {
	if rps <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &limiter{rps: rate.Limit(rps), burst: burst, by: map[string]*bucket{}}
}

// allow takes a token from the caller's bucket; a nil limiter allows all.
func (l *limiter) allow(key string) bool {
	if l == nil {
		return true
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.by[key]
	if !ok {
		if len(l.by) > 100_000 {
			l.sweep(now)
		}
		b = &bucket{l: rate.NewLimiter(l.rps, l.burst)}
		l.by[key] = b
	}
	b.seen = now
	return b.l.AllowN(now, 1)
}

// sweep forgets buckets idle long enough to be full again, so spoofed
// or one-off addresses cannot grow the map without bound.
func (l *limiter) sweep(now time.Time) {
	idle := time.Duration(float64(l.burst)/float64(l.rps)*float64(time.Second)) + time.Minute
	for k, b := range l.by {
		if now.Sub(b.seen) > idle {
			delete(l.by, k)
		}
	}
}

// rateKey is the identity a request is limited as.
func rateKey(p access.Principal, clientAddr string) string {
	if p.Role == access.Public || p.Demo {
		return "addr:" + clientAddr
	}
	return p.Subject
}

// rateError is a 429.
type rateError struct{}

func (*rateError) Error() string {
	return "too many requests from this identity; slow down and retry after a second"
}
func (*rateError) Status() int { return http.StatusTooManyRequests }

// hostError refuses a Host header outside the allowlist.
type hostError struct{ host string }

func (e *hostError) Error() string {
	return fmt.Sprintf("host %q is not served here; use the server's public address", e.host)
}
func (*hostError) Status() int { return http.StatusMisdirectedRequest }

// headerError is a 431: the request's headers exceed MaxHeaderBytes.
type headerError struct{ size, max int }

func (e *headerError) Error() string {
	return fmt.Sprintf("request headers are %d bytes; at most %d are accepted", e.size, e.max)
}
func (*headerError) Status() int { return http.StatusRequestHeaderFieldsTooLarge }

// allowedHosts is the Host allowlist: Config.AllowedHosts, else the host
// of Config.PublicBaseURL; nil (no list) accepts any Host, as the demo on
// a loopback address does.
func (c *Config) allowedHosts() []string {
	if len(c.AllowedHosts) > 0 {
		return c.AllowedHosts
	}
	if u, err := url.Parse(c.PublicBaseURL); err == nil && u.Host != "" {
		return []string{u.Host}
	}
	return nil
}

// edge guards the network edge before any handler: it answers oversized
// headers with a 431 problem (net/http's own, plain-text 431 only
// triggers past twice the limit) and refuses a Host header outside the
// allowlist, so no link is ever built from an arbitrary Host.
func (s *Server) edge(next echo.HandlerFunc) echo.HandlerFunc {
	hosts := s.cfg.allowedHosts()
	return func(c echo.Context) error {
		r := c.Request()
		size := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
		for k, vs := range r.Header {
			for _, v := range vs {
				size += len(k) + len(v) + 4
			}
		}
		if size > s.cfg.MaxHeaderBytes {
			return &headerError{size: size, max: s.cfg.MaxHeaderBytes}
		}
		if hosts != nil && !slices.Contains(hosts, r.Host) {
			return &hostError{host: r.Host}
		}
		c.Response().Header().Set("X-Content-Type-Options", "nosniff")
		return next(c)
	}
}
