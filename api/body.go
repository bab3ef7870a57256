package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/tracing/param"
)

// Request bodies and the measured values in them are checked here, once,
// for every endpoint that receives them (POST /trace, POST /readings).

// readJSONBody is the gate every POST body passes: declared as JSON and at
// most limit bytes (a 413 beyond).
func readJSONBody(c echo.Context, limit int64) ([]byte, error) {
	if err := requireJSON(c); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the body exceeds %d bytes; send less at a time", limit))
	}
	return body, nil
}

// decodeObject reads a request body that must be one JSON object of v's
// shape: readJSONBody's gate, then decodeStrict (an unknown field, a
// wrong type or trailing data is a parameter error naming the field).
func decodeObject(c echo.Context, limit int64, v any) error {
	body, err := readJSONBody(c, limit)
	if err != nil {
		return err
	}
	return decodeStrict(body, "", v)
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

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields and trailing data; errors name the field at fault, after prefix
// ("[3]." for the fourth element of an array).
func decodeStrict(data []byte, prefix string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(prefix, err)
	}
	if dec.More() {
		return &ParamError{Name: "body", Reason: "must hold one JSON value"}
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
		return &ParamError{Name: "body", Reason: "the JSON document is truncated", Err: err}
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

// measurement checks a measured value as one: a known parameter, a unit
// that fits it, and a value that is finite and, once converted, inside the
// parameter's physical range (pH 0–14, DO ≤ 25 mg/L, no negative
// concentration). Each problem is reported through fail under the field
// it blames. ok is false when any field failed.
func measurement(parameter *string, value *float64, unit *string, fail func(field, reason string)) (p param.Parameter, ok bool) {
	ok = true
	bad := func(field, reason string) { ok = false; fail(field, reason) }
	known := false
	switch {
	case parameter == nil:
		bad("parameter", "required: a parameter such as COD, NH3-N, Cu, DO or pH")
	default:
		var reason string
		if p, reason = lookupParameter(*parameter); reason != "" {
			bad("parameter", reason)
		} else {
			known = true
		}
	}
	switch {
	case unit == nil && known:
		bad("unit", fmt.Sprintf("required: the unit of the value, e.g. %s", p.Unit))
	case unit == nil:
		bad("unit", "required: the unit of the value, e.g. mg/L")
	case known && checkUnit(p, *unit) != "":
		bad("unit", checkUnit(p, *unit))
	}
	switch {
	case value == nil:
		bad("value", "required: the reading's value")
	case checkNumber(*value, math.Inf(-1)) != "":
		bad("value", checkNumber(*value, math.Inf(-1)))
	case known && unit != nil && checkUnit(p, *unit) == "":
		v, _ := p.Canonical(*value, *unit)
		if err := p.Plausible(v); err != nil {
			bad("value", err.Error())
		}
	}
	return p, ok
}

// flowField checks a river flow given in unit: finite, not negative (not
// zero either when positive is set) and below param.MaxFlowM3s.
func flowField(flow float64, unit string, positive bool) string {
	if reason := checkNumber(flow, 0); reason != "" {
		return reason
	}
	if positive && flow == 0 {
		return "must be a river flow greater than 0"
	}
	q, err := param.Canonical("FLOW", flow, unit)
	if err != nil {
		return err.Error()
	}
	if err := param.PlausibleFlow(q); err != nil {
		return err.Error()
	}
	return ""
}
