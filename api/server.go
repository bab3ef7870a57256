package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/envtrace/envtrace/api/webmap"
	"github.com/envtrace/envtrace/casework/inspection"
)

// Server is the envtrace HTTP API: an echo instance with its routes,
// middleware and metrics, plus the http.Server settings to run it. Build it
// with New; run it with Serve, or mount Handler in another server.
type Server struct {
	cfg     Config
	backend Backend
	echo    *echo.Echo
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *httpMetrics
	// routePaths holds every registered route pattern (string → bool), so
	// metrics label requests no route matched as "unmatched" instead of
	// echo's nearest partial match.
	routePaths sync.Map
	// openapi is the document served at /openapi.json: openapi.json plus
	// the OGC API paths when they are mounted.
	openapi []byte
	// unpoliced lists routes registered without a policy; New refuses
	// to build a server that has any.
	unpoliced []string
	// limiter enforces Config.RateLimit per identity.
	limiter *limiter
	// auditSlots bounds the audit entries in flight (Config.AuditInFlight);
	// nil records synchronously.
	auditSlots chan struct{}
	// traces keeps rendered trace answers (Config.TraceCacheBytes); nil
	// keeps none.
	traces *traceCache
}

// New builds the server. It validates cfg (after filling defaults) and
// returns an error rather than exiting, so the caller decides what a bad
// configuration means.
func New(cfg Config, backend Backend) (*Server, error) {
	if backend == nil {
		return nil, errors.New("api: nil backend")
	}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, backend: backend, log: cfg.Logger, reg: cfg.Registry}
	if cfg.AuditInFlight > 0 {
		s.auditSlots = make(chan struct{}, cfg.AuditInFlight)
	}
	var err error
	if s.traces, err = newTraceCache(cfg.TraceCacheBytes, cfg.GzipLevel); err != nil {
		return nil, fmt.Errorf("api: trace cache: %w", err)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m, err := newHTTPMetrics(s.reg)
	if err != nil {
		return nil, err
	}
	s.metrics = m

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.OnAddRouteHandler = func(_ string, r echo.Route, _ echo.HandlerFunc, _ []echo.MiddlewareFunc) {
		s.routePaths.Store(r.Path, true)
		s.checkRoute(r.Method, r.Path)
	}
	// The client address in audit records and rate limits is the TCP
	// peer: X-Forwarded-For is not trusted without a configured proxy.
	e.IPExtractor = echo.ExtractIPDirect()
	s.limiter = newLimiter(cfg.RateLimit, cfg.RateBurst)
	s.echo = e

	// Outermost first. requestID runs before everything so that every log
	// line and problem carries the id; observe owns error handling and
	// metrics; recover turns panics into 500s inside it.
	e.Use(s.requestID, s.observe, s.recover, s.edge, s.timeout)
	if len(cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost},
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, HeaderRequestID},
			ExposeHeaders: []string{HeaderRequestID, HeaderIdentity},
			MaxAge:        600,
		}))
	}
	// promhttp negotiates its own compression; gzipping it again would
	// double-encode.
	e.Use(gzipMiddleware(cfg.GzipLevel, func(c echo.Context) bool { return c.Path() == "/metrics" }))
	// Inside gzip, so the audit's result digest is of the plain body.
	e.Use(s.authorize)
	s.openapi = openAPIDocument
	if err := s.routes(); err != nil {
		return nil, err
	}
	if len(s.unpoliced) > 0 {
		return nil, fmt.Errorf("api: routes without an access policy (add them to routePolicies): %s", strings.Join(s.unpoliced, ", "))
	}
	return s, nil
}

