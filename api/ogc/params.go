package ogc

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// Query parameter names.
const (
	paramF        = "f"
	paramBBox     = "bbox"
	paramBBoxCRS  = "bbox-crs"
	paramCRS      = "crs"
	paramLimit    = "limit"
	paramOffset   = "offset"
	paramDatetime = "datetime"
)

// Parameters each kind of resource accepts; anything else is rejected.
var (
	metaParams  = []string{paramF}
	itemParams  = []string{paramF, paramCRS}
	itemsParams = []string{paramF, paramBBox, paramBBoxCRS, paramCRS, paramLimit, paramOffset, paramDatetime}
)

// offeredCRS are the output and bbox CRSs every collection supports in
// addition to its storage CRS: CRS84 (the GeoJSON and OGC default),
// EPSG:4326 for clients that insist on the EPSG code (latitude first), and
// TWD97 / TM2 zone 121, the grid Taiwanese agencies and envtrace use.
var offeredCRS = []crs.Code{crs.CRS84, crs.WGS84, crs.TWD97TM2}

// crsList returns the CRSs a collection can be requested in and filtered
// by, default first.
func crsList(c Collection) []crs.Code {
	out := append([]crs.Code(nil), offeredCRS...)
	if c.StorageCRS != 0 && !containsCode(out, c.StorageCRS) {
		out = append(out, c.StorageCRS)
	}
	return out
}

func containsCode(list []crs.Code, c crs.Code) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// checkParams rejects parameters not in allowed and parameters given more
// than once, in alphabetical order so the reported one is deterministic.
func checkParams(q url.Values, allowed []string) error {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			return &ParamError{Name: k, Reason: fmt.Sprintf("unknown parameter; this resource accepts %s", strings.Join(allowed, ", "))}
		}
		if len(q[k]) > 1 {
			return &ParamError{Name: k, Reason: "given more than once"}
		}
	}
	return nil
}

// format is the representation a response is written in.
type format int

const (
	formatJSON    format = iota // application/json
	formatGeoJSON               // application/geo+json
	formatHTML                  // text/html, for people browsing the service
)

// formatName is each format's f value.
var formatName = map[format]string{formatJSON: "json", formatGeoJSON: "geojson", formatHTML: "html"}

// offer lists the formats a resource has: features are GeoJSON, JSON and
// HTML; other resources JSON and HTML, except the API definition, which
// is JSON only.
type offer struct{ features, html bool }

// formats returns the formats of an offer, the default first.
func (o offer) formats() []format {
	out := []format{formatJSON}
	if o.features {
		out = []format{formatGeoJSON, formatJSON}
	}
	if o.html {
		out = append(out, formatHTML)
	}
	return out
}

// parseFormat reads the f parameter, or else the Accept header: a browser
// (text/html listed first) gets HTML where there is some, a client that
// wants only application/json gets plain JSON for features, and everyone
// else the default.
func parseFormat(q url.Values, accept string, o offer) (format, error) {
	if !q.Has(paramF) {
		switch {
		case o.html && wantsHTML(accept):
			return formatHTML, nil
		case o.features && wantsPlainJSON(accept):
			return formatJSON, nil
		}
		return o.formats()[0], nil
	}
	v := q.Get(paramF)
	var names []string
	for _, f := range o.formats() {
		if formatName[f] == v {
			return f, nil
		}
		names = append(names, formatName[f])
	}
	return 0, &ParamError{Name: paramF, Reason: fmt.Sprintf("unsupported format %q; use %s", v, strings.Join(names, " or "))}
}

// wantsHTML reports whether an Accept header puts an HTML type first, as
// browsers do; GIS clients and scripts never do.
func wantsHTML(accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	mt, _, _ := strings.Cut(first, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "text/html", "application/xhtml+xml":
		return true
	}
	return false
}

// wantsPlainJSON reports whether an Accept header names application/json
// but neither GeoJSON nor a wildcard.
func wantsPlainJSON(accept string) bool {
	json := false
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "application/geo+json", "*/*", "application/*":
			return false
		case "application/json":
			json = true
		}
	}
	return json
}

// parseCRSParam reads a crs or bbox-crs value and checks that the
// collection offers it.
func parseCRSParam(name, v string, col Collection) (crs.Code, error) {
	list := crsList(col)
	names := make([]string, len(list))
	for i, c := range list {
		names[i] = c.URI()
	}
	c, err := crs.Parse(v)
	if err != nil {
		if errors.Is(err, crs.ErrUnsupported) {
			return 0, &ParamError{Name: name, Reason: fmt.Sprintf("CRS %q is not supported; use one of %s", v, strings.Join(names, ", "))}
		}
		return 0, &ParamError{Name: name, Reason: fmt.Sprintf("%q is not a CRS identifier; use one of %s", v, strings.Join(names, ", "))}
	}
	if !containsCode(list, c) {
		return 0, &ParamError{Name: name, Reason: fmt.Sprintf("CRS %s is not offered for collection %q; use one of %s", c, col.ID, strings.Join(names, ", "))}
	}
	return c, nil
}

