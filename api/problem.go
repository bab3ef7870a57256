package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
)

// Problem type URIs. They identify the kind of failure independently of
// the wording of title and detail, so a client can branch on them; they are
// URNs because the project publishes no problem pages to link to.
const (
	// ProblemInvalidParams: one or more query or path parameters were
	// missing, malformed or out of range; see invalid-params.
	ProblemInvalidParams = "urn:envtrace:problem:invalid-parameters"
	// ProblemNotFound: a named object (a reach, station, facility or
	// permit) does not exist.
	ProblemNotFound = "urn:envtrace:problem:not-found"
	// ProblemNotNavigable: the start reach is one navigation never enters
	// (a coastline).
	ProblemNotNavigable = "urn:envtrace:problem:not-navigable"
	// ProblemNoGeometry: the request needs reach geometry or a CRS the
	// loaded network does not have.
	ProblemNoGeometry = "urn:envtrace:problem:no-geometry"
	// ProblemTimeout: the request ran past the server's time limit.
	ProblemTimeout = "urn:envtrace:problem:timeout"
	// ProblemCancelled: the client went away before the answer was ready.
	ProblemCancelled = "urn:envtrace:problem:cancelled"
	// ProblemUnavailable: a dependency (the backend) is unavailable.
	ProblemUnavailable = "urn:envtrace:problem:unavailable"
	// ProblemInternal: an unexpected server fault; the detail gives only
	// the request id to quote when reporting it.
	ProblemInternal = "urn:envtrace:problem:internal"
	// ProblemConflict: a posted reading has the station, time and
	// parameter of a stored (or another posted) one but another value;
	// conflicts lists both values. A posted CEMS record likewise (the
	// detail names each line and both reports). Nothing was stored.
	ProblemConflict = "urn:envtrace:problem:conflict"
	// ProblemUnauthenticated: the request carries no valid credentials
	// for a route that needs them, or invalid ones (401).
	ProblemUnauthenticated = "urn:envtrace:problem:unauthenticated"
	// ProblemForbidden: the caller is authenticated but the policy or
	// the object-level check refuses them (403).
	ProblemForbidden = "urn:envtrace:problem:forbidden"
	// ProblemRateLimited: the caller's identity sent too many requests
	// (429).
	ProblemRateLimited = "urn:envtrace:problem:rate-limited"
)

// ProblemContentType is the media type of RFC 9457 problem documents.
const ProblemContentType = "application/problem+json"

// statusClientClosedRequest is nginx's conventional status for a request
// whose client disconnected; it only ever reaches logs and metrics.
const statusClientClosedRequest = 499

// Problem is an RFC 9457 problem document. Every error response of the API
// has this shape so that clients need one error decoder.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// InvalidParams lists each offending parameter (RFC 9457 §3 example
	// extension), so a form can highlight the right field.
	InvalidParams []InvalidParam `json:"invalid-params,omitempty"`
	// RequestID repeats the X-Request-Id header so a pasted error body is
	// enough to find the server's log lines.
	RequestID string `json:"request_id,omitempty"`
	// Conflicts lists, for a 409, each reading that contradicts a stored
	// one, with both values.
	Conflicts []ReadingConflict `json:"conflicts,omitempty"`
}

// ReadingConflict is one posted reading that contradicts a stored one:
// the same station, instant and parameter with another value.
type ReadingConflict struct {
	Station   string           `json:"station"`
	Time      string           `json:"time"`
	Parameter string           `json:"parameter"`
	Stored    MeasurementValue `json:"stored"`
	Sent      MeasurementValue `json:"sent"`
}

// MeasurementValue is a reading's value in its canonical unit.
type MeasurementValue struct {
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Censored bool    `json:"censored"`
}

// ConflictError rejects an ingest whose readings contradict stored ones;
// it becomes a 409 problem listing both values of each.
type ConflictError struct {
	Conflicts []ReadingConflict
}

