package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
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

// The authorisation policy's names for the inspection routes (the
// pattern of AuditReadAction; docs/inspection.md). The ranking and plans
// hold suspicion (traces, petitions, attribution) that could tip off an
// unannounced inspection: bureau inspectors and supervisors only. The
// portal is the calling facility's own.
const (
	InspectRankAction  = "inspect.rank"     // GET /inspect/rank
	InspectPlanAction  = "inspect.plan"     // GET /inspect/plan
	InspectionRead     = "inspection.read"  // GET /inspections, /inspections/{id}
	InspectionWrite    = "inspection.write" // POST /inspections
	PortalReadAction   = "portal.read"      // GET /portal
	InspectionResource = "inspections"      // the ranking, plans and records
	PortalResource     = "facility_portal"  // one facility's own portal
)

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
	return inspection.Rank(ctx, b.inspectSource(), asOf)
}

// InspectPlan implements InspectBackend.
func (b *MemoryBackend) InspectPlan(ctx context.Context, opt inspection.PlanOptions) (*inspection.Plan, error) {
	if !b.InspectEnabled() {
		return nil, ErrNoTracingData
	}
	return inspection.BuildPlan(ctx, b.inspectSource(), opt)
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
	return c.JSON(http.StatusOK, ownRanking(c, r))
}

// inspectable is the filter of the inspection routes: the facilities the
// caller sees in full (facilityView), nil (every facility) for a role
// not limited by county. An officer plans and ranks their own county's
// facilities only: another county's facility cannot be inspected by
// this bureau, and its score and terms are suspicion that must not leak
// ahead of that county's unannounced inspection, so it is dropped rather
// than shown with public fields.
func inspectable(c echo.Context) func(facilityID string) bool { return seesInFull(c) }

