// Package layer reads the GIS files environmental agencies exchange —
// GeoJSON, GeoPackage, CSV (with optional WKT geometry) and ESRI shapefiles —
// into one generic feature table, so that the rest of envtrace (network
// building, station snapping, tracing) never cares which format a river
// network or monitoring-station list came in.
//
// Geometries are github.com/paulmach/orb values with x = longitude/easting
// and y = latitude/northing; Z and M values are dropped. Attribute values
// are float64, int64, string, bool or nil. Field lookups through the
// Feature accessors are case-insensitive because the same NHDPlus attribute
// appears as COMID in one file and comid in another.
//
// Readers never panic on malformed input; errors name the file, the layer
// (for GeoPackages) and the row, usually as a *RowError.
package layer

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Layer is one table of features read from a GIS file: the
// format-independent result every reader produces, so that network building
// and station matching are written once.
type Layer struct {
	Name     string
	Fields   []string // attribute column names in file order (no geometry column)
	SRID     int      // EPSG code of the geometry, 0 when the file does not say
	Features []Feature
	// Warnings lists problems that did not stop the read, each naming its
	// row and field: today, damaged text in shapefile attributes (a name
	// cut mid-character by a dBASE field width, or already holding U+FFFD).
	// The features keep the values as well as they decode.
	Warnings []*RowError
}

// Feature is one row of a Layer: its attributes and its geometry. Row is
// kept so that problems found later (a broken topology, a bad value) can
// be reported against the line a user can open in the source file.
type Feature struct {
	Row      int            // 1-based row/feature number in the file, for error messages
	Props    map[string]any // float64, int64, string, bool or nil
	Geometry orb.Geometry   // nil when the row has none

	schema *schema  // shared by the features of one layer; nil for hand-made features
	raw    []string // CSV: the row's text as read, indexed like schema.cols
}

// Options tune Read.
type Options struct {
	// Layer names the layer/table to read from multi-layer files
	// (GeoPackage). "" picks a default: the line layer
	// (LINESTRING/MULTILINESTRING) with the most features, or the first
	// feature layer when there is no line layer. For single-layer formats a
	// non-empty Layer must match the layer's name (case-insensitively).
	Layer string
	// Progress, when set, is called periodically with the work done so
	// far and the total, and once more with done == total at the end. The
	// unit is features for GeoPackage and shapefile, and bytes of input for
	// GeoJSON and CSV (whose feature counts are unknown until the end); use
	// the ratio.
	Progress func(done, total int)
}

// LayerInfo describes one layer of a file without reading its features, so
// that a user can be offered a choice of layers.
type LayerInfo struct {
	Name         string
	GeometryType string // POINT, LINESTRING, MULTILINESTRING, POLYGON, ... ; GEOMETRY when mixed; "" when none
	SRID         int    // EPSG code, 0 when the file does not say
	Count        int    // number of features
}

// Errors wrapped by Read and Layers, for errors.Is.
var (
	// ErrUnknownFormat reports a file extension no reader handles.
	ErrUnknownFormat = errors.New("unknown file format")
	// ErrLayerNotFound reports an Options.Layer the file does not have.
	ErrLayerNotFound = errors.New("layer not found")
)

// RowError locates a problem in one row (feature) of a file, so that a
// user can find and fix it.
type RowError struct {
	File  string // path as given to Read
	Layer string // layer name for multi-layer files, "" otherwise
	Row   int    // 1-based row/feature number, as Feature.Row
	Field string // the attribute or geometry column involved, "" when none
	Err   error
}

// Error formats the error as
// `layer: FILE: layer "L": row N: field "F": cause`.
func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString("layer: ")
	b.WriteString(filepath.Base(e.File))
	if e.Layer != "" {
		fmt.Fprintf(&b, ": layer %q", e.Layer)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("error")
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *RowError) Unwrap() error { return e.Err }

// Read reads the features of one layer of a GIS file, choosing the reader
// by the file extension: .geojson/.json, .gpkg, .csv, .shp.
func Read(path string, opt Options) (*Layer, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".geojson", ".json":
		return readGeoJSON(path, opt)
	case ".gpkg":
		return readGPKG(path, opt)
	case ".csv":
		return readCSV(path, opt)
	case ".shp":
		return readShapefile(path, opt)
	default:
		return nil, fmt.Errorf("layer: %s: %w %q (want .geojson, .json, .gpkg, .csv or .shp)", filepath.Base(path), ErrUnknownFormat, ext)
	}
}

