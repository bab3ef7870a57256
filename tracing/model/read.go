package model

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/standard"
)

const dateLayout = csvtab.DateLayout

// columns of each file: required first, then optional. The reader rejects
// columns not listed here, so a misspelt header ("lng", "per_wate") is an
// error instead of silently missing data.
var schema = map[string]struct{ required, optional []string }{
	FileFacilities: {[]string{"ems_no", "fac_name"}, []string{"industry", "x", "y", "crs", "lon", "lat", "receiving_water", "note"}},
	FileOutfalls:   {[]string{"ems_no", "let"}, []string{"x", "y", "crs", "lon", "lat", "receiving_water", "note"}},
	FilePermits:    {[]string{"per_no", "ems_no", "per_sdate", "per_edate", "per_water"}, []string{"per_type", "intake_source", "intake_m3d", "treatment_capacity_m3d", "note"}},
	FileLimits:     {[]string{"per_no", "parameter", "value", "unit", "stat_base"}, []string{"let", "bound", "note"}},
	FileReports:    {[]string{"ems_no", "period_start", "period_end", "parameter", "value", "unit", "stat_base"}, []string{"per_no", "let", "no_data", "flow", "flow_unit", "note"}},
	FileStations:   {[]string{"station_id", "name", "kind"}, []string{"x", "y", "crs", "lon", "lat", "river", "water_class", "tidal", "note", "county"}},
	FileReadings:   {[]string{"station_id", "time", "parameter", "value", "unit"}, []string{"censored", "flow", "flow_unit", "note", "sample_id", "method", "lab", "accreditation", "qa_flag"}},
	FileEffluent:   effluentSchema,
}

// fileOrder is the order files are read and written in (referenced kinds
// first).
var fileOrder = []string{FileFacilities, FileOutfalls, FilePermits, FileLimits, FileReports, FileEffluent, FileStations, FileReadings}

