package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// Bounds of POST /api/v1/readings.
const (
	// maxIngestReadings matches the store's MaxIngestBatch, so a batch the
	// in-memory server accepts is one the PostGIS server accepts too.
	maxIngestReadings = 100_000
	// maxIngestBody bounds the body: 100 000 readings of about 250 bytes.
	maxIngestBody = 32 << 20
	// maxIngestErrors bounds the invalid-params list of one batch.
	maxIngestErrors = 50
	// maxNoteBytes bounds a reading's free-text note.
	maxNoteBytes = 2000
)

// ingestReading is one reading as POSTed. Pointers tell an absent field
// from a zero one; the shape is readingJSON's, so readings read from GET
// .../readings can be sent back as they are.
type ingestReading struct {
	Station   *string  `json:"station"`
	Time      *string  `json:"time"`
	Parameter *string  `json:"parameter"`
	Value     *float64 `json:"value"`
	Unit      *string  `json:"unit"`
	Censored  *bool    `json:"censored"`
	Flow      *float64 `json:"flow"`
	FlowUnit  *string  `json:"flow_unit"`
	Note      *string  `json:"note"`
	sampleJSON
}

// toReading validates one posted reading (its measured value as trace
// does, with measurement) and makes it canonical with model.Reading's
// Canonical, the conversion every entry point applies: the parameter's id,
// the value in its canonical unit, the flow in m³/s, the time with the zone
// it was sent in.
func (in ingestReading) toReading(fail func(field, reason string)) model.Reading {
	var r model.Reading
	ok := true
	bad := func(field, reason string) { ok = false; fail(field, reason) }
	switch {
	case in.Station == nil:
		bad("station", "required")
	case checkID(*in.Station) != "":
		bad("station", checkID(*in.Station))
	default:
		r.Station = *in.Station
	}
	if in.Time == nil {
		bad("time", "required: "+timeFormatHint)
	} else if t, reason := parseTime(*in.Time); reason != "" {
		bad("time", reason)
	} else {
		r.Time = t
	}
	if p, valid := measurement(in.Parameter, in.Value, in.Unit, bad); valid {
		r.Parameter, r.Value, r.Unit = p.ID, *in.Value, *in.Unit
	}
	if in.Censored != nil {
		r.Censored = *in.Censored
	}
	switch {
	case in.Flow == nil && in.FlowUnit == nil:
	case in.Flow == nil:
		bad("flow", "flow_unit given without flow")
	case in.FlowUnit == nil:
		bad("flow_unit", "required with flow, e.g. m³/s")
	default:
		_, err := param.Canonical("FLOW", 1, *in.FlowUnit)
		switch {
		case errors.Is(err, param.ErrUnknownUnit):
			bad("flow_unit", fmt.Sprintf("unknown unit %q; give the flow in m³/s or another flow unit", *in.FlowUnit))
		case err != nil:
			bad("flow_unit", fmt.Sprintf("%q is not a unit of flow; use m³/s or another flow unit", *in.FlowUnit))
		case flowField(*in.Flow, *in.FlowUnit, false) != "":
			bad("flow", flowField(*in.Flow, *in.FlowUnit, false))
		default:
			r.Flow, r.FlowUnit = *in.Flow, *in.FlowUnit
		}
	}
	if in.Note != nil {
		if len(*in.Note) > maxNoteBytes {
			bad("note", fmt.Sprintf("must be at most %d bytes", maxNoteBytes))
		} else {
			r.Note = *in.Note
		}
	}
	r.Sample = in.sample(bad)
	if !ok {
		return r
	}
	c, err := r.Canonical()
	if err != nil {
		fail("value", err.Error()) // cannot happen: every field was checked
	}
	return c
}

// ingestResult is the answer of POST /api/v1/readings.
type ingestResult struct {
	// Received counts the readings in the request.
	Received int `json:"received"`
	// Inserted counts the readings stored by this request.
	Inserted int `json:"inserted"`
	// Duplicates counts readings skipped because the same station, time
	// and parameter was stored already (or repeated within the request).
	Duplicates int `json:"duplicates"`
}

