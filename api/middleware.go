package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// HeaderRequestID is the header that carries a request's id in both
// directions: a caller (a gateway) may supply one, and every response
// returns the id used.
const HeaderRequestID = "X-Request-Id"

// ctxKeyRequestID stores the request id on the echo context.
const ctxKeyRequestID = "envtrace.request_id"

// requestIDKey stores the request id on the request's context.Context, for
// backends that log.
type requestIDKey struct{}

// RequestIDFromContext returns the id of the request ctx belongs to, so a
// backend's log lines can be joined with the access log.
func RequestIDFromContext(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// validRequestID accepts what a gateway would send (UUIDs, hex, base64url,
// dotted trace ids) and nothing that could smuggle text into logs.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// requestID is the X-Request-Id middleware.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		rid := req.Header.Get(HeaderRequestID)
		if !validRequestID(rid) {
			rid = newRequestID()
		}
		c.Set(ctxKeyRequestID, rid)
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), requestIDKey{}, rid)))
		c.Response().Header().Set(HeaderRequestID, rid)
		return next(c)
	}
}

func requestID(c echo.Context) string {
	s, _ := c.Get(ctxKeyRequestID).(string)
	return s
}

// httpMetrics are the request metrics of /metrics.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	aborted  *prometheus.CounterVec
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "envtrace", Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests handled, by route pattern, method and status code.",
	}, []string{"route", "method", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "envtrace", Subsystem: "http", Name: "request_duration_seconds",
		Help: "Time to handle an HTTP request (streamed responses until their last byte), by route pattern, method and status code.",
		// Snaps take milliseconds; basin-wide traces take seconds.
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"route", "method", "status"})
	aborted := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "envtrace", Subsystem: "http", Name: "aborted_responses_total",
		Help: "Streamed responses that failed after their first byte and were aborted, by route pattern.",
	}, []string{"route"})
	var err error
	m := &httpMetrics{}
	if m.requests, err = register(reg, requests); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	if m.aborted, err = register(reg, aborted); err != nil {
		return nil, err
	}
	return m, nil
}

// register adds c to reg, or returns the equal collector already there, so
// that several servers (tests, or an admin listener beside the public one)
// can share one registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("api: register metrics: %w", err)
}

// methodLabel keeps the method label bounded against invented methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// observe is the outermost handling middleware: it hands any error to the
// central error handler (so the status is known here), records metrics,
// writes the access log, and aborts the connection of a response that
// failed after it was committed.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		res := c.Response()
		status := res.Status // 200 when a handler wrote nothing, as net/http sends
		route := s.routeLabel(c)
		st := strconv.Itoa(status)
		method := methodLabel(c.Request().Method)
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(route, method, st).Inc()
		s.metrics.duration.WithLabelValues(route, method, st).Observe(elapsed.Seconds())
		s.log.Info("request", "request_id", requestID(c), "method", c.Request().Method, "route", route,
			"uri", c.Request().URL.RequestURI(), "status", status, "bytes", res.Size, "duration_ms", elapsed.Milliseconds())
		if abort, _ := c.Get(ctxKeyAbort).(bool); abort {
			s.metrics.aborted.WithLabelValues(route).Inc()
			// The only way to tell an HTTP client that a streamed body is
			// incomplete: net/http closes the connection without the final
			// chunk, and recovers this panic without logging it.
			panic(http.ErrAbortHandler)
		}
		return nil
	}
}

// recover turns a panic in a handler or backend into a 500 problem (with
// the stack in the log), so one bad request cannot take the server down.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler { //nolint:errorlint // a recovered panic value, compared as net/http does
				panic(r)
			}
			buf := make([]byte, 8<<10)
			buf = buf[:runtime.Stack(buf, false)]
			s.log.Error("panic", "request_id", requestID(c), "panic", fmt.Sprint(r), "stack", string(buf))
			err = fmt.Errorf("panic: %v", r)
		}()
		return next(c)
	}
}

// timeout sets the per-request deadline from Config.RequestTimeout on the
// request context; handlers and backends honour it and the error handler
// turns context.DeadlineExceeded into a 503.
func (s *Server) timeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
