package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
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
// through fail.
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
	switch {
	case b.Parameter == nil:
		fail("parameter", "required: a concentration parameter such as COD, NH3-N or Cu")
	default:
		p, reason := concentrationParameter(*b.Parameter)
		if reason != "" {
			fail("parameter", reason)
			break
		}
		req.Parameter = p.ID
		switch {
		case b.Unit == nil:
			fail("unit", fmt.Sprintf("required: the unit of the value, e.g. %s", p.Unit))
		case checkUnit(p, *b.Unit) != "":
			fail("unit", checkUnit(p, *b.Unit))
		default:
			req.Unit = strings.TrimSpace(*b.Unit)
		}
	}
	if b.Parameter == nil && b.Unit == nil {
		fail("unit", "required: the unit of the value, e.g. mg/L")
	}
	switch {
	case b.Value == nil:
		fail("value", "required: the reading's value")
	case checkNumber(*b.Value, 0) != "":
		fail("value", checkNumber(*b.Value, 0))
	default:
		req.Value = *b.Value
	}
	if b.Time == nil {
		fail("time", "required: when the sample was taken; "+timeFormatHint)
	} else if t, reason := parseTime(*b.Time); reason != "" {
		fail("time", reason)
	} else {
		req.Time = t
	}
	if b.Flow != nil {
		if v := *b.Flow; checkNumber(v, 0) != "" || v == 0 {
			fail("flow", fmt.Sprintf("must be a river flow in m³/s greater than 0, got %g; leave it out to use the flows measured at the station", v))
		} else {
			req.FlowM3s = v
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

// decodeObject reads a request body that must be one JSON object of v's
// shape, declared as JSON and at most limit bytes; an unknown field, a
// wrong type or trailing data is a parameter error naming the field.
func decodeObject(c echo.Context, limit int64, v any) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, limit+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError("", err)
	}
	if dec.More() {
		return &ParamError{Name: "body", Reason: "must hold one JSON object"}
	}
	return nil
}

// requireJSON rejects a request body that is not declared as JSON, so a
// form post is not misread.
func requireJSON(c echo.Context) error {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != "application/json" {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the body as application/json")
	}
	return nil
}

// bodyError turns a JSON decoding error into a parameter error naming the
// field at fault where the decoder says which; prefix locates the value
// within the body ("[3]." for the fourth reading of an array).
func bodyError(prefix string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return &ParamError{Name: "body", Reason: "empty body: send a JSON document", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &ParamError{Name: "body", Reason: "the JSON document is truncated (or longer than the server accepts)", Err: err}
	case errors.As(err, &se):
		return &ParamError{Name: "body", Reason: fmt.Sprintf("malformed JSON at byte %d", se.Offset), Err: err}
	case errors.As(err, &te):
		name := prefix + te.Field
		switch {
		case te.Field == "" && prefix == "":
			name = "body"
		case te.Field == "":
			name = strings.TrimSuffix(prefix, ".")
		}
		return &ParamError{Name: name, Reason: fmt.Sprintf("must be a JSON %s, got %s", jsonKind(te.Type.Kind().String()), te.Value), Err: err}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &ParamError{Name: prefix + name, Reason: "unknown field", Err: err}
	}
	return &ParamError{Name: "body", Reason: "not a valid JSON document for this endpoint", Err: err}
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "float64", "float32", "int", "int64":
		return "number"
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	}
	return k
}

// trace runs a validated trace and writes it in format.
func (h *tracingHandlers) trace(c echo.Context, req TraceRequest, format string) error {
	ctx := c.Request().Context()
	tr, err := h.b.Trace(ctx, req)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	res := traceJSON(tr.Result)
	if format != formatGeoJSON {
		return c.JSON(http.StatusOK, res)
	}
	return h.traceGeoJSON(c, req, tr, &res)
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
	// Kind is station, suspect, ruled_out or reach.
	Kind string `json:"kind"`
	// Station, for the station feature.
	Station string `json:"station,omitempty"`
	// Facility fields, for suspect and ruled_out features.
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
			f.Properties.Reason = sp.Evidence.Bracketing
		}
		if p, ok := tr.Outfalls[k]; ok {
			f.Geometry = pointGeom{Type: "Point", Coordinates: *pointJSON(&p)}
		}
		return f
	}
	sw := newStreamWriter(c, mediaGeoJSON, cfg.StreamBufferBytes, cfg.FlushInterval)
	sw.raw(`{"type":"FeatureCollection","trace":`)
	_ = sw.enc.Encode(struct {
		Station     string  `json:"station"`
		Parameter   string  `json:"parameter"`
		Reach       string  `json:"reach"`
		MaxHours    float64 `json:"max_hours"`
		Suspects    int     `json:"suspects"`
		RuledOut    int     `json:"ruled_out"`
		Explained   bool    `json:"explained"`
		Unexplained string  `json:"verdict"`
	}{res.Station, res.Parameter, res.Observation.Reach, req.MaxHours, len(res.Suspects), len(res.RuledOut),
		res.Unexplained.Explained, res.Unexplained.Reason})
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