// Error counts the conflicts and names the first.
func (e *ConflictError) Error() string {
	c := e.Conflicts[0]
	return fmt.Sprintf("%d reading(s) conflict with stored ones, e.g. %s %s at %s: stored %g %s, sent %g %s",
		len(e.Conflicts), c.Parameter, c.Station, c.Time, c.Stored.Value, c.Stored.Unit, c.Sent.Value, c.Sent.Unit)
}

// Status is 409: the request contradicts the stored data.
func (e *ConflictError) Status() int { return http.StatusConflict }

// conflicts collects the reading conflicts in an error tree (a backend's
// verdict on a batch, joined with errors.Join).
func conflicts(err error) []ReadingConflict {
	var out []ReadingConflict
	eachError(err, func(e error) bool {
		ce, ok := e.(*model.ConflictError) //nolint:errorlint // eachError unwraps the tree itself
		if ok && len(out) < maxIngestErrors {
			out = append(out, ReadingConflict{Station: ce.Station, Time: ce.Time.Format(time.RFC3339Nano), Parameter: ce.Parameter,
				Stored: MeasurementValue{ce.First.Value, ce.First.Unit, ce.First.Censored},
				Sent:   MeasurementValue{ce.Second.Value, ce.Second.Unit, ce.Second.Censored}})
		}
		return ok
	})
	return out
}

// InvalidParam names one bad parameter and why it was rejected.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// ParamError is returned by handlers for one invalid request parameter. It
// becomes a 400 problem whose invalid-params names Name.
type ParamError struct {
	// Name is the parameter as the client spelt it (query key or path
	// variable).
	Name string
	// Reason says what is wrong, in words a client can show to a user.
	Reason string
	// Err is an underlying cause, kept for logs and errors.Is; it is not
	// shown to the client.
	Err error
}

// Error names the parameter and the reason.
func (e *ParamError) Error() string { return fmt.Sprintf("parameter %s: %s", e.Name, e.Reason) }

// Unwrap exposes the cause.
func (e *ParamError) Unwrap() error { return e.Err }

// Status is the HTTP status the error maps to (400); other packages' error
// handlers look for a Status() int method.
func (e *ParamError) Status() int { return http.StatusBadRequest }

// InvalidParam names the parameter and the reason, the method the central
// error handler reads (see ParamNamer).
func (e *ParamError) InvalidParam() (name, reason string) { return e.Name, e.Reason }

// ParamNamer is implemented by errors, from this package or from packages
// mounted on the server (api/ogc), that blame one
// request parameter; the central error handler lists it in invalid-params
// without importing the package that made it.
type ParamNamer interface {
	InvalidParam() (name, reason string)
}

// StatusError is implemented by errors that know their HTTP status (the
// convention api/ogc follows). For 4xx statuses the error's message is
// written for clients and becomes the problem detail; a 5xx status keeps
// its message out of the response like any other server fault.
type StatusError interface {
	error
	Status() int
}

// ParamErrors collects every invalid parameter of one request, so a client
// learns about all its mistakes in one round trip.
type ParamErrors []*ParamError

// Status is the HTTP status the errors map to (400).
func (e ParamErrors) Status() int { return http.StatusBadRequest }

