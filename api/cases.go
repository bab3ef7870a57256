package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/casefile"
)

// CaseKeeper is an optional method set for backends that keep case files
// (POST and GET /api/v1/cases...). Cases need the tracing area too: a
// case is saved from a trace the server runs itself.
type CaseKeeper interface {
	CaseRepository() casework.Repository
}

// maxCaseBody bounds a POST /api/v1/cases body: a title and a reading.
const maxCaseBody = 64 << 10

// Limits of GET /api/v1/cases.
const (
	defaultCasesLimit = 100
	maxCasesLimit     = 1000
)

// caseHandlers are the handlers of the case area.
type caseHandlers struct {
	t    *tracingHandlers
	repo casework.Repository
	now  func() time.Time
	// sources read the records a case holds by reference, by kind.
	sources map[casework.Kind]refSource
}

// registerCases mounts the case area under g.
func (s *Server) registerCases(g *echo.Group, t *tracingHandlers, repo casework.Repository) {
	h := &caseHandlers{t: t, repo: repo, now: time.Now, sources: s.refSources()}
	g.POST("/cases", h.create)
	g.GET("/cases", h.list)
	g.GET("/cases/:id", h.get)
	g.GET("/cases/:id/report", h.report)
	g.GET("/cases/:id/export", h.export)
	g.POST("/cases/:id/items", h.addItem)
	g.POST("/cases/:id/shares", h.share)
	g.POST("/cases/:id/reports", h.ngoReport)
	g.POST("/cases/:id/referrals", h.refer)
}

// caseBody is POST /api/v1/cases.
type caseBody struct {
	Title *string   `json:"title"`
	Trace traceBody `json:"trace"`
}

