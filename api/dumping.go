package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework/dumping"
)

// DumpingArea is what the illegal-dumping routes need: the desk and the
// photo limit. Who asks comes from the access middleware's principal
// (see dumpingViewer).
type DumpingArea struct {
	Desk *dumping.Desk
	// MaxPhotoBytes bounds an upload (default dumping.DefaultMaxPhotoBytes).
	MaxPhotoBytes int
}

// DumpingBackend is an optional method set: a backend that has a dumping
// desk serves /api/v1/dumping and Open311 at /open311/v2.
type DumpingBackend interface {
	DumpingArea() *DumpingArea
}

// dumpingViewer is what a principal is to the dumping desk: an
// administrator is the centre; a land agency, or an officer whose scope
// names an agency (a county bureau that handles reports), is that
// agency; everybody else is the public.
func dumpingViewer(p access.Principal) dumping.Viewer {
	switch {
	case p.Role == access.Admin:
		return dumping.Viewer{Role: dumping.RoleCentre, Name: p.Subject}
	case (p.Role == access.LandAgency || p.Role == access.Officer) && p.Scope.Agency != "":
		return dumping.Viewer{Role: dumping.RoleAgency, Agency: p.Scope.Agency, Name: p.Subject}
	}
	return dumping.Public
}

// dumpingHandlers serve /api/v1/dumping.
type dumpingHandlers struct {
	s    *Server
	area *DumpingArea
}

// registerDumping mounts the REST routes and Open311.
func (s *Server) registerDumping(v1 *echo.Group, area *DumpingArea) {
	h := &dumpingHandlers{s: s, area: area}
	g := v1.Group("/dumping")
	g.GET("/route", h.route)
	g.GET("/services", h.services)
	g.GET("/agencies", h.agencies)
	g.POST("/reports", h.submit)
	g.GET("/reports", h.queue)
	g.GET("/reports/:id", h.report)
	g.POST("/reports/:id/transitions", h.transition)
	g.POST("/reports/:id/replies", h.reply)
	g.POST("/reports/:id/photos", h.photo)
	g.GET("/reports/:id/audit", h.audit)
	g.GET("/reports/:id/contact", h.contact)
	g.GET("/photos/:id", h.photoGet)
	g.GET("/public/reports", h.publicList)
	g.GET("/public/reports/:id", h.publicOne)
	g.GET("/dashboard", h.dashboard)
	g.GET("/sites", h.sites)
	g.POST("/sites/:id/measures", h.measure)
	g.GET("/patrols", h.patrols)
	g.POST("/patrols", h.patrol)
	s.registerOpen311(s.echo.Group("/open311/v2"), h)
}

// viewer is the caller as the desk knows it.
func (h *dumpingHandlers) viewer(c echo.Context) (dumping.Viewer, error) {
	return dumpingViewer(principal(c)), nil
}

// bind decodes a JSON body strictly into v.
func bind(c echo.Context, v any) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return &ParamError{Name: "body", Reason: "send JSON with Content-Type: application/json"}
	}
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 12<<20)) // a base64 photo of 8 MiB
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &ParamError{Name: "body", Reason: "not the expected JSON object: " + err.Error(), Err: err}
	}
	return nil
}

func (h *dumpingHandlers) route(c echo.Context) error {
	q := newQuery(c, "point", "crs")
	code := q.crsCode("crs")
	p, reason := parsePoint(q.str("point"), code)
	switch {
	case !q.has("point"):
		q.fail("point", "required: X,Y in the CRS given by crs (lon,lat for EPSG:4326)", nil)
	case reason != "":
		q.fail("point", reason, nil)
	}
	if err := q.err(); err != nil {
		return err
	}
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	tw, err := dumping.ToTWD97(p, code)
	if err != nil {
		return &ParamError{Name: "point", Reason: err.Error(), Err: err}
	}
	d := h.area.Desk.Router().Route(tw)
	if v.Role == dumping.RolePublic {
		d.Owner = "" // a private owner's name is personal data
	}
	return c.JSON(http.StatusOK, d)
}