// parseFinite reads one number, rejecting NaN and infinities, which
// strconv accepts but no coordinate can be.
func parseFinite(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// parseBBox reads bbox in the axis order of c and returns it easting
// (longitude) first, plus its CRS84 equivalent.
func parseBBox(v string, c crs.Code) (native, crs84 [4]float64, err error) {
	bad := func(reason string) ([4]float64, [4]float64, error) {
		return [4]float64{}, [4]float64{}, &ParamError{Name: paramBBox, Reason: reason}
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return bad(fmt.Sprintf("must be 4 numbers (minx,miny,maxx,maxy in the axis order of bbox-crs) or 6 with a height range, got %d values", len(parts)))
	}
	nums := make([]float64, len(parts))
	for i, p := range parts {
		f, ok := parseFinite(p)
		if !ok {
			return bad(fmt.Sprintf("value %d (%q) is not a finite number", i+1, p))
		}
		nums[i] = f
	}
	var b [4]float64
	if len(nums) == 6 {
		if nums[2] > nums[5] {
			return bad("the minimum height exceeds the maximum height")
		}
		b = [4]float64{nums[0], nums[1], nums[3], nums[4]}
	} else {
		b = [4]float64{nums[0], nums[1], nums[2], nums[3]}
	}
	if c.LatLonAxisOrder() {
		b = [4]float64{b[1], b[0], b[3], b[2]}
	}
	if c.IsGeographic() {
		axes := "longitude,latitude"
		if c.LatLonAxisOrder() {
			axes = "latitude,longitude"
		}
		for _, lon := range []float64{b[0], b[2]} {
			if lon < -180 || lon > 180 {
				return bad(fmt.Sprintf("longitude %g is outside [-180, 180] (the axis order of %s is %s)", lon, c, axes))
			}
		}
		for _, lat := range []float64{b[1], b[3]} {
			if lat < -90 || lat > 90 {
				return bad(fmt.Sprintf("latitude %g is outside [-90, 90] (the axis order of %s is %s)", lat, c, axes))
			}
		}
		if b[1] > b[3] {
			return bad(fmt.Sprintf("the minimum latitude exceeds the maximum (the axis order of %s is %s)", c, axes))
		}
		// West > east crosses the antimeridian, which the spec allows.
		return b, b, nil
	}
	if b[0] > b[2] || b[1] > b[3] {
		return bad(fmt.Sprintf("a minimum exceeds its maximum (want minx,miny,maxx,maxy in %s)", c))
	}
	t, terr := crs.NewTransformer(c, crs.CRS84)
	if terr != nil {
		return bad(terr.Error())
	}
	g, terr := t.InPlace(orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}})
	r, _ := g.(orb.Bound)
	if terr != nil || !finiteBound(r) || r.Min[1] < -90 || r.Max[1] > 90 || r.Min[0] < -180 || r.Max[0] > 180 {
		return bad(fmt.Sprintf("the box is not a valid area in %s", c))
	}
	return b, [4]float64{r.Min[0], r.Min[1], r.Max[0], r.Max[1]}, nil
}

