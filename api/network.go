package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// ErrNothingNear is returned when no reach lies within reach of a point.
var ErrNothingNear = errors.New("no reach near the point")

// Media types of the network endpoints.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaText    = "text/plain; charset=utf-8"
)

// registerNetwork mounts the river-network area under g.
func (s *Server) registerNetwork(g *echo.Group, b NetworkBackend) {
	h := &networkHandlers{s: s, b: b}
	g.GET("/network", h.network)
	g.GET("/reaches/:id", h.reach)
	g.GET("/navigate", h.navigate)
	g.GET("/snap", h.snap)
}

// networkHandlers are the handlers of the network area.
type networkHandlers struct {
	s *Server
	b NetworkBackend
}

// roundTo rounds v to places decimals: results carry what is meaningful
// (millimetres, seconds), not float noise such as 0.30000001192092896.
func roundTo(v float64, places int) float64 {
	p := math.Pow10(places)
	r := math.Round(v*p) / p
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return v
	}
	return r + 0
}

// coordPlaces keeps lon/lat to 1e-7 degree, about a centimetre.
const coordPlaces = 7

// lineJSON is a GeoJSON LineString.
type lineJSON struct {
	Type        string      `json:"type"`
	Coordinates []orb.Point `json:"coordinates"`
}

// toLine rounds a EPSG:4326 polyline into a GeoJSON geometry, reusing buf;
// nil stays nil (GeoJSON null geometry).
func toLine(g orb.LineString, buf []orb.Point) (*lineJSON, []orb.Point) {
	if g == nil {
		return nil, buf
	}
	buf = buf[:0]
	for _, p := range g {
		buf = append(buf, orb.Point{roundTo(p[0], coordPlaces), roundTo(p[1], coordPlaces)})
	}
	return &lineJSON{Type: "LineString", Coordinates: buf}, buf
}

func pointJSON(p *orb.Point) *orb.Point {
	if p == nil {
		return nil
	}
	return &orb.Point{roundTo(p[0], coordPlaces), roundTo(p[1], coordPlaces)}
}

// networkJSON is GET /api/v1/network.
type networkJSON struct {
	Reaches        int          `json:"reaches"`
	LengthKm       float64      `json:"length_km"`
	Outlets        int          `json:"outlets"`
	Headwaters     int          `json:"headwaters"`
	Divergences    int          `json:"divergences"`
	MaxStreamOrder int          `json:"max_stream_order"`
	Topology       string       `json:"topology"`
	SRID           int          `json:"srid"`
	CRS            string       `json:"crs,omitempty"`
	Geographic     bool         `json:"geographic"`
	HasGeometry    bool         `json:"has_geometry"`
	BuildWarnings  int          `json:"build_warnings"`
	LargestOutlets []outletJSON `json:"largest_outlets"`
}

type outletJSON struct {
	ID         string     `json:"id"`
	Reaches    int        `json:"reaches"`
	UpstreamKm float64    `json:"upstream_km"`
	End        *orb.Point `json:"end,omitempty"`
}

func (h *networkHandlers) network(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	info, err := h.b.NetworkInfo(c.Request().Context())
	if err != nil {
		return fmt.Errorf("network info: %w", err)
	}
	out := networkJSON{
		Reaches: info.Reaches, LengthKm: roundTo(info.LengthKm, 3), Outlets: info.Outlets,
		Headwaters: info.Headwaters, Divergences: info.Divergences, MaxStreamOrder: info.MaxOrder,
		Topology: string(info.Topology), SRID: info.SRID, Geographic: info.Geographic,
		HasGeometry: info.HasGeometry, BuildWarnings: info.Problems,
		LargestOutlets: []outletJSON{},
	}
	if info.SRID != 0 {
		out.CRS = crs.Code(info.SRID).String()
	}
	for _, o := range info.LargestOutlets {
		out.LargestOutlets = append(out.LargestOutlets, outletJSON{
			ID: o.ID, Reaches: o.Reaches, UpstreamKm: roundTo(o.UpstreamKm, 3), End: pointJSON(o.End),
		})
	}
	return c.JSON(http.StatusOK, out)
}

// reachFeature is GET /api/v1/reaches/{id}: a GeoJSON Feature.
type reachFeature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   *lineJSON       `json:"geometry"`
	Properties reachProperties `json:"properties"`
}

type reachProperties struct {
	ID                string   `json:"id"`
	Name              string   `json:"name,omitempty"`
	Down              *string  `json:"down"`
	LengthKm          float64  `json:"length_km"`
	PathLengthKm      float64  `json:"pathlength_km"`
	ArbolateSumKm     float64  `json:"arbolate_sum_km"`
	Hydroseq          int64    `json:"hydroseq"`
	LevelPathID       int64    `json:"levelpath_id"`
	TerminalPathID    int64    `json:"terminalpath_id"`
	StreamOrder       int      `json:"stream_order"`
	StartFlag         bool     `json:"start_flag"`
	TerminalFlag      bool     `json:"terminal_flag"`
	VelocityMS        float64  `json:"velocity_ms"`
	TravelHours       float64  `json:"travel_hours"`
	UpstreamReaches   int      `json:"upstream_reaches"`
	MinorDownstreamTo []string `json:"minor_downstream_to"`
}