func (h *dumpingHandlers) services(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, dumping.Services)
}

// agencyJSON is an agency as the public directory shows it.
type agencyJSON struct {
	ID    string             `json:"agency_id"`
	Name  string             `json:"name"`
	Kind  dumping.AgencyKind `json:"kind"`
	Email string             `json:"email,omitempty"`
	Phone string             `json:"phone,omitempty"`
	// SLAHours is the service level per state, in hours.
	SLAHours map[dumping.State]float64 `json:"sla_hours"`
}

func (h *dumpingHandlers) agencies(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var out []agencyJSON
	for _, a := range h.area.Desk.Router().Land().Agencies {
		j := agencyJSON{ID: a.ID, Name: a.Name, Kind: a.Kind, Email: a.Email, Phone: a.Phone, SLAHours: map[dumping.State]float64{}}
		for st, d := range a.SLA {
			j.SLAHours[st] = d.Hours()
		}
		out = append(out, j)
	}
	return c.JSON(http.StatusOK, out)
}

// intakeJSON is POST /api/v1/dumping/reports.
type intakeJSON struct {
	ServiceCode string  `json:"service_code"`
	Description string  `json:"description"`
	Address     string  `json:"address"`
	X           float64 `json:"x"`
	Y           float64 `json:"y"`
	CRS         string  `json:"crs"`
	Contact     string  `json:"contact"`
	SeenIt      bool    `json:"seen_it"`
	Witness     bool    `json:"witness"`
	Size        string  `json:"size"`
	WasteType   string  `json:"waste_type"`
	Source      string  `json:"source"`
	// Photo is a JPEG or PNG (base64 in JSON); with UsePhotoLocation, the
	// reporter's consent, and no x, y, its GPS position places the report.
	Photo            []byte `json:"photo"`
	UsePhotoLocation bool   `json:"use_photo_location"`
}

func (h *dumpingHandlers) submit(c echo.Context) error {
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	var in intakeJSON
	if err := bind(c, &in); err != nil {
		return err
	}
	code, reason := parseCRS(in.CRS)
	if in.CRS == "" {
		code, reason = parseCRS("EPSG:4326")
	}
	if reason != "" {
		return &ParamError{Name: "crs", Reason: reason}
	}
	src := in.Source
	if src != "web" && src != "remote-sensing" || src == "remote-sensing" && v.Role == dumping.RolePublic {
		src = "api"
	}
	r, err := h.area.Desk.Submit(c.Request().Context(), v, dumping.Intake{ServiceCode: in.ServiceCode, Description: in.Description,
		Address: in.Address, Point: [2]float64{in.X, in.Y}, CRS: code, Contact: in.Contact, SeenIt: in.SeenIt, Witness: in.Witness,
		Size: in.Size, WasteType: in.WasteType, Source: src, Photo: in.Photo, UsePhotoLocation: in.UsePhotoLocation, MaxPhotoBytes: h.area.MaxPhotoBytes})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.area.Desk.Public(r))
}

func (h *dumpingHandlers) queue(c echo.Context) error {
	q := newQuery(c, "agency", "open", "limit")
	agency := q.str("agency")
	var open *bool
	if q.has("open") {
		b := q.boolean("open", true)
		open = &b
	}
	limit := q.intRange("limit", 500, 1, 5000)
	if err := q.err(); err != nil {
		return err
	}
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	f := dumping.Filter{Open: open, Limit: limit}
	var rs []*dumping.Report
	if agency == "" && v.Role == dumping.RoleAgency {
		agency = v.Agency
	}
	if agency == "" {
		rs, err = h.area.Desk.All(c.Request().Context(), v, f)
	} else {
		rs, err = h.area.Desk.Queue(c.Request().Context(), v, agency, f)
	}
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []*dumping.Report{}
	}
	return c.JSON(http.StatusOK, rs)
}

// withReport reads the id path parameter and the viewer.
func (h *dumpingHandlers) withReport(c echo.Context) (dumping.Viewer, string, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return dumping.Viewer{}, "", err
	}
	v, err := h.viewer(c)
	return v, id, err
}