func finiteBound(b orb.Bound) bool {
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// parseDatetime reads an RFC 3339 instant or interval as OGC API Features
// defines it.
func parseDatetime(v string) (Interval, error) {
	bad := func(reason string) (Interval, error) {
		return Interval{}, &ParamError{Name: paramDatetime, Reason: reason}
	}
	if !strings.Contains(v, "/") {
		if v == "" || v == ".." {
			return bad("must be an RFC 3339 date-time (2024-05-01T08:00:00+08:00), a date, or an interval start/end with .. for an open end")
		}
		start, end, ok := parseInstant(v)
		if !ok {
			return bad(fmt.Sprintf("%q is not an RFC 3339 date-time or date (e.g. 2024-05-01T08:00:00+08:00 or 2024-05-01)", v))
		}
		return Interval{Start: start, End: end}, nil
	}
	a, b, _ := strings.Cut(v, "/")
	if strings.Contains(b, "/") {
		return bad("an interval has exactly one '/'")
	}
	open := func(s string) bool { return s == "" || s == ".." }
	if open(a) && open(b) {
		return bad("at least one end of the interval must be a date-time")
	}
	var iv Interval
	if !open(a) {
		s, _, ok := parseInstant(a)
		if !ok {
			return bad(fmt.Sprintf("interval start %q is not an RFC 3339 date-time or date", a))
		}
		iv.Start = s
	}
	if !open(b) {
		_, e, ok := parseInstant(b)
		if !ok {
			return bad(fmt.Sprintf("interval end %q is not an RFC 3339 date-time or date", b))
		}
		iv.End = e
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() && iv.Start.After(iv.End) {
		return bad("the interval starts after it ends")
	}
	return iv, nil
}

// parseInstant reads a date-time (start = end) or a full date, which
// covers its whole UTC day.
func parseInstant(s string) (start, end time.Time, ok bool) {
	// An unencoded '+' in a zone offset arrives as a space; RFC 3339
	// has no spaces, so restoring it is safe.
	s = strings.ReplaceAll(s, " ", "+")
	if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
		return t, t, true
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, d.Add(24*time.Hour - time.Nanosecond), true
	}
	return time.Time{}, time.Time{}, false
}

// parseLimit reads limit: an integer of at least 1; values above max are
// clamped to max, as Part 1 requires.
func parseLimit(v string, max int) (int, error) {
	v = strings.TrimSpace(v)
	n, err := strconv.Atoi(v)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
			return max, nil
		}
		return 0, &ParamError{Name: paramLimit, Reason: fmt.Sprintf("%q is not an integer; use 1 to %d", v, max)}
	}
	if n < 1 {
		return 0, &ParamError{Name: paramLimit, Reason: fmt.Sprintf("must be at least 1 (maximum %d)", max)}
	}
	if n > max {
		n = max
	}
	return n, nil
}

// maxOffset bounds offset so that offset+limit cannot overflow.
const maxOffset = math.MaxInt32

// parseOffset reads offset, a non-negative integer.
func parseOffset(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > maxOffset {
		return 0, &ParamError{Name: paramOffset, Reason: fmt.Sprintf("%q is not an integer from 0 to %d", v, maxOffset)}
	}
	return n, nil
}

// itemsRequest is a parsed items request.
type itemsRequest struct {
	query  Query
	out    crs.Code
	format format
}

// parseItems validates every parameter of an items request against the
// collection.
func parseItems(q url.Values, accept string, col Collection, cfg Config) (itemsRequest, error) {
	req := itemsRequest{out: crs.CRS84, query: Query{Limit: cfg.DefaultLimit, BBoxCRS: crs.CRS84}}
	allowed := slices.Clone(itemsParams)
	for _, f := range col.Filters {
		allowed = append(allowed, f.Name)
	}
	if err := checkParams(q, allowed); err != nil {
		return req, err
	}
	for _, f := range col.Filters {
		if !q.Has(f.Name) {
			continue
		}
		v := strings.TrimSpace(q.Get(f.Name))
		if v == "" {
			return req, &ParamError{Name: f.Name, Reason: "must not be empty"}
		}
		if req.query.Properties == nil {
			req.query.Properties = map[string]string{}
		}
		req.query.Properties[f.Name] = v
	}
	var err error
	if req.format, err = parseFormat(q, accept, offer{features: true, html: true}); err != nil {
		return req, err
	}
	if q.Has(paramCRS) {
		if req.out, err = parseCRSParam(paramCRS, q.Get(paramCRS), col); err != nil {
			return req, err
		}
	}
	if q.Has(paramBBoxCRS) {
		if req.query.BBoxCRS, err = parseCRSParam(paramBBoxCRS, q.Get(paramBBoxCRS), col); err != nil {
			return req, err
		}
	}
	if q.Has(paramBBox) {
		native, c84, err := parseBBox(q.Get(paramBBox), req.query.BBoxCRS)
		if err != nil {
			return req, err
		}
		req.query.BBox, req.query.BBoxInCRS = &c84, &native
	}
	if q.Has(paramDatetime) {
		if !col.HasTime {
			return req, &ParamError{Name: paramDatetime, Reason: fmt.Sprintf("collection %q has no time dimension", col.ID)}
		}
		iv, err := parseDatetime(q.Get(paramDatetime))
		if err != nil {
			return req, err
		}
		req.query.Datetime = &iv
	}
	if q.Has(paramLimit) {
		if req.query.Limit, err = parseLimit(q.Get(paramLimit), cfg.MaxLimit); err != nil {
			return req, err
		}
	}
	if q.Has(paramOffset) {
		if req.query.Offset, err = parseOffset(q.Get(paramOffset)); err != nil {
			return req, err
		}
	}
	return req, nil
}