// ReadDir reads and validates a data directory. Every kind is optional (a
// missing file means no records of that kind), but a .csv or .geojson file
// with an unknown name is an error, as is any invalid value or broken
// reference. All problems found (up to 50) are returned together, each a
// *FieldError naming file, line and column.
func ReadDir(dir string) (*Dataset, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("model: read data directory: %w", err)
	}
	ds := &Dataset{}
	var p problems
	known := map[string]bool{}
	for _, f := range fileOrder {
		known[f] = true
	}
	for _, n := range NetworkFiles {
		known[n] = true
	}
	for _, n := range OwnedFiles {
		known[n] = true
	}
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if !e.IsDir() && (ext == ".csv" || ext == ".geojson" || ext == ".gpkg") && !known[name] {
			p.add(&FieldError{File: name, Err: fmt.Errorf("unexpected data file; known files are %s, %s and %s", strings.Join(fileOrder, ", "), strings.Join(OwnedFiles, ", "), strings.Join(NetworkFiles, ", "))})
		}
	}
	for _, n := range NetworkFiles {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil && !st.IsDir() {
			if ds.NetworkPath != "" {
				p.add(&FieldError{File: n, Err: fmt.Errorf("two network files; keep only one (already found %s)", filepath.Base(ds.NetworkPath))})
				continue
			}
			ds.NetworkPath = filepath.Join(dir, n)
		}
	}
	r := &reader{p: &p, loc: locator{}, intern: map[string]string{}}
	for _, f := range fileOrder {
		t, err := r.open(dir, f)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		switch f {
		case FileFacilities:
			ds.Facilities = readRows(r, t, (*row).facility)
		case FileOutfalls:
			ds.Outfalls = readRows(r, t, (*row).outfall)
		case FilePermits:
			ds.Permits = readRows(r, t, (*row).permit)
		case FileLimits:
			ds.Limits = readRows(r, t, (*row).limit)
		case FileReports:
			ds.Reports = readRows(r, t, (*row).report)
		case FileEffluent:
			ds.Effluent = readRows(r, t, (*row).effluent)
		case FileStations:
			ds.Stations = readRows(r, t, (*row).station)
		case FileReadings:
			ds.readings = readRows(r, t, (*row).reading)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if err := ds.validate(r.loc); err != nil {
		return nil, err
	}
	return ds, nil
}

// ReadReadings reads one CSV file in the readings.csv format (any name), for
// ingesting new readings into a running system. Each row is validated
// (parameter, unit, time zone, censored flag, physical plausibility) and
// converted to canonical units (Reading.Canonical); whether its station
// exists, and whether it repeats or conflicts with a stored reading, is for
// the receiving store to decide.
func ReadReadings(path string) ([]Reading, error) {
	var p problems
	r := &reader{p: &p, loc: locator{}, intern: map[string]string{}}
	t, err := r.openAs(path, FileReadings)
	if err != nil {
		return nil, err
	}
	if t == nil {
		if err := p.err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("model: %s: %w", path, os.ErrNotExist)
	}
	out := readRows(r, t, (*row).reading)
	lines := r.loc[t.file]
	for i := range out {
		c, err := out[i].Canonical()
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.File, fe.Record, fe.Line = t.file, i, lines[i]
			p.add(fe)
			continue
		}
		out[i] = c
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return out, nil
}

type reader struct {
	p      *problems
	loc    locator
	intern map[string]string
}

// table is one open CSV file with its header resolved.
type table struct {
	file string
	col  map[string]int
	cr   *csv.Reader
	f    *os.File
}

// row is one record being parsed; get/err helpers report against it.
type row struct {
	r    *reader
	t    *table
	rec  []string
	line int
	bad  bool
}

func (r *reader) open(dir, name string) (*table, error) {
	return r.openAs(filepath.Join(dir, name), name)
}

// openAs opens the CSV at path as a file of the given kind (a schema name
// such as FileReadings), reporting problems under the path's base name.
func (r *reader) openAs(path, kind string) (*table, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = 0
	cr.ReuseRecord = false
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		f.Close()
		r.p.add(&FieldError{File: name, Line: 1, Err: errors.New("empty file: a header line is required")})
		return nil, nil
	}
	if err != nil {
		f.Close()
		r.p.add(&FieldError{File: name, Line: 1, Err: err})
		return nil, nil //nolint:nilerr // the problem is collected and reported with the others
	}
	t := &table{file: name, col: map[string]int{}, cr: cr, f: f}
	spec := schema[kind]
	allowed := map[string]bool{}
	for _, c := range append(append([]string{}, spec.required...), spec.optional...) {
		allowed[c] = true
	}
	ok := true
	for i, h := range head {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // Excel's UTF-8 BOM
		}
		if !allowed[h] {
			r.p.add(&FieldError{File: name, Line: 1, Column: h, Err: fmt.Errorf("unknown column (allowed: %s)", strings.Join(append(append([]string{}, spec.required...), spec.optional...), ", "))})
			ok = false
		}
		if _, dup := t.col[h]; dup {
			r.p.add(&FieldError{File: name, Line: 1, Column: h, Err: errors.New("duplicate column")})
			ok = false
		}
		t.col[h] = i
	}
	for _, c := range spec.required {
		if _, has := t.col[c]; !has {
			r.p.add(&FieldError{File: name, Line: 1, Column: c, Err: errors.New("required column missing")})
			ok = false
		}
	}
	for _, pair := range [][2]string{{"x", "y"}, {"lon", "lat"}, {"flow", "flow_unit"}} {
		_, a := t.col[pair[0]]
		_, b := t.col[pair[1]]
		if a != b {
			r.p.add(&FieldError{File: name, Line: 1, Column: pair[0] + "/" + pair[1], Err: errors.New("columns come in pairs: give both or neither")})
			ok = false
		}
	}
	if !ok {
		f.Close()
		return nil, nil
	}
	return t, nil
}

func readRows[T any](r *reader, t *table, parse func(*row) T) []T {
	defer t.f.Close()
	var out []T
	var lines []int
	for {
		rec, err := t.cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := t.cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			r.p.add(&FieldError{File: t.file, Line: line, Err: err})
			if errors.Is(err, csv.ErrFieldCount) {
				continue
			}
			break
		}
		rw := &row{r: r, t: t, rec: rec, line: line}
		v := parse(rw)
		if !rw.bad {
			out = append(out, v)
			lines = append(lines, line)
		}
	}
	r.loc[t.file] = lines
	return out
}

