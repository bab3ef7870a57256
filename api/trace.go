package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// maxTraceBody bounds a POST /api/v1/trace body: one reading is a few
// hundred bytes.
const maxTraceBody = 64 << 10

// traceBody is a trace request as POSTed, and as a GET's query is read
// into: pointers tell an absent field from a zero one.
type traceBody struct {
	Station   *string  `json:"station"`
	Parameter *string  `json:"parameter"`
	Value     *float64 `json:"value"`
	Unit      *string  `json:"unit"`
	Time      *string  `json:"time"`
	Flow      *float64 `json:"flow"`
	MaxHours  *float64 `json:"max_hours"`
}

// validate turns a body into a TraceRequest, reporting every bad field
// through fail. The reading itself is checked by measurement, the check
// ingest uses too.
func (b traceBody) validate(fail func(name, reason string)) TraceRequest {
	req := TraceRequest{MaxHours: defaultMaxHours}
	switch {
	case b.Station == nil:
		fail("station", "required: the id of the station that took the reading")
	case checkID(*b.Station) != "":
		fail("station", checkID(*b.Station))
	default:
		req.Station = *b.Station
	}
	if p, ok := measurement(b.Parameter, b.Value, b.Unit, fail); ok {
		req.Parameter, req.Value, req.Unit = p.ID, *b.Value, strings.TrimSpace(*b.Unit)
	}
	if b.Time == nil {
		fail("time", "required: when the sample was taken; "+timeFormatHint)
	} else if t, reason := parseTime(*b.Time); reason != "" {
		fail("time", reason)
	} else {
		req.Time = t
	}
	if b.Flow != nil {
		if reason := flowField(*b.Flow, "m³/s", true); reason != "" {
			fail("flow", fmt.Sprintf("%s; give the river flow in m³/s, or leave it out to use the flows measured at the station", reason))
		} else {
			req.FlowM3s = *b.Flow
		}
	}
	if b.MaxHours != nil {
		v := *b.MaxHours
		if checkNumber(v, 0) != "" || v <= 0 || v > maxTraceHours {
			fail("max_hours", fmt.Sprintf("must be a travel time in hours greater than 0 and at most %g, got %g", maxTraceHours, v))
		} else {
			req.MaxHours = v
		}
	}
	return req
}

// traceGet answers GET /api/v1/trace.
func (h *tracingHandlers) traceGet(c echo.Context) error {
	q := newQuery(c, "station", "parameter", "value", "unit", "time", "flow", "max_hours", "format")
	var b traceBody
	str := func(name string) *string {
		if !q.has(name) {
			return nil
		}
		v := q.str(name)
		return &v
	}
	num := func(name string) *float64 {
		if !q.has(name) {
			return nil
		}
		v, reason := parseFinite(q.str(name))
		if reason != "" {
			q.fail(name, reason, nil)
			return nil
		}
		return &v
	}
	b.Station, b.Parameter, b.Unit, b.Time = str("station"), str("parameter"), str("unit"), str("time")
	b.Value, b.Flow, b.MaxHours = num("value"), num("flow"), num("max_hours")
	format := q.enum("format", formatJSON, formatJSON, formatGeoJSON)
	// A number that did not parse is reported already; query.fail keeps
	// the first reason, so validate cannot call it missing as well.
	req := b.validate(func(name, reason string) { q.fail(name, reason, nil) })
	if err := q.err(); err != nil {
		return err
	}
	return h.trace(c, req, format)
}

// tracePost answers POST /api/v1/trace: the same request as a JSON object,
// for clients that hold the reading as a record.
func (h *tracingHandlers) tracePost(c echo.Context) error {
	q := newQuery(c, "format")
	format := q.enum("format", formatJSON, formatJSON, formatGeoJSON)
	if err := q.err(); err != nil {
		return err
	}
	var b traceBody
	if err := decodeObject(c, maxTraceBody, &b); err != nil {
		return err
	}
	var errs ParamErrors
	req := b.validate(func(name, reason string) { errs = append(errs, &ParamError{Name: name, Reason: reason}) })
	if len(errs) > 0 {
		return errs
	}
	return h.trace(c, req, format)
}

// trace runs a validated trace and writes it in format.
func (h *tracingHandlers) trace(c echo.Context, req TraceRequest, format string) error {
	_, pretty := c.QueryParams()["pretty"]
	pretty = pretty || c.Echo().Debug
	key, keep := h.traceKey(c, req)
	keep = keep && format == formatJSON && !pretty
	if keep {
		if e, ok := h.s.traces.get(key); ok {
			return e.send(c)
		}
	}
	tr, err := h.b.Trace(c.Request().Context(), req)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	res := traceJSON(tr.Result)
	redactTrace(c, &res)
	switch {
	case format == formatGeoJSON:
		return h.traceGeoJSON(c, req, tr, &res)
	case pretty:
		return c.JSON(http.StatusOK, res) // indented, as echo does
	}
	var kept func([]byte)
	if keep {
		kept = func(body []byte) { h.s.traces.put(key, body) }
	}
	if err := writeTraceJSON(c, &res, kept); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

// traceFeature is one feature of a trace's GeoJSON: the station, a
// suspect's or ruled-out facility's outfall, or an upstream reach.
type traceFeature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Geometry   any            `json:"geometry"`
	Properties traceFeatProps `json:"properties"`
}