func (h *networkHandlers) reach(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	r, err := h.b.Reach(c.Request().Context(), id)
	if err != nil {
		return fmt.Errorf("reach %q: %w", id, err)
	}
	a := r.Attrs
	p := reachProperties{
		ID: a.ID, Name: a.Name,
		LengthKm: roundTo(a.LengthKm, 6), PathLengthKm: roundTo(a.PathLengthKm, 6),
		ArbolateSumKm: roundTo(a.ArbolateSumKm, 3), Hydroseq: a.Hydroseq,
		LevelPathID: a.LevelPathID, TerminalPathID: a.TerminalPathID,
		StreamOrder: a.StreamOrder, StartFlag: a.StartFlag, TerminalFlag: a.TerminalFlag,
		VelocityMS: roundTo(a.VelocityMS, 4), TravelHours: roundTo(a.TravelHours, 6),
		UpstreamReaches: r.UpstreamReaches, MinorDownstreamTo: a.MinorDownstreamTo,
	}
	if a.Down != "" {
		p.Down = &a.Down
	}
	if p.MinorDownstreamTo == nil {
		p.MinorDownstreamTo = []string{}
	}
	geom, _ := toLine(r.Geometry, nil)
	c.Response().Header().Set(echo.HeaderContentType, mediaGeoJSON)
	return c.JSON(http.StatusOK, reachFeature{Type: "Feature", ID: a.ID, Geometry: geom, Properties: p})
}

// snapParams is GET /api/v1/snap's query.
type snapParams struct {
	Point        orb.Point
	CRS          crs.Code
	K            int
	MaxDistanceM float64
}

// maxSnapCandidates bounds k: candidates beyond a hundred are never the
// reach a station is on, and k drives the search cost.
const maxSnapCandidates = 100

func parseSnapParams(c echo.Context) (snapParams, error) {
	q := newQuery(c, "point", "crs", "k", "max_distance_m")
	p := snapParams{CRS: q.crsCode("crs")}
	if !q.has("point") {
		q.fail("point", "required: X,Y in the CRS given by crs (lon,lat for EPSG:4326)", nil)
	} else if pt, reason := parsePoint(q.str("point"), p.CRS); reason != "" {
		q.fail("point", reason, nil)
	} else {
		p.Point = pt
	}
	p.K = q.intRange("k", 5, 1, maxSnapCandidates)
	p.MaxDistanceM = q.nonNegative("max_distance_m", 0)
	return p, q.err()
}

// snapJSON is GET /api/v1/snap, the same contract as `envtrace snap`.
type snapJSON struct {
	snapCandidateJSON
	Candidates []snapCandidateJSON `json:"candidates"`
}

type snapCandidateJSON struct {
	ReachID          string     `json:"reach_id"`
	Measure          float64    `json:"measure"`
	OffsetM          float64    `json:"offset_m"`
	StreamOrder      int        `json:"stream_order"`
	Point            *orb.Point `json:"point,omitempty"`
	ReachCode        string     `json:"reachcode,omitempty"`
	ReachCodeMeasure *float64   `json:"reachcode_measure,omitempty"`
}

func toSnapJSON(s SnapCandidate) snapCandidateJSON {
	out := snapCandidateJSON{ReachID: s.ReachID, Measure: roundTo(s.Measure, 4), OffsetM: roundTo(s.OffsetM, 3),
		StreamOrder: s.StreamOrder, Point: pointJSON(s.Point)}
	if s.ReachCode != "" {
		m := roundTo(s.ReachCodeMeasure, 4)
		out.ReachCode, out.ReachCodeMeasure = s.ReachCode, &m
	}
	return out
}

// snapTo asks the backend for candidates and turns its errors into
// parameter errors where the point is to blame.
func (h *networkHandlers) snapTo(c echo.Context, req SnapRequest) ([]SnapCandidate, error) {
	cands, err := h.b.Snap(c.Request().Context(), req)
	switch {
	case errors.Is(err, ErrPointOutOfRange):
		return nil, &ParamError{Name: "point", Reason: fmt.Sprintf("%g,%g in %s cannot be placed on the network's CRS", req.Point[0], req.Point[1], req.CRS), Err: err}
	case err != nil:
		return nil, fmt.Errorf("snap: %w", err)
	case len(cands) == 0:
		return nil, ErrNothingNear
	}
	return cands, nil
}

func (h *networkHandlers) snap(c echo.Context) error {
	p, err := parseSnapParams(c)
	if err != nil {
		return err
	}
	cands, err := h.snapTo(c, SnapRequest(p))
	if err != nil {
		return err
	}
	out := snapJSON{snapCandidateJSON: toSnapJSON(cands[0]), Candidates: make([]snapCandidateJSON, len(cands))}
	for i, s := range cands {
		out.Candidates[i] = toSnapJSON(s)
	}
	return c.JSON(http.StatusOK, out)
}
