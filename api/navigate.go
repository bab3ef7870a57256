package api

import (
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/hydro"
)

// Output formats of GET /api/v1/navigate.
const (
	formatJSON    = "json"
	formatGeoJSON = "geojson"
	formatIDs     = "ids"
)

// navigateParams is GET /api/v1/navigate's query, parsed and validated.
type navigateParams struct {
	// Exactly one of Start and Point is set.
	Start string
	Point *orb.Point
	CRS   crs.Code
	Mode  hydro.Mode
	// DistanceKm is nil when no distance limit was given.
	DistanceKm *float64
	MaxHours   float64
	Minor      bool
	Format     string
}

func parseNavigateParams(c echo.Context) (navigateParams, error) {
	q := newQuery(c, "start", "point", "crs", "mode", "distance_km", "max_hours", "minor", "format")
	p := navigateParams{CRS: q.crsCode("crs")}
	switch {
	case q.has("start") && q.has("point"):
		q.fail("point", "give either start (a reach id) or point (X,Y), not both", nil)
	case q.has("start"):
		p.Start = q.str("start")
		if reason := checkID(p.Start); reason != "" {
			q.fail("start", reason, nil)
		}
	case q.has("point"):
		if pt, reason := parsePoint(q.str("point"), p.CRS); reason != "" {
			q.fail("point", reason, nil)
		} else {
			p.Point = &pt
		}
	default:
		q.fail("start", "required: give start (a reach id) or point (X,Y, snapped to the nearest reach)", nil)
	}
	if !q.has("mode") {
		q.fail("mode", "required: one of UT, UM, DM, DD", nil)
	} else if m, err := hydro.ParseMode(q.str("mode")); err != nil {
		q.fail("mode", fmt.Sprintf("must be one of UT (upstream with tributaries), UM (upstream main stem), DM (downstream main stem), DD (downstream with diversions); got %q", q.str("mode")), err)
	} else {
		p.Mode = m
	}
	if q.has("distance_km") {
		d := q.nonNegative("distance_km", 0)
		p.DistanceKm = &d
	}
	p.MaxHours = q.nonNegative("max_hours", 0)
	p.Minor = q.boolean("minor", true)
	p.Format = q.enum("format", formatJSON, formatJSON, formatGeoJSON, formatIDs)
	return p, q.err()
}

// navigationJSON echoes the navigation that was run, so a saved result
// documents itself (and shows where a start point was snapped).
type navigationJSON struct {
	Start      string             `json:"start"`
	Mode       string             `json:"mode"`
	DistanceKm *float64           `json:"distance_km,omitempty"`
	MaxHours   float64            `json:"max_hours"`
	Minor      bool               `json:"minor"`
	Snap       *snapCandidateJSON `json:"snap,omitempty"`
}

// hitJSON is one reach of format=json.
type hitJSON struct {
	ID          string  `json:"id"`
	Name        string  `json:"name,omitempty"`
	DistanceKm  float64 `json:"distance_km"`
	TravelHours float64 `json:"travel_hours"`
	StreamOrder int     `json:"stream_order"`
}

// hitFeature is one reach of format=geojson.
type hitFeature struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"`
	Geometry   *lineJSON `json:"geometry"`
	Properties hitJSON   `json:"properties"`
}

func toHitJSON(h NavigateHit) hitJSON {
	return hitJSON{ID: h.ReachID, Name: h.Name, DistanceKm: roundTo(h.DistanceKm, 6),
		TravelHours: roundTo(h.TravelHours, 6), StreamOrder: h.StreamOrder}
}

// navigate answers GET /api/v1/navigate, streaming the result.
func (h *networkHandlers) navigate(c echo.Context) error {
	p, err := parseNavigateParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	nav := navigationJSON{Mode: string(p.Mode), DistanceKm: p.DistanceKm, MaxHours: p.MaxHours, Minor: p.Minor}
	if p.Point != nil {
		cands, err := h.snapTo(c, SnapRequest{Point: *p.Point, CRS: p.CRS, K: 1})
		if err != nil {
			return err
		}
		sj := toSnapJSON(cands[0])
		nav.Snap = &sj
		p.Start = cands[0].ReachID
	}
	nav.Start = p.Start
	if err := ctx.Err(); err != nil {
		return err
	}
	req := NavigateRequest{Start: p.Start, Mode: p.Mode, MaxHours: p.MaxHours,
		SkipMinor: !p.Minor, Geometry: p.Format == formatGeoJSON}
	if p.DistanceKm != nil {
		req.DistanceKm, req.HasDistance = *p.DistanceKm, true
	}

	cfg := h.s.cfg
	var sw *streamWriter
	var yield func(NavigateHit) bool
	switch p.Format {
	case formatIDs:
		sw = newStreamWriter(c, mediaText, cfg.StreamBufferBytes, cfg.FlushInterval)
		if idn, ok := h.b.(IDNavigator); ok {
			return h.finishNavigation(c, p, sw, idn.NavigateIDs(ctx, req, sw.lines))
		}
		var line []byte
		yield = func(hit NavigateHit) bool {
			line = append(append(line[:0], hit.ReachID...), '\n')
			return sw.lines(line, 1)
		}
	case formatGeoJSON:
		sw = newStreamWriter(c, mediaGeoJSON, cfg.StreamBufferBytes, cfg.FlushInterval)
		sw.raw(`{"type":"FeatureCollection","navigation":`)
		_ = sw.enc.Encode(nav)
		sw.raw(`,"features":[`)
		var buf []orb.Point
		yield = func(hit NavigateHit) bool {
			var g *lineJSON
			g, buf = toLine(hit.Geometry, buf)
			return sw.item(hitFeature{Type: "Feature", ID: hit.ReachID, Geometry: g, Properties: toHitJSON(hit)})
		}
	default:
		sw = newStreamWriter(c, mediaJSON, cfg.StreamBufferBytes, cfg.FlushInterval)
		sw.raw(`{"navigation":`)
		_ = sw.enc.Encode(nav)
		sw.raw(`,"reaches":[`)
		yield = func(hit NavigateHit) bool { return sw.item(toHitJSON(hit)) }
	}

	return h.finishNavigation(c, p, sw, h.b.Navigate(ctx, req, yield))
}

// finishNavigation closes a streamed navigation: the error of the
// navigation or of the client, or the format's tail.
func (h *networkHandlers) finishNavigation(c echo.Context, p navigateParams, sw *streamWriter, err error) error {
	if err == nil {
		err = sw.err() // the client went away: the result is incomplete
	}
	if err != nil {
		if !sw.committed() {
			// Nothing reached the client: drop the buffered prefix and let
			// the error handler answer with a problem document.
			c.Response().Header().Del("X-Accel-Buffering")
		}
		return fmt.Errorf("navigate: %w", err)
	}
	switch p.Format {
	case formatGeoJSON:
		sw.raw(`],"numberReturned":` + strconv.Itoa(sw.items) + "}\n")
	case formatJSON:
		sw.raw(`],"count":` + strconv.Itoa(sw.items) + "}\n")
	}
	return sw.finish()
}
