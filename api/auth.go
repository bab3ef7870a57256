package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
)

// HeaderIdentity tells the client whom the server took it for; the demo
// answers "demo" so the map can show that nobody logged in.
const HeaderIdentity = "X-Envtrace-Identity"

// ctxKeyPrincipal stores the request's principal on the echo context.
const ctxKeyPrincipal = "envtrace.principal"

// principal is the request's authenticated caller (Anonymous before the
// authorize middleware ran).
func principal(c echo.Context) access.Principal {
	if p, ok := c.Get(ctxKeyPrincipal).(access.Principal); ok {
		return p
	}
	return access.Anonymous
}

// routeKey is a route's key in routePolicies.
func routeKey(method, path string) string { return method + " " + path }

// checkRoute records a registered route that has no policy; New refuses
// to build a server with one.
func (s *Server) checkRoute(method, path string) {
	if method == echo.RouteNotFound {
		return
	}
	if p, ok := routePolicies[routeKey(method, path)]; !ok || !access.Known(p) {
		s.unpoliced = append(s.unpoliced, routeKey(method, path))
	}
}

// authenticate finds who sent the request: a bearer credential checked
// by the configured authenticator, else the public (or, in the demo, the
// demo identity).
func (s *Server) authenticate(c echo.Context) (access.Principal, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	anon := access.Anonymous
	if s.cfg.Auth == nil || s.cfg.DemoIdentity {
		anon = access.Demo
	}
	if h == "" {
		return anon, nil
	}
	if s.cfg.Auth == nil {
		return anon, nil // the demo without keys ignores credentials
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return access.Principal{}, &access.AuthError{Reason: `Authorization must be "Bearer <token>"`}
	}
	return s.cfg.Auth.Authenticate(c.Request().Context(), strings.TrimSpace(tok))
}

// authorize is the one access middleware: it authenticates the caller,
// applies the route's permission from routePolicies through
// access.Policy, puts the principal on the request for the handlers'
// object-level checks, and writes an audit entry for every audited
// request (see audited), denied ones included.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		perm, ok := routePolicies[routeKey(c.Request().Method, c.Path())]
		if !ok {
			return next(c) // no route: echo answers 404 or 405
		}
		p, err := s.authenticate(c)
		if err != nil {
			var ae *access.AuthError
			if errors.As(err, &ae) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="envtrace"`)
				s.audit(c, access.Principal{Subject: "unauthenticated", Role: access.Public}, perm, false, nil, nil)
			}
			return err
		}
		if !isPageAsset(c.Path()) && !s.limiter.allow(rateKey(p, c.RealIP())) {
			return &rateError{}
		}
		c.Set(ctxKeyPrincipal, p)
		c.SetRequest(c.Request().WithContext(access.NewContext(c.Request().Context(), p)))
		if p.Demo {
			c.Response().Header().Set(HeaderIdentity, "demo")
		} else {
			c.Response().Header().Set(HeaderIdentity, string(p.Role))
		}
		if access.Decide(p, perm) == access.Deny {
			s.audit(c, p, perm, false, nil, nil)
			if p.Role == access.Public {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="envtrace"`)
			}
			return access.Denied(p, perm.String())
		}
		if !audited(perm, true) {
			return next(c)
		}
		s.runAudited(c, next, p, perm)
		return nil
	}
}

// runAudited runs the handler with the request and response bodies
// hashed, then writes the audit entry. An object-level refusal by the
// handler (401 or 403) is recorded as denied.
func (s *Server) runAudited(c echo.Context, next echo.HandlerFunc, p access.Principal, perm access.Permission) {
	body := hashRequest(c.Request())
	hw := &hashingWriter{ResponseWriter: c.Response().Writer, h: sha256.New()}
	c.Response().Writer = hw
	if err := next(c); err != nil {
		// The error handler writes the problem into the hashing writer,
		// so the result digest covers it.
		c.Error(err)
	}
	st := c.Response().Status
	allowed := st != http.StatusUnauthorized && st != http.StatusForbidden
	s.audit(c, p, perm, allowed, body.h.Sum(nil), hw.sum())
}

// audit writes one entry; a failure to record is logged, as the response
// is already on its way.
func (s *Server) audit(c echo.Context, p access.Principal, perm access.Permission, allowed bool, req, res []byte) {
	if s.cfg.Audit == nil {
		return
	}
	e := access.AuditEntry{
		Actor: p.Subject, Role: string(p.Role), Action: string(perm.Action),
		Resource:  c.Request().Method + " " + c.Request().URL.Path,
		RequestID: requestID(c), ClientAddr: c.RealIP(), Time: time.Now().UTC(),
		Allowed: allowed, RequestDigest: req, ResultDigest: res,
	}
	if e.RequestDigest == nil {
		// Refused before the handler: the body was never read.
		e.RequestDigest = hashRequest(c.Request()).h.Sum(nil)
	}
	ctx := context.WithoutCancel(c.Request().Context())
	if s.auditSlots == nil || !readOnly(c.Request().Method) {
		// A write's entry is committed before its response completes, so
		// no change the server made can outlive a crash without its record.
		s.record(ctx, e)
		return
	}
	s.auditSlots <- struct{}{} // waits while AuditInFlight entries are in flight
	go func() {
		defer func() { <-s.auditSlots }()
		s.record(ctx, e)
	}()
}

// readOnly tells the methods whose audit entry may be handed over
// (Config.AuditInFlight): they change nothing the entry must vouch for.
func readOnly(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// record hands one entry to the recorder and logs a failure.
func (s *Server) record(ctx context.Context, e access.AuditEntry) {
	if err := s.cfg.Audit.Record(ctx, e); err != nil {
		s.log.Error("audit record failed", "request_id", e.RequestID, "error", err.Error())
	}
}

// hashRequest starts the request digest with the method and URI and
// hashes the body as the handler reads it, so nothing is buffered and a
// handler's own size limit still applies first; the digest covers the
// bytes the handler consumed.
func hashRequest(r *http.Request) *hashingBody {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", r.Method, r.URL.RequestURI())
	hb := &hashingBody{ReadCloser: r.Body, h: h}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = hb
	}
	return hb
}

// hashingBody hashes a request body as it is read.
type hashingBody struct {
	io.ReadCloser
	h hash.Hash
}

func (b *hashingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.h.Write(p[:n])
	return n, err
}

// hashingWriter hashes the response body as it is written, for the
// audit record's result digest.
type hashingWriter struct {
	http.ResponseWriter
	h hash.Hash
	// known is the digest of the body a handler sends whole and has
	// hashed before (a kept trace answer, which it may send encoded):
	// the body is then not hashed again.
	known []byte
}

func (w *hashingWriter) Write(b []byte) (int, error) {
	if w.known == nil {
		w.h.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// sum is the result digest: of the body written, or the known one.
func (w *hashingWriter) sum() []byte {
	if w.known != nil {
		return w.known
	}
	return w.h.Sum(nil)
}

// Flush keeps streamed responses streaming.
func (w *hashingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *hashingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// isPageAsset tells the web map's page and static assets, which a
// browser loads dozens at a time and caches: the rate limit counts API
// calls, not them.
func isPageAsset(route string) bool { return route == "/" || strings.HasPrefix(route, "/webmap/") }