// ownRanking keeps the ranking's facilities the caller may inspect. The
// ranks stay those of the whole ranking (the model is calibrated and
// ranked over every facility), so an officer's list may start at rank 3.
func ownRanking(c echo.Context, r *risk.Ranking) *risk.Ranking {
	keep := inspectable(c)
	if keep == nil {
		return r
	}
	out := &risk.Ranking{AsOf: r.AsOf, Facilities: make([]risk.Scored, 0, len(r.Facilities))}
	for _, f := range r.Facilities {
		if keep(f.FacilityID) {
			out.Facilities = append(out.Facilities, f)
		}
	}
	return out
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
	opt.Only = inspectable(c)
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

// maxInspectionBody bounds a posted inspection record.
const maxInspectionBody = 256 << 10

// InspectionRecords is an optional method set of an InspectBackend that
// keeps inspection records: it mounts /api/v1/inspections. Records posted
// there join the ranking's outcomes at once.
type InspectionRecords interface {
	InspectionRepository() inspection.Repository
}

// InspectionRepository implements InspectionRecords; nil when the source
// has no repository.
func (b *MemoryBackend) InspectionRepository() inspection.Repository {
	if !b.InspectEnabled() {
		return nil
	}
	return b.tr.opt.inspect.Repo
}

// registerInspectionRecords mounts the record endpoints under g.
func (s *Server) registerInspectionRecords(g *echo.Group, repo inspection.Repository) {
	h := &recordHandlers{repo: repo}
	g.POST("/inspections", h.put)
	g.GET("/inspections", h.list)
	g.GET("/inspections/:id", h.get)
}

type recordHandlers struct{ repo inspection.Repository }

// put answers POST /api/v1/inspections: a record is validated (units
// converted to canonical) and stored, replacing one with its id.
func (h *recordHandlers) put(c echo.Context) error {
	var r inspection.Record
	if err := decodeObject(c, maxInspectionBody, &r); err != nil {
		return err
	}
	// A record without a facility is the validation's 400, below.
	if keep := inspectable(c); keep != nil && r.Facility != "" && !keep(r.Facility) {
		return access.Denied(principal(c), "record an inspection of facility "+r.Facility+" (another county's)")
	}
	err := h.repo.PutInspection(c.Request().Context(), &r)
	var fe *inspection.FieldError
	if errors.As(err, &fe) {
		return &ParamError{Name: fe.Field, Reason: fe.Reason, Err: err}
	}
	if err != nil {
		return fmt.Errorf("put inspection: %w", err)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/inspections/"+r.ID)
	return c.JSON(http.StatusCreated, &r)
}

func (h *recordHandlers) list(c echo.Context) error {
	q := newQuery(c, "facility_id")
	if err := q.err(); err != nil {
		return err
	}
	rs, err := h.repo.Inspections(c.Request().Context(), q.str("facility_id"))
	if err != nil {
		return fmt.Errorf("inspections: %w", err)
	}
	if keep := inspectable(c); keep != nil {
		own := make([]*inspection.Record, 0, len(rs))
		for _, r := range rs {
			if keep(r.Facility) {
				own = append(own, r)
			}
		}
		rs = own
	}
	return c.JSON(http.StatusOK, struct {
		Inspections []*inspection.Record `json:"inspections"`
	}{rs})
}

func (h *recordHandlers) get(c echo.Context) error {
	id := c.Param("id")
	r, err := h.repo.Inspection(c.Request().Context(), id)
	if err == nil {
		// Another county's record is answered as a missing one, so that
		// an id in the URL reveals nothing.
		if keep := inspectable(c); keep != nil && !keep(r.Facility) {
			err = inspection.ErrNotFound
		}
	}
	if errors.Is(err, inspection.ErrNotFound) {
		return &NotFoundError{Kind: "inspection", ID: id, Err: err}
	}
	if err != nil {
		return fmt.Errorf("inspection %s: %w", id, err)
	}
	return c.JSON(http.StatusOK, r)
}

// ErrUnauthenticated answers a portal request without an identity (401).
var ErrUnauthenticated = errors.New("api: no identity: sign in")

// portalPrincipal says for which facility the access middleware's
// principal acts: a principal with the facility role acts for the facility
// of its scope; every other role acts for none (403).
func portalPrincipal(c echo.Context) (inspection.Principal, error) {
	p := principal(c)
	if p.Role == access.Public {
		return nil, ErrUnauthenticated
	}
	return accessPrincipal(p), nil
}

type accessPrincipal access.Principal

func (p accessPrincipal) FacilityID() (string, bool) {
	return p.Scope.Facility, p.Role == access.Facility && p.Scope.Facility != ""
}

// InspectFacilityPortal implements FacilityPortals.
func (b *MemoryBackend) InspectFacilityPortal(ctx context.Context, who inspection.Principal, asOf time.Time) (*inspection.Portal, error) {
	if !b.InspectEnabled() {
		return nil, ErrNoTracingData
	}
	return inspection.FacilityPortal(ctx, b.inspectSource(), who, asOf)
}

// FacilityPortals is an optional method set of an InspectBackend that
// serves the facility portal: GET /api/v1/portal, the principal's own
// facility only.
type FacilityPortals interface {
	InspectFacilityPortal(ctx context.Context, who inspection.Principal, asOf time.Time) (*inspection.Portal, error)
}

func (s *Server) registerPortal(g *echo.Group, b FacilityPortals) {
	g.GET("/portal", func(c echo.Context) error {
		q := newQuery(c, "as_of", "format")
		format := q.enum("format", "json", "json", "html")
		asOf := time.Now()
		if q.has("as_of") {
			t, err := inspection.ParseAsOf(q.str("as_of"))
			if err != nil {
				q.fail("as_of", err.Error(), nil)
			}
			asOf = t
		}
		if err := q.err(); err != nil {
			return err
		}
		who, err := portalPrincipal(c)
		if errors.Is(err, ErrUnauthenticated) {
			return echo.NewHTTPError(http.StatusUnauthorized, err.Error())
		}
		if err != nil {
			return fmt.Errorf("portal: %w", err)
		}
		p, err := b.InspectFacilityPortal(c.Request().Context(), who, asOf)
		if errors.Is(err, inspection.ErrNotAFacility) {
			return echo.NewHTTPError(http.StatusForbidden, "the portal is for facilities: this account does not act for one")
		}
		if errors.Is(err, inspection.ErrUnknownFacility) {
			return echo.NewHTTPError(http.StatusForbidden, "this account's facility is not in the data")
		}
		if err != nil {
			return fmt.Errorf("portal: %w", err)
		}
		if format == "html" {
			page, err := p.HTML()
			if err != nil {
				return fmt.Errorf("portal page: %w", err)
			}
			return c.HTMLBlob(http.StatusOK, page)
		}
		return c.JSON(http.StatusOK, p)
	})
}