func (h *dumpingHandlers) report(c echo.Context) error {
	v, id, err := h.withReport(c)
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	r, err := h.area.Desk.Report(c.Request().Context(), v, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// transitionJSON is POST /api/v1/dumping/reports/{id}/transitions.
type transitionJSON struct {
	State           string `json:"state"`
	Reason          string `json:"reason"`
	SuggestedAgency string `json:"suggested_agency"`
	SuggestedOwner  string `json:"suggested_owner"`
	Agency          string `json:"agency"`
}

func (h *dumpingHandlers) transition(c echo.Context) error {
	v, id, err := h.withReport(c)
	if err != nil {
		return err
	}
	var in transitionJSON
	if err := bind(c, &in); err != nil {
		return err
	}
	r, err := h.area.Desk.Move(c.Request().Context(), v, id, dumping.Transition{To: dumping.State(in.State), Reason: in.Reason,
		SuggestedAgency: in.SuggestedAgency, SuggestedOwner: in.SuggestedOwner, Agency: in.Agency})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// replyJSON is POST /api/v1/dumping/reports/{id}/replies.
type replyJSON struct {
	Inspected bool   `json:"inspected"`
	Finding   string `json:"finding"`
}

func (h *dumpingHandlers) reply(c echo.Context) error {
	v, id, err := h.withReport(c)
	if err != nil {
		return err
	}
	var in replyJSON
	if err := bind(c, &in); err != nil {
		return err
	}
	r, err := h.area.Desk.AddReply(c.Request().Context(), v, id, in.Inspected, in.Finding)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r.Replies[len(r.Replies)-1])
}

func (h *dumpingHandlers) photo(c echo.Context) error {
	v, id, err := h.withReport(c)
	if err != nil {
		return err
	}
	max := h.area.MaxPhotoBytes
	if max <= 0 {
		max = dumping.DefaultMaxPhotoBytes
	}
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, int64(max)+1))
	if err != nil {
		return &ParamError{Name: "body", Reason: "could not read the photo", Err: err}
	}
	p, err := h.area.Desk.AddPhoto(c.Request().Context(), v, id, b, max)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": p.ID, "content_type": p.Type, "width": p.Width, "height": p.Height,
		"media_url": h.s.absURL(c, "/api/v1/dumping/photos/"+p.ID)})
}

// absURL makes path absolute, so Open311 clients can follow it: from
// Config.PublicBaseURL, else from the request (whose Host the edge
// allowlist has checked when one is configured).
func (s *Server) absURL(c echo.Context, path string) string {
	if s.cfg.PublicBaseURL != "" {
		return strings.TrimSuffix(s.cfg.PublicBaseURL, "/") + path
	}
	return c.Scheme() + "://" + c.Request().Host + path
}

func (h *dumpingHandlers) photoGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.area.Desk.Photo(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, p.Type, p.Data)
}

func (h *dumpingHandlers) audit(c echo.Context) error {
	v, id, err := h.withReport(c)
	if err != nil {
		return err
	}
	a, err := h.area.Desk.Audit(c.Request().Context(), v, id)
	if err != nil {
		return err
	}
	if a == nil {
		a = []dumping.AuditRecord{}
	}
	return c.JSON(http.StatusOK, a)
}

func (h *dumpingHandlers) contact(c echo.Context) error {
	v, id, err := h.withReport(c)
	if err != nil {
		return err
	}
	ct, err := h.area.Desk.Contact(c.Request().Context(), v, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]string{"id": id, "contact": ct})
}

// maxWindow is the longest period a list of reports may span (Open311
// allows servers to cap it; 90 days).
const maxWindow = 90 * 24 * time.Hour