func (w *row) fail(col string, err error) {
	w.bad = true
	w.r.p.add(&FieldError{File: w.t.file, Line: w.line, Column: col, Value: w.raw(col), Err: err})
}

func (w *row) raw(col string) string {
	if i, ok := w.t.col[col]; ok {
		return w.rec[i]
	}
	return ""
}

// str returns a trimmed, interned string: ids repeat on every reading.
func (w *row) str(col string) string {
	s := strings.TrimSpace(w.raw(col))
	if v, ok := w.r.intern[s]; ok {
		return v
	}
	w.r.intern[s] = s
	return s
}

func (w *row) num(col string) float64 {
	s := strings.TrimSpace(w.raw(col))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		w.fail(col, errors.New("not a number"))
		return 0
	}
	return v
}

func (w *row) optNum(col string) *float64 {
	if strings.TrimSpace(w.raw(col)) == "" {
		return nil
	}
	v := w.num(col)
	return &v
}

func (w *row) date(col string) time.Time {
	t, err := csvtab.ParseDate(strings.TrimSpace(w.raw(col)))
	if err != nil {
		w.fail(col, err)
	}
	return t
}

func (w *row) time(col string) time.Time {
	t, err := csvtab.ParseTime(strings.TrimSpace(w.raw(col)))
	if err != nil {
		w.fail(col, err)
	}
	return t
}

func (w *row) required(cols ...string) {
	for _, c := range cols {
		if strings.TrimSpace(w.raw(c)) == "" {
			w.fail(c, errors.New("required"))
		}
	}
}

// point reads x/y (in the grid the crs column names, EPSG:3826 by
// default) or lon/lat, and returns it in EPSG:3826; with both, they must
// agree within 10 m.
func (w *row) point(required bool) *Point {
	xs, ys := strings.TrimSpace(w.raw("x")), strings.TrimSpace(w.raw("y"))
	los, las := strings.TrimSpace(w.raw("lon")), strings.TrimSpace(w.raw("lat"))
	hasXY, hasLL := xs != "" || ys != "", los != "" || las != ""
	if !hasXY && !hasLL {
		if required {
			w.fail("x", errors.New("a location is required: give x,y (EPSG:3826) or lon,lat (WGS84)"))
		}
		return nil
	}
	var p *Point
	if hasXY {
		x, y := w.num("x"), w.num("y")
		c, err := parseXYCRS(w.raw("crs"))
		if err != nil {
			w.fail("crs", err)
		}
		if w.bad {
			return nil
		}
		pt, err := fromXY(x, y, c)
		if err == nil {
			err = checkXY(pt)
		}
		if err != nil {
			w.fail("x", err)
			return nil
		}
		p = &pt
	}
	if hasLL {
		lon, lat := w.num("lon"), w.num("lat")
		if w.bad {
			return nil
		}
		if err := checkLonLat(lon, lat); err != nil {
			w.fail("lon", err)
			return nil
		}
		q := FromLonLat(lon, lat)
		if p != nil {
			if d := math.Hypot(q.X-p.X, q.Y-p.Y); d > 10 {
				w.fail("lon", fmt.Errorf("lon/lat is %.0f m from x/y; they must describe the same point", d))
				return nil
			}
		} else {
			p = &q
		}
	}
	return p
}

func (w *row) param(col string) string {
	s := w.str(col)
	p, err := param.Lookup(s)
	if err != nil {
		w.fail(col, err)
		return s
	}
	if p.Air() {
		w.fail(col, fmt.Errorf("%s is measured in air; air-quality readings belong in air_readings.csv", p.ID))
		return s
	}
	return p.ID
}

func (w *row) unit(col string) string {
	s := strings.TrimSpace(w.raw(col))
	u, err := param.LookupUnit(s)
	if err != nil {
		w.fail(col, err)
		return s
	}
	return u.Symbol
}

