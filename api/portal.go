package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework/inspection"
)

// maxSelfReportBody bounds a posted self-report or decision.
const maxSelfReportBody = 64 << 10

// SelfReportDesk is an optional method set of a backend whose facilities
// submit self-reports through the portal: it mounts
// /api/v1/portal/self-reports.
type SelfReportDesk interface {
	// SelfReportSource is the source self-reports are checked against
	// (the facility's permits, limits and inspection records) and kept
	// in; nil when the backend keeps none. It is asked on every request,
	// so a report is checked against the records held at the time.
	SelfReportSource() *inspection.Source
}

// SelfReportSource implements SelfReportDesk: the inspection ranking's
// source over the current records (inspectSource), so a facility, permit
// or limit applied since start (ApplyRecords) is the one a report is
// checked against.
func (b *MemoryBackend) SelfReportSource() *inspection.Source {
	if !b.InspectEnabled() || b.tr.opt.inspect.SelfReports == nil {
		return nil
	}
	return b.inspectSource()
}

// AuditSubject names the principal in a self-report's history.
func (p accessPrincipal) AuditSubject() string { return p.Subject }

// registerSelfReports mounts the self-report endpoints under g.
func (s *Server) registerSelfReports(g *echo.Group, desk SelfReportDesk) {
	h := &selfReportHandlers{desk: desk, now: time.Now}
	g.POST("/portal/self-reports", h.submit)
	g.GET("/portal/self-reports", h.list)
	g.GET("/portal/self-reports/:id", h.get)
	g.POST("/portal/self-reports/:id/decision", h.decide)
}

type selfReportHandlers struct {
	desk SelfReportDesk
	now  func() time.Time
}

// submit answers POST /api/v1/portal/self-reports: the facility of the
// caller's scope reports on itself; the answer is the stored report.
func (h *selfReportHandlers) submit(c echo.Context) error {
	var in inspection.SelfReportInput
	if err := decodeObject(c, maxSelfReportBody, &in); err != nil {
		return err
	}
	who, err := portalPrincipal(c)
	if err != nil {
		return echo.NewHTTPError(http.StatusUnauthorized, err.Error())
	}
	r, err := inspection.Submit(c.Request().Context(), h.desk.SelfReportSource(), who, &in, h.now())
	if err := selfReportError(c, err); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/portal/self-reports/"+r.ID)
	return c.JSON(http.StatusCreated, r)
}

// selfReportError turns the portal's errors into problems: a field at
// fault is a 400 naming it, a caller acting for no facility a 403, a
// decided report a 409.
func selfReportError(c echo.Context, err error) error {
	var fe *inspection.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return &ParamError{Name: fe.Field, Reason: fe.Reason, Err: err}
	case errors.Is(err, inspection.ErrNotAFacility):
		return access.Denied(principal(c), "submit a self-report: this account does not act for a facility")
	case errors.Is(err, inspection.ErrUnknownFacility):
		return access.Denied(principal(c), "submit a self-report: this account's facility is not in the data")
	case errors.Is(err, inspection.ErrDecided):
		return echo.NewHTTPError(http.StatusConflict, err.Error()+": a decision is final")
	case errors.Is(err, inspection.ErrNotFound):
		return &NotFoundError{Kind: "self-report", ID: c.Param("id"), Err: err}
	}
	return fmt.Errorf("self-report: %w", err)
}

// visible says whether the caller sees a facility's self-reports: a
// facility its own, an officer their county's, the administrator all.
func visible(c echo.Context, facility string) bool { return facilityView(c, facility) == access.Full }

// list answers GET /api/v1/portal/self-reports[?facility_id=&status=]:
// a facility lists its own (another facility_id is a 403), an officer
// their county's, the administrator every facility's.
func (h *selfReportHandlers) list(c echo.Context) error {
	q := newQuery(c, "facility_id", "status")
	sq := inspection.SelfReportQuery{Facility: q.str("facility_id"),
		Status: q.enum("status", "", inspection.StatusSubmitted, inspection.StatusAccepted, inspection.StatusRejected)}
	if err := q.err(); err != nil {
		return err
	}
	if sq.Facility != "" && !visible(c, sq.Facility) {
		return access.Denied(principal(c), "read the self-reports of facility "+sq.Facility)
	}
	l, err := inspection.ListSelfReports(c.Request().Context(), h.desk.SelfReportSource().SelfReports, sq, func(f string) bool { return visible(c, f) })
	if err != nil {
		return fmt.Errorf("self-reports: %w", err)
	}
	return c.JSON(http.StatusOK, l)
}

// get answers GET /api/v1/portal/self-reports/{id}; another facility's
// or county's report reads as a missing one, so an id reveals nothing.
func (h *selfReportHandlers) get(c echo.Context) error {
	r, err := h.desk.SelfReportSource().SelfReports.SelfReport(c.Request().Context(), c.Param("id"))
	if err == nil && !visible(c, r.Facility) {
		err = inspection.ErrNotFound
	}
	if err := selfReportError(c, err); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// decide answers POST /api/v1/portal/self-reports/{id}/decision: the
// facility's county bureau (or the centre) accepts or rejects, with a
// reason to reject; the decision joins the report's history and is final.
func (h *selfReportHandlers) decide(c echo.Context) error {
	var d inspection.Decision
	if err := decodeObject(c, maxSelfReportBody, &d); err != nil {
		return err
	}
	by := principal(c).Subject
	r, err := h.desk.SelfReportSource().SelfReports.DecideSelfReport(c.Request().Context(), c.Param("id"), func(r *inspection.SelfReport) error {
		if !visible(c, r.Facility) {
			return inspection.ErrNotFound
		}
		return r.Decide(d, by, h.now())
	})
	if err := selfReportError(c, err); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