// window reads start_date and end_date (RFC 3339 with a zone): at most 90
// days, the last 90 days by default.
func window(q *query, now time.Time) (time.Time, time.Time) {
	from := q.timeParam("start_date", false)
	to := q.timeParam("end_date", false)
	switch {
	case from.IsZero() && to.IsZero():
		to = now
		from = to.Add(-maxWindow)
	case to.IsZero():
		to = from.Add(maxWindow)
	case from.IsZero():
		from = to.Add(-maxWindow)
	}
	if to.Before(from) {
		q.fail("end_date", "is before start_date", nil)
	} else if to.Sub(from) > maxWindow {
		q.fail("end_date", "the period may span at most 90 days (Open311 GeoReport v2 lets servers cap it)", nil)
	}
	return from, to
}

func (h *dumpingHandlers) publicList(c echo.Context) error {
	q := newQuery(c, "start_date", "end_date")
	from, to := window(q, time.Now())
	if err := q.err(); err != nil {
		return err
	}
	out, err := h.area.Desk.PublicReports(c.Request().Context(), dumping.Filter{From: from, To: to})
	if err != nil {
		return err
	}
	if out == nil {
		out = []dumping.PublicReport{}
	}
	return c.JSON(http.StatusOK, out)
}

func (h *dumpingHandlers) publicOne(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.area.Desk.PublicReport(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h *dumpingHandlers) dashboard(c echo.Context) error {
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	d, err := h.area.Desk.Dashboard(c.Request().Context(), v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (h *dumpingHandlers) sites(c echo.Context) error {
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	s, err := h.area.Desk.Sites(c.Request().Context(), v)
	if err != nil {
		return err
	}
	if s == nil {
		s = []dumping.Site{}
	}
	return c.JSON(http.StatusOK, s)
}

// measureJSON is POST /api/v1/dumping/sites/{id}/measures.
type measureJSON struct {
	Kind        string    `json:"kind"`
	InstalledAt time.Time `json:"installed_at"`
	Note        string    `json:"note"`
}

func (h *dumpingHandlers) measure(c echo.Context) error {
	v, id, err := h.withReport(c)
	if err != nil {
		return err
	}
	var in measureJSON
	if err := bind(c, &in); err != nil {
		return err
	}
	m, err := h.area.Desk.AddMeasure(c.Request().Context(), v, dumping.Measure{SiteID: id, Kind: in.Kind, InstalledAt: in.InstalledAt, Note: in.Note})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

func (h *dumpingHandlers) patrols(c echo.Context) error {
	q := newQuery(c, "agency")
	if err := q.err(); err != nil {
		return err
	}
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	agency := q.str("agency")
	if agency == "" {
		agency = v.Agency
	}
	ps, err := h.area.Desk.Patrols(c.Request().Context(), v, agency)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []dumping.Patrol{}
	}
	return c.JSON(http.StatusOK, ps)
}

// patrolJSON is POST /api/v1/dumping/patrols: x, y in crs (default
// EPSG:4326 lon,lat).
type patrolJSON struct {
	Agency    string    `json:"agency_id"`
	At        time.Time `json:"at"`
	X         float64   `json:"x"`
	Y         float64   `json:"y"`
	CRS       string    `json:"crs"`
	Finding   string    `json:"finding"`
	Patroller string    `json:"patroller"`
	SiteID    string    `json:"site_id"`
}

func (h *dumpingHandlers) patrol(c echo.Context) error {
	v, err := h.viewer(c)
	if err != nil {
		return err
	}
	var in patrolJSON
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.CRS == "" {
		in.CRS = "EPSG:4326"
	}
	code, reason := parseCRS(in.CRS)
	if reason != "" {
		return &ParamError{Name: "crs", Reason: reason}
	}
	p, err := dumping.ToTWD97([2]float64{in.X, in.Y}, code)
	if err != nil {
		var pe *dumping.PointError
		if errors.As(err, &pe) {
			return &ParamError{Name: "x", Reason: err.Error()}
		}
		return err
	}
	out, err := h.area.Desk.AddPatrol(c.Request().Context(), v, dumping.Patrol{AgencyID: in.Agency, At: in.At, X: p[0], Y: p[1],
		Finding: in.Finding, Patroller: in.Patroller, SiteID: in.SiteID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}