// ingest answers POST /api/v1/readings. The whole batch is validated
// before anything is stored, and the answer lists every bad field (up to
// 50) by its place in the array, e.g. "[3].unit".
func (h *tracingHandlers) ingest(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	body, err := readJSONBody(c, maxIngestBody)
	if err != nil {
		return err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return &ParamError{Name: "body", Reason: "must be a JSON array of readings, even for one reading", Err: err}
		}
		return bodyError("", err)
	}
	if len(raw) > maxIngestReadings {
		return &ParamError{Name: "body", Reason: fmt.Sprintf("at most %d readings per request, got %d; split the batch", maxIngestReadings, len(raw))}
	}
	var errs ParamErrors
	readings := make([]model.Reading, 0, len(raw))
	for i, m := range raw {
		if len(errs) >= maxIngestErrors {
			break
		}
		prefix := fmt.Sprintf("[%d].", i)
		var in ingestReading
		if err := decodeStrict(m, prefix, &in); err != nil {
			var pe *ParamError
			if errors.As(err, &pe) {
				if pe.Name == "body" {
					pe.Name = fmt.Sprintf("[%d]", i)
					pe.Reason = "must be a JSON object (a reading)"
				}
				errs = append(errs, pe)
			}
			continue
		}
		r := in.toReading(func(field, reason string) {
			if len(errs) < maxIngestErrors {
				errs = append(errs, &ParamError{Name: prefix + field, Reason: reason})
			}
		})
		readings = append(readings, r)
	}
	if len(errs) > 0 {
		return errs
	}
	stations := make([]string, len(readings))
	for i, r := range readings {
		stations[i] = r.Station
	}
	if err := access.CheckStations(principal(c), stations); err != nil {
		return err
	}
	inserted, dups, err := h.ingester.IngestReadings(c.Request().Context(), readings)
	if err != nil {
		if ce := conflicts(err); len(ce) > 0 {
			return &ConflictError{Conflicts: ce}
		}
		if pes := fieldParamErrors(err); len(pes) > 0 {
			return pes
		}
		return fmt.Errorf("ingest readings: %w", err)
	}
	return c.JSON(http.StatusOK, ingestResult{Received: len(readings), Inserted: inserted, Duplicates: dups})
}

// readingFields maps readings.csv columns to the JSON fields of a posted
// reading, for errors a backend reports in the data directory's terms.
var readingFields = map[string]string{
	"station_id": "station", "time": "time", "parameter": "parameter", "value": "value", "unit": "unit",
	"censored": "censored", "flow": "flow", "flow_unit": "flow_unit", "note": "note",
}

// fieldParamErrors finds the *model.FieldError values of readings in an
// error tree (a backend's verdict on a batch, joined with errors.Join) and
// names each as the posted field it blames.
func fieldParamErrors(err error) ParamErrors {
	var out ParamErrors
	eachError(err, func(e error) bool {
		// eachError unwraps the tree itself, one level at a time, so a
		// plain assertion is what it means here.
		fe, ok := e.(*model.FieldError) //nolint:errorlint // see above
		if !ok || fe.File != model.FileReadings || len(out) >= maxIngestErrors {
			return ok
		}
		name := readingFields[fe.Column]
		if name == "" {
			name = strings.ToLower(fe.Column)
		}
		reason := "invalid"
		if fe.Err != nil {
			reason = fe.Err.Error()
		}
		out = append(out, &ParamError{Name: fmt.Sprintf("[%d].%s", fe.Record, name), Reason: reason, Err: fe})
		return true
	})
	return out
}

// eachError visits every error of a tree built by wrapping and
// errors.Join, depth first; visit returning true stops the descent below
// that error.
func eachError(err error, visit func(error) bool) {
	if err == nil || visit(err) {
		return
	}
	switch u := err.(type) { //nolint:errorlint // walks the tree by hand
	case interface{ Unwrap() []error }:
		for _, x := range u.Unwrap() {
			eachError(x, visit)
		}
	case interface{ Unwrap() error }:
		eachError(u.Unwrap(), visit)
	}
}
