package api

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// maxIDBytes bounds a reach id: real ids (COMIDs, GUIDs) are far shorter,
// and a bound keeps garbage out of logs and lookups.
const maxIDBytes = 256

// query reads a request's query string strictly: it rejects parameters the
// endpoint does not know and parameters given twice, and collects every
// problem so the client hears about all of them at once.
type query struct {
	vals url.Values
	errs ParamErrors
}

// newQuery parses c's raw query for an endpoint accepting the allowed
// parameter names.
func newQuery(c echo.Context, allowed ...string) *query {
	q := &query{}
	vals, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		q.fail("query", "malformed query string (bad percent-encoding or separator)", err)
	}
	q.vals = vals
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !slices.Contains(allowed, k):
			q.fail(k, "unknown parameter; this endpoint accepts "+strings.Join(allowed, ", "), nil)
		case len(vals[k]) > 1:
			q.fail(k, "given more than once", nil)
		}
	}
	return q
}

func (q *query) fail(name, reason string, err error) {
	for _, e := range q.errs {
		if e.Name == name {
			return // one reason per parameter is enough
		}
	}
	q.errs = append(q.errs, &ParamError{Name: name, Reason: reason, Err: err})
}

// err returns the collected errors, nil when there are none.
func (q *query) err() error {
	if len(q.errs) == 0 {
		return nil
	}
	return q.errs
}

// has reports whether name was given (possibly empty).
func (q *query) has(name string) bool {
	_, ok := q.vals[name]
	return ok
}

// str returns a parameter's value, "" when absent.
func (q *query) str(name string) string { return q.vals.Get(name) }

// nonNegative reads an optional finite number ≥ 0; def when absent.
func (q *query) nonNegative(name string, def float64) float64 {
	if !q.has(name) {
		return def
	}
	v, reason := parseNonNegative(q.str(name))
	if reason != "" {
		q.fail(name, reason, nil)
		return def
	}
	return v
}

// parseNonNegative reads a finite decimal number ≥ 0.
func parseNonNegative(s string) (float64, string) {
	v, err := parseFinite(s)
	if err != "" {
		return 0, err
	}
	if v < 0 {
		return 0, fmt.Sprintf("must be ≥ 0, got %s", s)
	}
	return v + 0, "" // + 0 turns -0 into 0
}

// parseFinite reads a finite decimal number, rejecting the NaN, Inf and hex
// forms strconv also accepts.
func parseFinite(s string) (float64, string) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, "must be a number, got an empty value"
	}
	if strings.ContainsAny(t, "xXpP_") {
		return 0, fmt.Sprintf("must be a decimal number, got %q", s)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Sprintf("must be a finite decimal number, got %q", s)
	}
	return v, ""
}

// boolean reads an optional true|false; def when absent.
func (q *query) boolean(name string, def bool) bool {
	if !q.has(name) {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(q.str(name))) {
	case "true":
		return true
	case "false":
		return false
	}
	q.fail(name, fmt.Sprintf("must be true or false, got %q", q.str(name)), nil)
	return def
}

// intRange reads an optional integer in [lo, hi]; def when absent.
func (q *query) intRange(name string, def, lo, hi int) int {
	if !q.has(name) {
		return def
	}
	v, err := strconv.Atoi(strings.TrimSpace(q.str(name)))
	if err != nil || v < lo || v > hi {
		q.fail(name, fmt.Sprintf("must be an integer from %d to %d, got %q", lo, hi, q.str(name)), nil)
		return def
	}
	return v
}

// enum reads an optional value from a fixed set (compared case-
// insensitively, returned as listed); def when absent.
func (q *query) enum(name, def string, values ...string) string {
	if !q.has(name) {
		return def
	}
	v := strings.TrimSpace(q.str(name))
	for _, w := range values {
		if strings.EqualFold(v, w) {
			return w
		}
	}
	q.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(values, ", "), q.str(name)), nil)
	return def
}

// crsCode reads the crs parameter; EPSG:4326 (lon,lat) when absent.
func (q *query) crsCode(name string) crs.Code {
	if !q.has(name) {
		return crs.WGS84
	}
	c, reason := parseCRS(q.str(name))
	if reason != "" {
		q.fail(name, reason, nil)
		return 0
	}
	return c
}