// routes registers every endpoint, one function per area, so that a new
// area (tracing, OGC API Features, the web map) is one more call here.
func (s *Server) routes() error {
	s.registerOps(s.echo)
	v1 := s.echo.Group("/api/v1")
	s.registerNetwork(v1, s.backend)
	if rl, ok := s.backend.(ReachLister); ok {
		s.registerNetworkGeoJSON(v1, rl)
	}
	if tb, ok := s.backend.(TracingBackend); ok && tracingEnabled(s.backend) {
		th := s.registerTracing(v1, tb)
		if ck, ok := s.backend.(CaseKeeper); ok && ck.CaseRepository() != nil {
			s.registerCases(v1, th, ck.CaseRepository())
		}
		if ab, ok := s.backend.(AirBackend); ok {
			s.registerAir(v1, ab)
		}
	}
	if db, ok := s.backend.(DumpingBackend); ok && db.DumpingArea() != nil && db.DumpingArea().Desk != nil {
		s.registerDumping(v1, db.DumpingArea())
	}
	if ab, ok := s.backend.(AuditBackend); ok && ab.AuditLog() != nil {
		s.registerAudit(v1, ab.AuditLog())
	}
	if fb, ok := s.backend.(FarmlandBackend); ok && fb.FarmlandArea() != nil {
		s.registerFarmland(v1, fb.FarmlandArea())
	}
	if ib, ok := s.backend.(InspectBackend); ok && ib.InspectEnabled() {
		s.registerInspect(v1, ib)
		if ir, ok := s.backend.(InspectionRecords); ok && ir.InspectionRepository() != nil {
			s.registerInspectionRecords(v1, ir.InspectionRepository())
		}
		if fp, ok := s.backend.(FacilityPortals); ok {
			s.registerPortal(v1, fp)
		}
		if sd, ok := s.backend.(SelfReportDesk); ok && sd.SelfReportSource() != nil {
			s.registerSelfReports(v1, sd)
		}
	}
	if ob, ok := s.backend.(OdourBackend); ok && odourEnabled(s.backend) {
		s.registerOdour(v1, ob)
	}
	if pb, ok := s.backend.(PetitionBackend); ok && pb.PetitionArea() != nil && pb.PetitionArea().Desk != nil {
		s.registerPetitions(v1, pb.PetitionArea())
	}
	if err := s.registerOGC(); err != nil {
		return err
	}
	return webmap.Register(s.echo, webmap.Options{Basemaps: s.cfg.Basemaps, Login: s.cfg.WebLogin,
		OpenedStyles: []string{inspection.PortalStyleHash()}})
}

// tracingEnabled asks a backend that may lack tracing data whether it has
// them; backends that do not say are taken at their type's word.
func tracingEnabled(b Backend) bool {
	if ta, ok := b.(TracingAvailability); ok {
		return ta.TracingEnabled()
	}
	return true
}

// odourEnabled asks a backend that may lack wind data whether it has it.
func odourEnabled(b Backend) bool {
	if oa, ok := b.(OdourAvailability); ok {
		return oa.OdourEnabled()
	}
	return true
}

// Echo exposes the underlying echo instance, for tests and for callers that
// mount extra routes (they inherit the middleware and error handling).
func (s *Server) Echo() *echo.Echo { return s.echo }

// Handler is the server as an http.Handler, for mounting in another server
// or in httptest.
func (s *Server) Handler() http.Handler { return s.echo }

// Config returns the effective configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Registry returns the Prometheus registry /metrics exposes, so other
// components can register their collectors on it.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// httpServer builds the net/http server with the configured timeouts.
func (s *Server) httpServer(ctx context.Context) *http.Server {
	return &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		// Twice the limit: the edge middleware answers between the two
		// with a 431 problem; beyond, net/http's own 431 is plain text.
		MaxHeaderBytes: 2 * s.cfg.MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests inherit the serve context's values but not its
		// cancellation: a shutdown lets in-flight requests finish.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// Serve listens on addr and serves until ctx is cancelled, then shuts down
// gracefully: it stops accepting connections, waits up to ShutdownTimeout
// for in-flight requests and closes the rest. It returns nil after a clean
// shutdown and the listener or server error otherwise. This is what
// `envtrace serve` calls with a signal.NotifyContext context.
func (s *Server) Serve(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("api: listen %s: %w", addr, err)
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener is Serve on an existing listener (tests listen on port 0;
// systemd passes sockets). It closes ln.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := s.httpServer(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	err := srv.Shutdown(sctx)
	if err != nil {
		// In-flight requests outlived the grace period: cut them off.
		_ = srv.Close()
		err = fmt.Errorf("api: shutdown: %w", err)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("api: serve: %w", serr)
	}
	if aerr := s.waitAudit(sctx); aerr != nil && err == nil {
		err = aerr
	}
	return err
}

// waitAudit waits until every audit entry handed over has been recorded
// (Config.AuditInFlight), or ctx ends.
func (s *Server) waitAudit(ctx context.Context) error {
	for range cap(s.auditSlots) {
		select {
		case s.auditSlots <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("api: shutdown: audit entries still unrecorded: %w", ctx.Err())
		}
	}
	return nil
}

// routeLabel is the metrics and log label of a request: the route pattern
// (bounded cardinality), or "unmatched" for requests no route matched.
func (s *Server) routeLabel(c echo.Context) string {
	p := c.Path()
	if _, ok := s.routePaths.Load(p); !ok {
		return "unmatched"
	}
	return p
}
