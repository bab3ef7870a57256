package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/tracing/risk"
)

// InspectBackend answers the inspection endpoints, the REST twins of
// `envtrace inspect rank` and `inspect plan`; results cross the interface
// as the CLI prints them, so both give the same JSON.
type InspectBackend interface {
	// InspectEnabled says whether the backend holds the data to rank.
	InspectEnabled() bool
	InspectRank(ctx context.Context, asOf time.Time) (*risk.Ranking, error)
	InspectPlan(ctx context.Context, opt inspection.PlanOptions) (*inspection.Plan, error)
}

// WithInspections gives the backend the ranking's source: a data
// directory with its inspection records (inspection.ReadSource).
func WithInspections(src *inspection.Source) MemoryOption {
	return func(o *memoryOptions) { o.inspect = src }
}

// InspectEnabled implements InspectBackend.
func (b *MemoryBackend) InspectEnabled() bool { return b.tr != nil && b.tr.opt.inspect != nil }

// InspectRank implements InspectBackend.
func (b *MemoryBackend) InspectRank(ctx context.Context, asOf time.Time) (*risk.Ranking, error) {
	if !b.InspectEnabled() {
		return nil, ErrNoTracingData
	}
	return inspection.Rank(ctx, b.tr.opt.inspect, asOf)
}

// InspectPlan implements InspectBackend.
func (b *MemoryBackend) InspectPlan(ctx context.Context, opt inspection.PlanOptions) (*inspection.Plan, error) {
	if !b.InspectEnabled() {
		return nil, ErrNoTracingData
	}
	return inspection.BuildPlan(ctx, b.tr.opt.inspect, opt)
}

// registerInspect mounts the inspection endpoints under g.
func (s *Server) registerInspect(g *echo.Group, b InspectBackend) {
	h := &inspectHandlers{b: b}
	g.GET("/inspect/rank", h.rank)
	g.GET("/inspect/plan", h.plan)
}

type inspectHandlers struct{ b InspectBackend }

func (h *inspectHandlers) rank(c echo.Context) error {
	q := newQuery(c, "as_of")
	var asOf time.Time
	if !q.has("as_of") {
		q.fail("as_of", "required: RFC 3339 with a zone, or a date YYYY-MM-DD (Taiwan)", nil)
	} else if t, err := inspection.ParseAsOf(q.str("as_of")); err != nil {
		q.fail("as_of", err.Error(), nil)
	} else {
		asOf = t
	}
	if err := q.err(); err != nil {
		return err
	}
	r, err := h.b.InspectRank(c.Request().Context(), asOf)
	if err != nil {
		return fmt.Errorf("inspect rank: %w", err)
	}
	return c.JSON(http.StatusOK, r)
}

func (h *inspectHandlers) plan(c echo.Context) error {
	q := newQuery(c, "date", "teams", "per_team", "random_share", "format")
	var opt inspection.PlanOptions
	if !q.has("date") {
		q.fail("date", "required: a date YYYY-MM-DD", nil)
	} else if d, err := inspection.ParseDate(q.str("date")); err != nil {
		q.fail("date", err.Error(), nil)
	} else {
		opt.Date = d
	}
	if !q.has("teams") {
		q.fail("teams", "required: the number of teams, 1–100", nil)
	}
	opt.Teams = q.intRange("teams", 0, 1, 100)
	opt.PerTeam = q.intRange("per_team", inspection.DefaultPerTeam, 1, 20)
	opt.RandomShare = q.nonNegative("random_share", inspection.DefaultRandomShare)
	if opt.RandomShare > 1 {
		q.fail("random_share", "must be from 0 to 1", nil)
	}
	format := q.enum("format", "json", append([]string{"json"}, inspection.Formats...)...)
	if err := q.err(); err != nil {
		return err
	}
	p, err := h.b.InspectPlan(c.Request().Context(), opt)
	if errors.Is(err, inspection.ErrPlan) {
		return &ParamError{Name: "query", Reason: err.Error(), Err: err}
	}
	if err != nil {
		return fmt.Errorf("inspect plan: %w", err)
	}
	if format == "json" {
		return c.JSON(http.StatusOK, p)
	}
	b, ctype, err := p.Export(format)
	if err != nil {
		return fmt.Errorf("inspect plan: %w", err)
	}
	return c.Blob(http.StatusOK, ctype, b)
}