func (w *row) statBase(col string) dmr.StatBase {
	b, err := dmr.ParseStatBase(w.raw(col))
	if err != nil {
		w.fail(col, err)
	}
	return b
}

// measured reads value (possibly "<DL") and unit, and checks that the unit
// fits the parameter.
func (w *row) measured(paramID string) (v float64, unit string, censored bool) {
	s := strings.TrimSpace(w.raw("value"))
	if rest, ok := strings.CutPrefix(s, "<"); ok {
		censored = true
		s = strings.TrimSpace(rest)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		w.fail("value", errors.New(`not a number or "<detection limit"`))
		return 0, "", false
	}
	unit = w.unit("unit")
	if w.bad {
		return v, unit, censored
	}
	if p, err := param.Lookup(paramID); err == nil {
		if _, err := p.Canonical(v, unit); err != nil {
			w.fail("unit", err)
		}
	}
	return v, unit, censored
}

func (w *row) flow() (float64, string) {
	fs, us := strings.TrimSpace(w.raw("flow")), strings.TrimSpace(w.raw("flow_unit"))
	switch {
	case fs == "" && us == "":
		return 0, ""
	case fs == "":
		w.fail("flow", errors.New("flow_unit given without flow"))
		return 0, ""
	case us == "":
		w.fail("flow_unit", errors.New("flow given without its unit"))
		return 0, ""
	}
	f := w.num("flow")
	u := w.unit("flow_unit")
	if !w.bad {
		if _, err := param.Canonical("FLOW", f, u); err != nil {
			w.fail("flow_unit", err)
		}
	}
	return f, u
}

func (w *row) facility() Facility {
	w.required("ems_no", "fac_name")
	f := Facility{EmsNo: w.str("ems_no"), Name: w.str("fac_name"), Industry: w.str("industry"),
		ReceivingWater: w.str("receiving_water"), Note: w.str("note")}
	if g := w.geoOutsideTaiwan(); g != nil {
		f.Geo = g
	} else {
		f.Location = w.point(false)
	}
	return f
}

// geoOutsideTaiwan returns a facility's lon/lat when it is given alone and
// lies outside the area EPSG:3826 serves (odour data from Pittsburgh), nil
// otherwise (the row is then read by point, which reports any problem).
func (w *row) geoOutsideTaiwan() *GeoPoint {
	if strings.TrimSpace(w.raw("x")) != "" || strings.TrimSpace(w.raw("y")) != "" {
		return nil
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(w.raw("lon")), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(w.raw("lat")), 64)
	// Inside Taiwan, and numbers that are no lon/lat at all (metres typed
	// into lon/lat), go through point, which converts or reports them.
	if err1 != nil || err2 != nil || checkLonLat(lon, lat) == nil || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
		return nil
	}
	return &GeoPoint{Lon: lon, Lat: lat}
}

func (w *row) outfall() Outfall {
	w.required("ems_no", "let")
	o := Outfall{Facility: w.str("ems_no"), ID: w.str("let"), ReceivingWater: w.str("receiving_water"), Note: w.str("note")}
	if p := w.point(true); p != nil {
		o.Point = *p
	}
	return o
}

func (w *row) permit() Permit {
	w.required("per_no", "ems_no")
	return Permit{PerNo: w.str("per_no"), Facility: w.str("ems_no"), ValidFrom: w.date("per_sdate"), ValidTo: w.date("per_edate"),
		Type: w.str("per_type"), MaxDailyM3: w.num("per_water"), IntakeSource: w.str("intake_source"),
		IntakeM3PerDay: w.optNum("intake_m3d"), TreatmentCapacityM3PerDay: w.optNum("treatment_capacity_m3d"), Note: w.str("note")}
}

