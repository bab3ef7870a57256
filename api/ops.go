package api

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// openAPIDocument is the OpenAPI 3 description of every route, kept as a
// JSON file beside the code so reviewers read one document; tests check
// that it matches the routes and the handlers' responses.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3 document served at /openapi.json, for
// tools (client generators, contract tests) that want it without a server.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

// registerOps mounts the operational endpoints: health, metrics and the API
// description. They sit outside /api/v1 because orchestrators and scrapers
// expect them at fixed paths.
func (s *Server) registerOps(e *echo.Echo) {
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	metrics := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		ErrorLog:          slogPromLogger{s},
		EnableOpenMetrics: false,
	})
	e.GET("/metrics", echo.WrapHandler(metrics))
	e.GET("/openapi.json", s.openAPI)
}

// healthz is the liveness (and, for backends that can fail, readiness)
// probe.
func (s *Server) healthz(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	if p, ok := s.backend.(Pinger); ok {
		if err := p.Ping(c.Request().Context()); err != nil {
			return &unavailableError{err: err}
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is the readiness probe: the backend is alive (healthz) and, when
// it is a Readier, ready to serve current data.
func (s *Server) readyz(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	if r, ok := s.backend.(Readier); ok {
		if err := r.Ready(c.Request().Context()); err != nil {
			return &unavailableError{err: err}
		}
	} else if p, ok := s.backend.(Pinger); ok {
		if err := p.Ping(c.Request().Context()); err != nil {
			return &unavailableError{err: err}
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) openAPI(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mediaJSON, s.openapi)
}

// Unavailable marks err as the backend being unable to serve now (a
// database that is down or restarting), so the client gets a 503 it can
// retry, without the backend's own error text.
func Unavailable(err error) error { return &unavailableError{err: err} }

// unavailableError says the backend cannot serve requests now; it becomes a
// 503 without revealing the backend's own error text.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return fmt.Sprintf("backend unavailable: %v", e.err) }
func (e *unavailableError) Unwrap() error { return e.err }

// slogPromLogger routes promhttp's error log to the server's logger.
type slogPromLogger struct{ s *Server }

func (l slogPromLogger) Println(v ...any) { l.s.log.Error("metrics", "error", fmt.Sprint(v...)) }