// Layers lists the layers of a file: every feature or attribute table of a
// GeoPackage, and a single entry for the single-layer formats (which are
// read in full to count and type their features).
func Layers(path string) ([]LayerInfo, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".gpkg":
		return gpkgLayers(path)
	case ".shp":
		info, err := shapefileInfo(path)
		if err != nil {
			return nil, err
		}
		return []LayerInfo{info}, nil
	case ".geojson", ".json", ".csv":
		l, err := Read(path, Options{})
		if err != nil {
			return nil, err
		}
		return []LayerInfo{{Name: l.Name, GeometryType: l.GeometryType(), SRID: l.SRID, Count: len(l.Features)}}, nil
	default:
		return nil, fmt.Errorf("layer: %s: %w %q (want .geojson, .json, .gpkg, .csv or .shp)", filepath.Base(path), ErrUnknownFormat, ext)
	}
}

// layerNotFoundError reports an Options.Layer that the file lacks, listing
// the layers it has; it matches ErrLayerNotFound.
type layerNotFoundError struct {
	file, want string
	have       []string
}

// Error lists the available layers so the user can correct the name.
func (e *layerNotFoundError) Error() string {
	if e.want == "" {
		return fmt.Sprintf("layer: %s: no feature or attribute layers", filepath.Base(e.file))
	}
	if len(e.have) == 0 {
		return fmt.Sprintf("layer: %s: layer %q not found (the file has no layers)", filepath.Base(e.file), e.want)
	}
	return fmt.Sprintf("layer: %s: layer %q not found (have: %s)", filepath.Base(e.file), e.want, strings.Join(e.have, ", "))
}

// Is makes errors.Is(err, ErrLayerNotFound) work.
func (e *layerNotFoundError) Is(target error) bool { return target == ErrLayerNotFound }

// checkSingleLayer enforces Options.Layer for single-layer formats.
func checkSingleLayer(path, name string, opt Options) error {
	if opt.Layer != "" && !strings.EqualFold(opt.Layer, name) {
		return &layerNotFoundError{file: path, want: opt.Layer, have: []string{name}}
	}
	return nil
}

// baseName is the layer name of a single-layer file: its name without the
// extension.
func baseName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// GeometryType names the geometry type shared by all features (POINT,
// LINESTRING, ...), GEOMETRY when they differ, or "" when no feature has a
// geometry. It lets callers check that a file holds what they expect
// (lines for a river network, points for stations).
func (l *Layer) GeometryType() string {
	t := ""
	for _, f := range l.Features {
		if f.Geometry == nil {
			continue
		}
		gt := GeometryTypeName(f.Geometry)
		if t == "" {
			t = gt
		} else if t != gt {
			return "GEOMETRY"
		}
	}
	return t
}

// Field returns the layer's spelling of a field name, matched
// case-insensitively, so callers can ask for "comid" in a file that says
// "COMID".
func (l *Layer) Field(name string) (string, bool) {
	for _, f := range l.Fields {
		if f == name {
			return f, true
		}
	}
	for _, f := range l.Fields {
		if strings.EqualFold(f, name) {
			return f, true
		}
	}
	return "", false
}

// Bound returns the bounding box of all geometries, for quick sanity checks
// of coordinates and CRS. It is empty (orb.Bound{}) when no feature has a
// geometry.
func (l *Layer) Bound() orb.Bound {
	var b orb.Bound
	first := true
	for _, f := range l.Features {
		if f.Geometry == nil {
			continue
		}
		if first {
			b = f.Geometry.Bound()
			first = false
		} else {
			b = b.Union(f.Geometry.Bound())
		}
	}
	return b
}

// GeometryTypeName returns the upper-case OGC name of g's type (POINT,
// LINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION, ...), the vocabulary of
// GeoPackage and WKT, or "" for nil.
func GeometryTypeName(g orb.Geometry) string {
	switch g.(type) {
	case nil:
		return ""
	case orb.Point:
		return "POINT"
	case orb.MultiPoint:
		return "MULTIPOINT"
	case orb.LineString:
		return "LINESTRING"
	case orb.MultiLineString:
		return "MULTILINESTRING"
	case orb.Ring, orb.Polygon, orb.Bound:
		return "POLYGON"
	case orb.MultiPolygon:
		return "MULTIPOLYGON"
	case orb.Collection:
		return "GEOMETRYCOLLECTION"
	}
	return "GEOMETRY"
}

