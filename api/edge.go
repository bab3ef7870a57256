package api

import (
	"net/http"
	"sync"
	"time"

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