// supportedCRS lists the CRS identifiers clients may send, for messages.
const supportedCRS = "EPSG:4326, EPSG:4269, EPSG:3824, EPSG:3826, EPSG:3825, OGC:CRS84"

// parseCRS reads a CRS identifier in any spelling gis/crs understands.
func parseCRS(s string) (crs.Code, string) {
	c, err := crs.Parse(s)
	switch {
	case errors.Is(err, crs.ErrUnsupported):
		return 0, fmt.Sprintf("CRS %q is not supported; use one of %s", s, supportedCRS)
	case err != nil:
		return 0, fmt.Sprintf("%q is not a CRS identifier; use e.g. EPSG:3826 (supported: %s)", s, supportedCRS)
	}
	return c, ""
}

// parsePoint reads "X,Y" (lon,lat for geographic systems) and checks that
// it is a real position in c.
func parsePoint(s string, c crs.Code) (orb.Point, string) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return orb.Point{}, fmt.Sprintf("must be X,Y (two numbers separated by a comma; lon,lat for geographic CRS), got %q", s)
	}
	var p orb.Point
	for i, part := range parts {
		v, reason := parseFinite(part)
		if reason != "" {
			return orb.Point{}, fmt.Sprintf("must be X,Y with finite numbers, got %q", s)
		}
		p[i] = v
	}
	if c == 0 { // the crs parameter itself was bad; it is reported there
		return p, ""
	}
	if reason := checkPosition(p, c); reason != "" {
		return orb.Point{}, reason
	}
	return p, ""
}

// checkPosition says why p is not a position in c, "" when it is.
func checkPosition(p orb.Point, c crs.Code) string {
	if c.IsGeographic() {
		if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
			return fmt.Sprintf("%g,%g is not a longitude,latitude in %s (X must be in [-180, 180], Y in [-90, 90]; the order is lon,lat)", p[0], p[1], c)
		}
		return ""
	}
	if q, err := crs.Transform(c, crs.WGS84, p); err != nil || math.Abs(q[1]) > 90 || math.Abs(q[0]) > 360 {
		return fmt.Sprintf("%g,%g is not a valid position in %s", p[0], p[1], c)
	}
	return ""
}

// parseBBox reads "minX,minY,maxX,maxY" in c. It is the bounding-box rule
// the coming OGC API Features and tracing endpoints share: finite numbers,
// min ≤ max, within ±180/±90 for geographic systems (no antimeridian
// wrap: Taiwan is nowhere near it).
func parseBBox(s string, c crs.Code) (orb.Bound, string) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, fmt.Sprintf("must be minX,minY,maxX,maxY (four numbers), got %q", s)
	}
	var v [4]float64
	for i, part := range parts {
		f, reason := parseFinite(part)
		if reason != "" {
			return orb.Bound{}, fmt.Sprintf("must be minX,minY,maxX,maxY with finite numbers, got %q", s)
		}
		v[i] = f
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return orb.Bound{}, fmt.Sprintf("minimum exceeds maximum in %q (want minX,minY,maxX,maxY)", s)
	}
	if c != 0 {
		for _, p := range []orb.Point{b.Min, b.Max} {
			if reason := checkPosition(p, c); reason != "" {
				return orb.Bound{}, "corner " + reason
			}
		}
	}
	return b, ""
}

// checkID says why s cannot be a reach id, "" when it can.
func checkID(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > maxIDBytes:
		return fmt.Sprintf("must be at most %d bytes", maxIDBytes)
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

// pathID reads a path parameter as the client wrote it: echo leaves it
// percent-encoded when the request path has encoded slashes or other
// characters that make the raw path differ from the decoded one.
func pathID(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath != "" {
		u, err := url.PathUnescape(v)
		if err != nil {
			return "", &ParamError{Name: name, Reason: "malformed percent-encoding", Err: err}
		}
		v = u
	}
	if reason := checkID(v); reason != "" {
		return "", &ParamError{Name: name, Reason: reason}
	}
	return v, nil
}