// create answers POST /api/v1/cases: it runs the trace itself (a case
// holds what the server found, never what a client says it found) and
// stores the case with the trace as its first item.
func (h *caseHandlers) create(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var b caseBody
	if err := decodeObject(c, maxCaseBody, &b); err != nil {
		return err
	}
	var errs ParamErrors
	fail := func(name, reason string) { errs = append(errs, &ParamError{Name: name, Reason: reason}) }
	title := ""
	switch {
	case b.Title == nil || strings.TrimSpace(*b.Title) == "":
		fail("title", "required: a few words that name the case")
	case len([]rune(*b.Title)) > casework.MaxTitle:
		fail("title", fmt.Sprintf("at most %d characters", casework.MaxTitle))
	default:
		title = *b.Title
	}
	req := b.Trace.validate(func(name, reason string) { fail("trace."+name, reason) })
	if len(errs) > 0 {
		return errs
	}
	ctx := c.Request().Context()
	item, err := h.t.newTraceItem(ctx, req)
	if err != nil {
		return err
	}
	cs, err := casework.New(title, access.UserName(principal(c)), h.now(), item)
	if err != nil {
		return fmt.Errorf("new case: %w", err)
	}
	cs.County = principal(c).Scope.County // the bureau that opens it; "" for the centre
	if err := h.repo.CreateCase(ctx, cs); err != nil {
		return fmt.Errorf("save case: %w", err)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/cases/"+cs.ID)
	return c.JSON(http.StatusCreated, cs)
}

// list answers GET /api/v1/cases: the cases the caller may see, newest
// first.
func (h *caseHandlers) list(c echo.Context) error {
	q := newQuery(c, "limit")
	limit := q.intRange("limit", defaultCasesLimit, 1, maxCasesLimit)
	if err := q.err(); err != nil {
		return err
	}
	list, err := h.visibleCases(c, limit)
	if err != nil {
		return err
	}
	if !access.SeesCaseInFull(principal(c)) {
		// A verdict is suspicion: a group sees what the case is about.
		for i := range list {
			list[i].Verdict, list[i].Station, list[i].Parameter = "", "", ""
		}
	}
	return c.JSON(http.StatusOK, casework.CaseList{Cases: list, Count: len(list)})
}

// load reads the case named by the path.
func (h *caseHandlers) load(c echo.Context) (*casework.Case, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	if !casework.ValidID(id) {
		return nil, unknownCase(id)
	}
	cs, err := h.repo.Case(c.Request().Context(), id)
	if errors.Is(err, casework.ErrNotFound) {
		return nil, unknownCase(id)
	}
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	p := principal(c)
	if !access.CanReadCase(p, caseRef(cs)) {
		return nil, access.Denied(p, "read case "+id)
	}
	return cs, nil
}

// caseRef is what the access check needs of a case.
func caseRef(cs *casework.Case) access.CaseRef {
	r := access.CaseRef{ID: cs.ID, CreatedBy: cs.CreatedBy}
	for _, s := range cs.SharedWith {
		r.SharedWith = append(r.SharedWith, s.Principal)
		if s.Access == casework.AccessEdit {
			r.Editors = append(r.Editors, s.Principal)
		}
	}
	return r
}

// visibleCases lists the cases the caller may read, newest first: every
// case for an administrator; for anyone else the union of the cases
// created by or shared with one of their names, and those in their
// token's case scope.
func (h *caseHandlers) visibleCases(c echo.Context, limit int) ([]casework.Summary, error) {
	ctx := c.Request().Context()
	p := principal(c)
	if p.Role == access.Admin {
		list, err := h.repo.Cases(ctx, "", limit)
		if err != nil {
			return nil, fmt.Errorf("cases: %w", err)
		}
		return list, nil
	}
	seen := map[string]bool{}
	out := []casework.Summary{} // an array, never null, when none is visible
	for _, name := range access.ShareNames(p) {
		list, err := h.repo.Cases(ctx, name, limit)
		if err != nil {
			return nil, fmt.Errorf("cases: %w", err)
		}
		for _, s := range list {
			if !seen[s.ID] {
				seen[s.ID] = true
				out = append(out, s)
			}
		}
	}
	for _, id := range p.Scope.Cases {
		if seen[id] {
			continue
		}
		cs, err := h.repo.Case(ctx, id)
		if errors.Is(err, casework.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		seen[id] = true
		out = append(out, cs.Summarize())
	}
	slices.SortStableFunc(out, func(a, b casework.Summary) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func unknownCase(id string) error {
	return &NotFoundError{Kind: "case", ID: id, Err: casework.ErrNotFound}
}

// get answers GET /api/v1/cases/{id}.
func (h *caseHandlers) get(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	cs, err := h.load(c)
	if err != nil {
		return err
	}
	if !access.SeesCaseInFull(principal(c)) {
		return c.JSON(http.StatusOK, cs.Public())
	}
	return c.JSON(http.StatusOK, cs)
}

// report answers GET /api/v1/cases/{id}/report: the printable A4 report.
func (h *caseHandlers) report(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	return h.send(c, casework.FormatReport)
}

// export answers GET /api/v1/cases/{id}/export?f=geojson|csv|kml|xlsx.
func (h *caseHandlers) export(c echo.Context) error {
	q := newQuery(c, "f")
	f := q.enum("f", "", casework.FormatGeoJSON, casework.FormatCSV, casework.FormatKML, casework.FormatXLSX)
	if !q.has("f") {
		q.fail("f", "required: geojson, csv, kml or xlsx", nil)
	}
	if err := q.err(); err != nil {
		return err
	}
	return h.send(c, f)
}

// send renders a case in format, records the digest of the bytes with the
// case and sends them with the digest in Repr-Digest (RFC 9530).
func (h *caseHandlers) send(c echo.Context, format string) error {
	cs, err := h.load(c)
	if err != nil {
		return err
	}
	f, err := casefile.Render(cs, format)
	if err != nil {
		return fmt.Errorf("case %s as %s: %w", cs.ID, format, err)
	}
	e := casework.Export{Format: format, SHA256: casework.Digest(f.Body), Bytes: len(f.Body), At: h.now(), By: access.UserName(principal(c))}
	if _, err := h.repo.RecordExport(c.Request().Context(), cs.ID, e); err != nil {
		return fmt.Errorf("case %s: record export: %w", cs.ID, err)
	}
	hd := c.Response().Header()
	hd.Set("Repr-Digest", "sha-256=:"+f.DigestBase64()+":")
	hd.Set("X-Content-SHA256", e.SHA256)
	hd.Set("Cache-Control", "no-store")
	if format == casework.FormatReport {
		// The report is a document, not an application: no script runs in it.
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	} else {
		hd.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, cs.ID, f.Ext))
	}
	return c.Blob(http.StatusOK, f.ContentType, f.Body)
}
