package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access/audit"
)

// AuditQuerier reads the audit log (store.AuditQuery over PostGIS).
type AuditQuerier interface {
	QueryAudit(ctx context.Context, f audit.Filter) ([]audit.Record, error)
}

// AuditBackend is a backend that lets administrators read its audit log.
// The route is mounted only when AuditLog returns non-nil, so a server
// without authorisation never exposes the log.
type AuditBackend interface {
	AuditLog() AuditQuerier
}

// The authorisation policy's names for reading the audit log: an
// administrator's action only (docs/access.md).
const (
	AuditReadAction = "audit.read"
	AuditResource   = "audit_log"
)

// registerAudit mounts GET /api/v1/audit.
func (s *Server) registerAudit(g *echo.Group, q AuditQuerier) {
	g.GET("/audit", func(c echo.Context) error {
		f, err := auditFilter(c)
		if err != nil {
			return err
		}
		recs, err := q.QueryAudit(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, audit.NewPage(f, recs))
	})
}

// auditFilter reads the query: actor, role, action, resource (exact),
// from and to (RFC 3339 with a zone; [from, to)), allowed (true|false),
// after (a sequence number) and limit (1–1000, default 100).
func auditFilter(c echo.Context) (audit.Filter, error) {
	q := newQuery(c, "actor", "role", "action", "resource", "from", "to", "allowed", "after", "limit")
	f := audit.Filter{Actor: q.str("actor"), Role: q.str("role"), Action: q.str("action"), Resource: q.str("resource"),
		From: q.timeParam("from", false), To: q.timeParam("to", false),
		AfterSeq: int64(q.intRange("after", 0, 0, 1<<62)), Limit: q.intRange("limit", audit.DefaultLimit, 1, audit.MaxLimit)}
	if q.has("allowed") {
		v := q.boolean("allowed", false)
		f.Allowed = &v
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		q.fail("to", "must be after from", nil)
	}
	return f, q.err()
}