// traceFeatProps are the properties of every trace feature; Kind says
// which of the optional ones apply.
type traceFeatProps struct {
	// Kind is station, suspect, insufficient, ruled_out or reach.
	Kind string `json:"kind"`
	// Station, for the station feature.
	Station string `json:"station,omitempty"`
	// Facility fields, for suspect, insufficient and ruled_out features.
	FacilityID string   `json:"facility_id,omitempty"`
	Name       string   `json:"name,omitempty"`
	Outfall    string   `json:"outfall,omitempty"`
	Rank       *int     `json:"rank,omitempty"`
	Score      *float64 `json:"score,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	// Reach fields, for reach features. Status is suspect, cleared or
	// unexplained (see reachClasses).
	ReachID     string `json:"reach_id,omitempty"`
	Status      string `json:"status,omitempty"`
	StreamOrder int    `json:"stream_order,omitempty"`
	// DistanceKm and TravelHours are from the feature down to the
	// station (outfalls and reaches).
	DistanceKm  *float64 `json:"distance_km,omitempty"`
	TravelHours *float64 `json:"travel_hours,omitempty"`
}

type pointGeom struct {
	Type        string    `json:"type"`
	Coordinates orb.Point `json:"coordinates"`
}

func ptrTo[T any](v T) *T { return &v }

// traceGeoJSON writes a trace as a FeatureCollection (EPSG:4326) that
// drops onto a map: the station, the suspects' outfalls (ranked) and the
// ruled-out ones, then the upstream reaches searched, streamed from the
// network.
func (h *tracingHandlers) traceGeoJSON(c echo.Context, req TraceRequest, tr *TraceResult, res *suspect.Result) error {
	nb := h.s.backend
	cfg := h.s.cfg
	outfall := func(kind string, sp suspect.Suspect) traceFeature {
		k := model.OutfallKey{Facility: sp.FacilityID, ID: sp.Evidence.Outfall}
		f := traceFeature{Type: "Feature", ID: kind + ":" + k.Facility + ":" + k.ID,
			Properties: traceFeatProps{Kind: kind, FacilityID: sp.FacilityID, Name: sp.Name, Outfall: k.ID,
				Score: ptrTo(sp.Score), DistanceKm: ptrTo(sp.DistanceKm), TravelHours: ptrTo(sp.TravelHours)}}
		if kind == "suspect" {
			f.Properties.Rank = ptrTo(sp.Rank)
		} else {
			f.Properties.Reason = sp.Evidence.Reason
		}
		if p, ok := tr.Outfalls[k]; ok {
			f.Geometry = pointGeom{Type: "Point", Coordinates: *pointJSON(&p)}
		}
		return f
	}
	sw := newStreamWriter(c, mediaGeoJSON, cfg.StreamBufferBytes, cfg.FlushInterval)
	sw.raw(`{"type":"FeatureCollection","trace":`)
	_ = sw.enc.Encode(struct {
		Station      string          `json:"station"`
		Parameter    string          `json:"parameter"`
		Reach        string          `json:"reach"`
		MaxHours     float64         `json:"max_hours"`
		Verdict      suspect.Verdict `json:"verdict"`
		Reason       string          `json:"reason"`
		Suspects     int             `json:"suspects"`
		Insufficient int             `json:"insufficient"`
		RuledOut     int             `json:"ruled_out"`
		Explained    bool            `json:"explained"`
	}{res.Station, res.Parameter, res.Observation.Reach, req.MaxHours, res.Verdict, res.Reason, len(res.Suspects),
		len(res.Insufficient), len(res.RuledOut), res.Unexplained.Explained})
	// The whole result rides along, so that a map draws and explains a
	// trace from one request.
	sw.raw(`,"result":`)
	_ = sw.enc.Encode(res)
	sw.raw(`,"features":[`)
	sw.item(traceFeature{Type: "Feature", ID: "station:" + res.Station,
		Geometry:   pointGeom{Type: "Point", Coordinates: *pointJSON(&tr.StationPosition)},
		Properties: traceFeatProps{Kind: "station", Station: res.Station}})
	for _, sp := range res.Suspects {
		sw.item(outfall("suspect", sp))
	}
	for _, sp := range res.Insufficient {
		sw.item(outfall("insufficient", sp))
	}
	for _, sp := range res.RuledOut {
		sw.item(outfall("ruled_out", sp))
	}
	var buf []orb.Point
	rc, err := h.classifyReaches(c.Request().Context(), req, res)
	if err != nil {
		return fmt.Errorf("trace geojson: %w", err)
	}
	nav := NavigateRequest{Start: res.Observation.Reach, Mode: hydro.UT, MaxHours: req.MaxHours, Geometry: true}
	err = nb.Navigate(c.Request().Context(), nav, func(hit NavigateHit) bool {
		status, ok := rc.status(hit.ReachID)
		if !ok {
			return false // a verdict that names nobody draws no reach
		}
		var g *lineJSON
		g, buf = toLine(hit.Geometry, buf)
		f := traceFeature{Type: "Feature", ID: "reach:" + hit.ReachID, Properties: traceFeatProps{Kind: "reach",
			ReachID: hit.ReachID, Status: string(status), Name: hit.Name, StreamOrder: hit.StreamOrder,
			DistanceKm: ptrTo(roundTo(hit.DistanceKm, 6)), TravelHours: ptrTo(roundTo(hit.TravelHours, 6))}}
		if g != nil {
			f.Geometry = g
		}
		return sw.item(f)
	})
	if err == nil {
		err = sw.err()
	}
	if err != nil {
		if !sw.committed() {
			c.Response().Header().Del("X-Accel-Buffering")
		}
		return fmt.Errorf("trace geojson: %w", err)
	}
	sw.raw(`],"numberReturned":` + strconv.Itoa(sw.items) + "}\n")
	return sw.finish()
}