// Error joins the parameter errors.
func (e ParamErrors) Error() string {
	parts := make([]string, len(e))
	for i, p := range e {
		parts[i] = p.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap exposes each parameter error to errors.As.
func (e ParamErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, p := range e {
		out[i] = p
	}
	return out
}

// ctxKeyAbort marks a response that failed after it was committed; the
// outermost middleware then aborts the connection.
const ctxKeyAbort = "envtrace.abort"

// problemFor maps an error to its problem document. It is the one place
// that decides status codes, and it reveals error text only for error kinds
// whose messages are written for clients.
func (s *Server) problemFor(err error) Problem {
	var (
		ue  *unavailableError
		ae  *access.AuthError
		de  *access.DeniedError
		re  *rateError
		ce  *ConflictError
		pe  *ParamError
		pes ParamErrors
		nf  *NotFoundError
		tie *TracingInputError
		he  *echo.HTTPError
		pn  ParamNamer
		se  StatusError
	)
	switch {
	case errors.As(err, &ae):
		return Problem{Type: ProblemUnauthenticated, Title: "Unauthorized", Status: http.StatusUnauthorized, Detail: ae.Error()}
	case errors.As(err, &de):
		if de.Status() == http.StatusUnauthorized {
			return Problem{Type: ProblemUnauthenticated, Title: "Unauthorized", Status: http.StatusUnauthorized,
				Detail: "this endpoint needs credentials: send Authorization: Bearer <token>"}
		}
		return Problem{Type: ProblemForbidden, Title: "Forbidden", Status: http.StatusForbidden, Detail: de.Error()}
	case errors.As(err, &re):
		return Problem{Type: ProblemRateLimited, Title: "Too many requests", Status: http.StatusTooManyRequests, Detail: re.Error()}
	case errors.As(err, &ue):
		return Problem{Type: ProblemUnavailable, Title: "Service unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the data backend is not answering; retry later"}
	case errors.As(err, &ce):
		return Problem{Type: ProblemConflict, Title: "Conflicting readings", Status: http.StatusConflict,
			Detail: ce.Error() + "; nothing was stored", Conflicts: ce.Conflicts}
	case errors.As(err, &pes):
		p := Problem{Type: ProblemInvalidParams, Title: "Invalid request parameters", Status: http.StatusBadRequest}
		var names []string
		for _, e := range pes {
			p.InvalidParams = append(p.InvalidParams, InvalidParam{Name: e.Name, Reason: e.Reason})
			names = append(names, e.Name)
		}
		p.Detail = "invalid parameter(s): " + strings.Join(names, ", ")
		return p
	case errors.As(err, &pe):
		return Problem{Type: ProblemInvalidParams, Title: "Invalid request parameters", Status: http.StatusBadRequest,
			Detail:        fmt.Sprintf("parameter %s: %s", pe.Name, pe.Reason),
			InvalidParams: []InvalidParam{{Name: pe.Name, Reason: pe.Reason}}}
	case errors.As(err, &tie):
		return Problem{Type: ProblemUntraceable, Title: "Cannot answer with the data held", Status: http.StatusUnprocessableEntity,
			Detail: tie.Reason, InvalidParams: []InvalidParam{{Name: tie.Param, Reason: tie.Reason}}}
	case errors.As(err, &nf):
		return Problem{Type: ProblemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: nf.Error()}
	case errors.Is(err, ErrNothingNear):
		return Problem{Type: ProblemNotFound, Title: "Not found", Status: http.StatusNotFound,
			Detail: "no reach lies near the point (within max_distance_m, when given)"}
	case errors.Is(err, hydro.ErrUnknownReach):
		return Problem{Type: ProblemNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "unknown reach"}
	case errors.Is(err, hydro.ErrNotNavigable):
		return Problem{Type: ProblemNotNavigable, Title: "Reach not navigable", Status: http.StatusUnprocessableEntity,
			Detail: "the start reach is a coastline, which navigation never enters; start from a river reach"}
	case errors.Is(err, hydro.ErrNoGeometry):
		return Problem{Type: ProblemNoGeometry, Title: "Network has no geometry", Status: http.StatusUnprocessableEntity,
			Detail: "the loaded network has no reach geometry, so points cannot be snapped; start from a reach id"}
	case errors.Is(err, ErrNoNetworkCRS):
		return Problem{Type: ProblemNoGeometry, Title: "Network CRS unknown", Status: http.StatusUnprocessableEntity,
			Detail: "the loaded network's coordinate reference system is unknown, so points cannot be placed on it; start from a reach id"}
	case errors.As(err, &se) && se.Status() >= 400 && se.Status() < 500:
		// A client error from a mounted package, such as api/ogc.
		p := Problem{Type: "about:blank", Title: http.StatusText(se.Status()), Status: se.Status(), Detail: se.Error()}
		switch {
		case errors.As(err, &pn):
			name, reason := pn.InvalidParam()
			p.Type, p.Title = ProblemInvalidParams, "Invalid request parameters"
			p.InvalidParams = []InvalidParam{{Name: name, Reason: reason}}
		case se.Status() == http.StatusNotFound:
			p.Type, p.Title = ProblemNotFound, "Not found"
		case se.Status() == http.StatusConflict:
			p.Type, p.Title = ProblemConflict, "Conflict"
		}
		if p.Title == "" {
			p.Title = "Error"
		}
		return p
	case errors.Is(err, context.DeadlineExceeded):
		return Problem{Type: ProblemTimeout, Title: "Request timed out", Status: http.StatusServiceUnavailable,
			Detail: fmt.Sprintf("the request did not finish within the server's %s limit; narrow it (distance_km, max_hours) or retry later", s.cfg.RequestTimeout)}
	case errors.Is(err, context.Canceled):
		return Problem{Type: ProblemCancelled, Title: "Client closed request", Status: statusClientClosedRequest,
			Detail: "the request was cancelled before it finished"}
	case errors.As(err, &se) && se.Status() >= 500 && se.Status() <= 599:
		// A server fault that knows its status: keep the status, not the
		// message.
		return Problem{Type: ProblemInternal, Title: http.StatusText(se.Status()), Status: se.Status(),
			Detail: "the server could not complete the request; quote the request id when reporting it"}
	case errors.As(err, &he):
		p := Problem{Type: "about:blank", Title: http.StatusText(he.Code), Status: he.Code}
		if p.Title == "" {
			p.Title = "Error"
		}
		// echo's own errors (no route, method not allowed) carry fixed,
		// safe messages; an internal cause is never shown.
		switch {
		case he.Code == http.StatusNotFound:
			p.Detail = "no endpoint at this path; /openapi.json lists them"
		case he.Code == http.StatusMethodNotAllowed:
			p.Detail = "this endpoint does not accept the method; /openapi.json lists the methods"
		case he.Code >= 500:
			p.Type = ProblemInternal
		default:
			if m, ok := he.Message.(string); ok {
				p.Detail = m
			}
		}
		return p
	}
	return Problem{Type: ProblemInternal, Title: "Internal server error", Status: http.StatusInternalServerError,
		Detail: "an unexpected error occurred; quote the request id when reporting it"}
}

// handleError is the server's echo HTTPErrorHandler: every error response is
// produced here. When the response is already committed (a stream failed
// half-way), nothing can be written any more; the request is marked so the
// outermost middleware aborts the connection.
func (s *Server) handleError(err error, c echo.Context) {
	p := s.problemFor(err)
	rid := requestID(c)
	p.RequestID = rid
	p.Instance = c.Request().URL.RequestURI()
	level := slog.LevelInfo
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		level = slog.LevelError
	}
	s.log.Log(c.Request().Context(), level, "request failed",
		"request_id", rid, "status", p.Status, "route", s.routeLabel(c), "error", err.Error())
	res := c.Response()
	if res.Committed {
		c.Set(ctxKeyAbort, true)
		return
	}
	h := res.Header()
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	h.Set(echo.HeaderContentType, ProblemContentType)
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusServiceUnavailable && p.Type == ProblemTimeout {
		h.Set("Retry-After", "30")
	}
	if p.Status == http.StatusTooManyRequests {
		h.Set("Retry-After", "1")
	}
	if c.Request().Method == http.MethodHead {
		res.WriteHeader(p.Status)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // instance holds query strings full of &
	_ = enc.Encode(p)        // cannot fail: strings, ints and finite canonical values
	res.WriteHeader(p.Status)
	_, _ = res.Write(buf.Bytes())
}