func (w *row) limit() PermitLimit {
	w.required("per_no", "parameter")
	l := PermitLimit{Permit: w.str("per_no"), Outfall: w.str("let"), Note: w.str("note")}
	l.Parameter = w.param("parameter")
	l.StatBase = w.statBase("stat_base")
	switch b := strings.ToLower(strings.TrimSpace(w.raw("bound"))); b {
	case "", "upper", "max":
	case "lower", "min":
		l.Bound = dmr.Lower
	default:
		w.fail("bound", errors.New(`must be "upper" (default) or "lower"`))
	}
	if strings.TrimSpace(w.raw("value")) == "" {
		l.ReportOnly = true
		if strings.TrimSpace(w.raw("unit")) != "" {
			l.Unit = w.unit("unit")
		}
		return l
	}
	var cens bool
	l.Value, l.Unit, cens = w.measured(l.Parameter)
	if cens {
		w.fail("value", errors.New(`a limit cannot be "<"`))
	}
	return l
}

func (w *row) report() Report {
	w.required("ems_no", "parameter")
	r := Report{Facility: w.str("ems_no"), Permit: w.str("per_no"), Outfall: w.str("let"), Note: w.str("note")}
	r.Period = dmr.Period{Start: w.date("period_start"), End: w.date("period_end")}
	r.Parameter = w.param("parameter")
	r.StatBase = w.statBase("stat_base")
	r.NoData = w.str("no_data")
	if r.NoData != "" {
		if strings.TrimSpace(w.raw("value")) != "" {
			w.fail("value", errors.New("a value and a no_data code cannot both be given"))
		}
		if strings.TrimSpace(w.raw("unit")) != "" {
			r.Unit = w.unit("unit")
		}
	} else {
		r.Value, r.Unit, r.Censored = w.measured(r.Parameter)
	}
	r.Flow, r.FlowUnit = w.flow()
	return r
}

func (w *row) station() Station {
	w.required("station_id", "name")
	s := Station{ID: w.str("station_id"), Name: w.str("name"), River: w.str("river"), Note: w.str("note")}
	switch k := strings.ToLower(strings.TrimSpace(w.raw("kind"))); k {
	case "fixed", "定點":
		s.Kind = Fixed
	case "continuous", "連續", "自動":
		s.Kind = Continuous
	default:
		w.fail("kind", errors.New(`must be "fixed" or "continuous"`))
	}
	if p := w.point(true); p != nil {
		s.Point = *p
	}
	c, err := standard.ParseClass(w.raw("water_class"))
	if err != nil {
		w.fail("water_class", err)
	}
	s.WaterClass = c
	s.Tidal = w.flag("tidal")
	if v := strings.TrimSpace(w.raw("county")); v != "" {
		code, ok := access.CountyCode(v)
		if !ok {
			w.fail("county", fmt.Errorf("%q is not a county code (TXG, CHA, ...) or name (臺中市, 彰化縣, ...)", v))
		}
		s.County = code
	}
	return s
}

// flag reads an optional true/false column (also 1/0, yes/no); empty is
// false.
func (w *row) flag(col string) bool {
	switch c := strings.ToLower(strings.TrimSpace(w.raw(col))); c {
	case "", "false", "0", "no", "n":
		return false
	case "true", "1", "yes", "y":
		return true
	}
	w.fail(col, errors.New(`must be true or false (or empty)`))
	return false
}

func (w *row) reading() Reading {
	w.required("station_id")
	r := Reading{Station: w.str("station_id"), Time: w.time("time"), Note: w.str("note")}
	r.Parameter = w.param("parameter")
	var prefix bool
	r.Value, r.Unit, prefix = w.measured(r.Parameter)
	r.Censored = prefix
	switch c := strings.ToLower(strings.TrimSpace(w.raw("censored"))); c {
	case "":
	case "true", "1", "yes", "y":
		r.Censored = true
	case "false", "0", "no", "n":
		if prefix {
			w.fail("censored", errors.New(`says false but the value has a "<" prefix`))
		}
	default:
		w.fail("censored", errors.New(`must be true or false (or empty)`))
	}
	r.Flow, r.FlowUnit = w.flow()
	r.Sample = Sample{ID: w.str("sample_id"), Method: w.str("method"), Lab: w.str("lab"), Accreditation: w.str("accreditation"), QA: w.str("qa_flag")}
	return r
}