// schema maps field names to their spelling and (for CSV) column index. It
// is shared by all features of a layer and makes case-insensitive lookups
// O(1).
type schema struct {
	lower map[string]string // lower-case name → name as in the file
	col   map[string]int    // name as in the file → column in Feature.raw
}

func newSchema(fields []string) *schema {
	s := &schema{lower: make(map[string]string, len(fields))}
	for _, f := range fields {
		l := strings.ToLower(f)
		if _, dup := s.lower[l]; !dup {
			s.lower[l] = f
		}
	}
	return s
}

// key resolves name to the key used in Props.
func (f Feature) key(name string) (string, bool) {
	if _, ok := f.Props[name]; ok {
		return name, true
	}
	if f.schema != nil {
		if k, ok := f.schema.lower[strings.ToLower(name)]; ok {
			if _, ok := f.Props[k]; ok {
				return k, true
			}
		}
	}
	for k := range f.Props {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// Value returns the attribute called name, matched case-insensitively
// (an exact match wins). ok is false when the feature has no such field;
// a present but empty value is (nil, true).
func (f Feature) Value(name string) (v any, ok bool) {
	k, ok := f.key(name)
	if !ok {
		return nil, false
	}
	return f.Props[k], true
}

// Float returns a numeric attribute as float64, converting int64 and
// numeric text. ok is false for missing, null or non-numeric values.
func (f Feature) Float(name string) (float64, bool) {
	v, _ := f.Value(name)
	switch v := v.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case string:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return x, err == nil
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Int64 returns an integer attribute, also accepting float64 values with no
// fractional part (NHDPlus stores ids such as Hydroseq as REAL) and
// integer text. ok is false for missing, null, fractional or non-numeric
// values.
func (f Feature) Int64(name string) (int64, bool) {
	v, _ := f.Value(name)
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
			return int64(v), true
		}
	case string:
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		if x, err := strconv.ParseFloat(s, 64); err == nil && x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 {
			return int64(x), true
		}
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// String returns an attribute as text. For CSV files it is the cell
// exactly as written (so ids such as "05428668" keep their leading zero);
// otherwise numbers are formatted without exponent or trailing zeros
// (510146312.0 → "510146312"). ok is false for missing or null values.
func (f Feature) String(name string) (string, bool) {
	if f.raw != nil && f.schema != nil && f.schema.col != nil {
		k := name
		i, ok := f.schema.col[k]
		if !ok {
			if k, ok = f.schema.lower[strings.ToLower(name)]; ok {
				i, ok = f.schema.col[k]
			}
		}
		if ok && i < len(f.raw) {
			if f.raw[i] == "" {
				return "", false
			}
			return f.raw[i], true
		}
	}
	v, _ := f.Value(name)
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// Bool returns a boolean attribute, also accepting numbers (non-zero is
// true) and the usual spellings in text (true/false, t/f, yes/no, y/n,
// 1/0). ok is false for missing, null or unrecognised values.
func (f Feature) Bool(name string) (bool, bool) {
	v, _ := f.Value(name)
	switch v := v.(type) {
	case bool:
		return v, true
	case int64:
		return v != 0, true
	case float64:
		return v != 0, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "t", "yes", "y", "1":
			return true, true
		case "false", "f", "no", "n", "0":
			return false, true
		}
	}
	return false, false
}

// progress throttles Options.Progress to about a hundred calls per read.
type progress struct {
	fn    func(done, total int)
	total int
	step  int
	next  int
}

func newProgress(fn func(done, total int), total int) *progress {
	step := total / 100
	if step < 1 {
		step = 1
	}
	return &progress{fn: fn, total: total, step: step, next: step}
}

func (p *progress) update(done int) {
	if p == nil || p.fn == nil || done < p.next {
		return
	}
	p.next = done + p.step
	if done < p.total {
		p.fn(done, p.total)
	}
}

func (p *progress) finish() {
	if p != nil && p.fn != nil {
		p.fn(p.total, p.total)
	}
}
