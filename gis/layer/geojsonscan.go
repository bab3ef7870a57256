package layer

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/paulmach/orb"
)

// GeoJSON streams the features of a GeoJSON FeatureCollection without a
// Feature or a property map per feature: the values of the current
// feature are kept as their JSON text, by field position, and its
// geometry is decoded straight into points. It is for readers that know
// their columns (river networks of millions of features), as CSV is for
// CSV files.
//
// The file is mapped, not read whole, and read twice: a first pass checks
// it as Read does and collects the fields (the property names of every
// feature in order of first appearance, "id" for a feature's own id, as
// Layer.Fields), the layer name and SRID; Next then reads the features.
// Each pass hands back the pages it has passed. Files that are not a
// FeatureCollection, and files with a syntax error outside a feature's
// geometry, are refused by OpenGeoJSON with the error Read gives for them
// or ErrNotStreamable; Read then reads them.
type GeoJSON struct {
	file *mappedFile
	s    jsonScanner
	r    geojsonReader
	base int // offset of s.b in file.data (a byte order mark)

	fields  []string
	fieldAt map[string]int
	idField int // position of "id" in fields, -1 when absent
	count   int
	start   int // offset of the features array

	vals  []jsonSpan     // the current feature's values, by field
	set   []int          // fields set in the current feature
	geom  orb.Geometry   // the current feature's geometry, but a line read directly
	line  orb.LineString // the current feature's LineString, read directly
	row   int
	began bool
	done  bool
	err   error
	pts   []orb.Point // scratch for a LineString's positions
	slab  pointSlab   // where the lines' points are kept
}

// ErrNotStreamable says a GeoJSON file is not a FeatureCollection, which
// GeoJSON does not stream (Read reads it).
var ErrNotStreamable = errors.New("layer: not a GeoJSON FeatureCollection")

// jsonSpan is a value's JSON text in the file, end 0 when unset.
type jsonSpan struct{ start, end int }

// OpenGeoJSON maps a GeoJSON file and checks it, collecting its fields.
// opt.Layer, when set, must match the layer name; opt.Progress is told
// the bytes of features read by Next. Close unmaps the file.
func OpenGeoJSON(path string, opt Options) (*GeoJSON, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, err
	}
	b := trimBOM(m.data)
	l := &Layer{Name: baseName(path), SRID: 4326}
	g := &GeoJSON{file: m, s: jsonScanner{b: b}, base: len(m.data) - len(b), fieldAt: map[string]int{}, idField: -1}
	g.r = geojsonReader{s: &g.s, path: path, layer: l, fieldSet: map[string]bool{}, prog: newProgress(opt.Progress, len(b))}
	if err := ReadMapped(path, g.check); err != nil {
		_ = m.close()
		var re *RowError
		if errors.Is(err, ErrNotStreamable) || errors.As(err, &re) {
			return nil, err
		}
		return nil, fmt.Errorf("layer: %s: %w", filepath.Base(path), err)
	}
	if err := checkSingleLayer(path, l.Name, opt); err != nil {
		_ = m.close()
		return nil, err
	}
	g.fields = l.Fields
	for i, f := range g.fields {
		g.fieldAt[f] = i
	}
	if i, ok := g.fieldAt["id"]; ok {
		g.idField = i
	}
	g.vals = make([]jsonSpan, len(g.fields))
	g.s.i, g.s.depth = g.start, 0
	m.drop(0, len(m.data)) // the second pass reads it again
	m.released = 0
	return g, nil
}

// check is the first pass: the top-level object as Read reads it, each
// feature's members skipped but for property names and the id.
func (g *GeoJSON) check() error {
	s, r := &g.s, &g.r
	if s.peek() != '{' {
		return s.errf("GeoJSON must be an object")
	}
	var typ string
	var single rawFeature
	sawFeats := false
	err := s.object(func(k string) error {
		switch k {
		case "type":
			t, err := s.str()
			typ = t
			return err
		case "features":
			if s.peek() != '[' || sawFeats {
				return ErrNotStreamable // null, not an array or twice: Read reads it
			}
			sawFeats = true
			g.start = s.i
			return s.array(func() error {
				g.count++
				err := g.checkFeature(g.count)
				g.file.release(g.base + s.i)
				return err
			})
		case "crs":
			return r.crs()
		case "name":
			if s.peek() == '"' {
				n, err := s.str()
				if err == nil && n != "" {
					r.layer.Name = n
				}
				return err
			}
			return s.skip()
		case "properties", "geometry", "id", "coordinates", "geometries":
			// Checked as Read checks a single Feature's members.
			return r.featureMember(&single, k, 1)
		}
		return s.skip()
	})
	if err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	if typ != "FeatureCollection" || !sawFeats {
		return ErrNotStreamable
	}
	return nil
}

// checkFeature steps over a feature (skipLax), adding its property names
// to the fields as Read does, and its id's when it has no "id" property.
// What it does not check, Next reads exactly.
func (g *GeoJSON) checkFeature(row int) error {
	s, r := &g.s, &g.r
	if s.peek() != '{' {
		return r.rowErr(row, "", s.errf("feature is not an object"))
	}
	var hasID, idSet bool
	err := s.laxMembers(func(k []byte) error {
		switch string(k) {
		case "properties":
			hasID = false
			if s.peek() != '{' {
				return s.skipLax()
			}
			return s.laxMembers(func(k []byte) error {
				if !r.fieldSet[string(k)] {
					r.addField(string(k))
				}
				hasID = hasID || string(k) == "id"
				return s.skipLax()
			})
		case "id":
			idSet = s.peek() != 'n'
		}
		return s.skipLax()
	})
	if err != nil {
		return r.rowErr(row, "", err)
	}
	if idSet && !hasID {
		r.addField("id")
	}
	return nil
}

// Fields are the property names of the features in order of first
// appearance, as Layer.Fields.
func (g *GeoJSON) Fields() []string { return g.fields }

// Name is the layer name: the collection's "name", else the file's base
// name without its extension.
func (g *GeoJSON) Name() string { return g.r.layer.Name }

// SRID is the EPSG code of the legacy "crs" member, 4326 without one, 0
// for one not understood, as Read gives it.
func (g *GeoJSON) SRID() int { return g.r.layer.SRID }

// Len is the number of features.
func (g *GeoJSON) Len() int { return g.count }

// Row is the 1-based number of the current feature, as Feature.Row.
func (g *GeoJSON) Row() int { return g.row }

// Err is the error that stopped Next, nil at the end of the features.
func (g *GeoJSON) Err() error { return g.err }

// Geometry is the current feature's geometry, nil when it has none.
func (g *GeoJSON) Geometry() orb.Geometry {
	if g.line != nil {
		return g.line
	}
	return g.geom
}

// Line is the current feature's geometry when it is a non-empty
// LineString, without the allocation an orb.Geometry holding it costs a
// feature. Its points share blocks with other features' (pointSlab).
func (g *GeoJSON) Line() (orb.LineString, bool) {
	if g.line != nil {
		return g.line, true
	}
	l, ok := g.geom.(orb.LineString)
	return l, ok && len(l) > 0
}

// Close releases the file.
func (g *GeoJSON) Close() error {
	if g.file == nil {
		return nil
	}
	err := g.file.close()
	g.file, g.s.b = nil, nil
	return err
}

// Next advances to the next feature; false after the last or on an error
// (Err), which is the error Read gives for that feature.
func (g *GeoJSON) Next() bool {
	if g.done || g.err != nil {
		return false
	}
	s := &g.s
	g.file.release(g.base + s.i) // the features before are read
	if !g.began {
		g.began = true
		if g.err = s.expect('['); g.err != nil {
			return false
		}
		s.depth = 2 // in the top-level object's features array
		if s.peek() == ']' {
			return g.finish()
		}
	} else {
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			return g.finish()
		default:
			g.err = s.errf("expected ',' or ']' in array")
			return false
		}
	}
	g.row++
	if g.err = g.feature(g.row); g.err != nil {
		return false
	}
	g.r.prog.update(s.i)
	return true
}

func (g *GeoJSON) finish() bool {
	g.done = true
	g.r.prog.finish()
	return false
}

// feature reads one feature's values and geometry, with the errors
// geojsonReader.feature gives.
func (g *GeoJSON) feature(row int) error {
	s, r := &g.s, &g.r
	for _, i := range g.set {
		g.vals[i] = jsonSpan{}
	}
	g.set, g.geom, g.line = g.set[:0], nil, nil
	var id jsonSpan
	var geom *rawGeometry
	var line orb.LineString
	isLine := false
	if s.peek() != '{' {
		return r.rowErr(row, "", s.errf("feature is not an object"))
	}
	err := s.members(func(k []byte) error {
		switch string(k) {
		case "properties":
			for _, i := range g.set {
				g.vals[i] = jsonSpan{}
			}
			g.set = g.set[:0]
			if s.peek() == 'n' {
				return s.literal("null")
			}
			if s.peek() != '{' {
				return r.rowErr(row, "properties", s.errf("properties is not an object"))
			}
			return s.members(func(k []byte) error {
				s.ws()
				start := s.i
				if err := s.skipValue(); err != nil {
					return r.rowErr(row, string(k), err)
				}
				i, ok := g.fieldAt[string(k)]
				if !ok {
					return r.rowErr(row, string(k), errors.New("property not seen when the file was checked: the file changed while read"))
				}
				if g.vals[i].end == 0 {
					g.set = append(g.set, i)
				}
				g.vals[i] = jsonSpan{start, s.i}
				return nil
			})
		case "id":
			s.ws()
			start := s.i
			v, err := s.scalar()
			if v != nil {
				id = jsonSpan{start, s.i}
			} else {
				id = jsonSpan{}
			}
			return err
		case "geometry":
			var err error
			geom, line, isLine, err = g.geometry()
			if err != nil {
				return r.rowErr(row, "geometry", err)
			}
			return nil
		}
		return s.skipValue()
	})
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			return err
		}
		return r.rowErr(row, "", err)
	}
	if id.end != 0 && g.idField >= 0 && g.vals[g.idField].end == 0 {
		g.vals[g.idField] = id
		g.set = append(g.set, g.idField)
	}
	if isLine {
		if len(line) > 0 {
			g.line = line
		}
		return nil
	}
	if geom != nil {
		if g.geom, err = geom.build(0); err != nil {
			return r.rowErr(row, "geometry", err)
		}
	}
	return nil
}

// geometry reads a geometry object. A LineString whose "type" comes
// before its "coordinates" is decoded straight into its points; anything
// else is read as geojsonReader.geometry reads it, for build.
func (g *GeoJSON) geometry() (*rawGeometry, orb.LineString, bool, error) {
	s, r := &g.s, &g.r
	if s.peek() == 'n' {
		return nil, nil, false, s.literal("null")
	}
	if s.peek() != '{' {
		return nil, nil, false, s.errf("geometry is not an object")
	}
	var raw rawGeometry // on the stack: most features are direct lines
	var line orb.LineString
	direct := false
	err := s.members(func(k []byte) error {
		switch string(k) {
		case "type":
			t, err := s.geometryType()
			raw.typ = t
			return err
		case "coordinates":
			direct = false
			if raw.typ == "LineString" {
				if l, ok := g.lineCoords(); ok {
					line, direct = l, true
					raw.coordsSet = true
					return nil
				}
			}
			c, err := r.coords()
			raw.coords, raw.coordsSet = c, true
			return err
		case "geometries":
			gs, err := r.geometries()
			raw.geoms = gs
			return err
		}
		return s.skipValue()
	})
	if err != nil {
		return nil, nil, false, err
	}
	if direct {
		if raw.typ == "LineString" {
			return nil, line, true, nil
		}
		// A later "type" changed the type: build checks the points.
		raw.coords = &cnode{kids: make([]cnode, len(line))}
		for i, p := range line {
			raw.coords.kids[i] = cnode{pt: p, isPos: true}
		}
	}
	kept := raw
	return &kept, nil, false, nil
}

// lineCoords decodes [[x, y, ...], ...] into a LineString of exactly its
// length, its points kept in the scan's slab (nil when empty, as build
// makes an empty geometry). On anything else it leaves the scanner where
// it was and says false, so that the generic reader reads the value and
// reports what is wrong.
func (g *GeoJSON) lineCoords() (orb.LineString, bool) {
	s := &g.s
	start := s.i
	fail := func() (orb.LineString, bool) { s.i = start; return nil, false }
	if s.peek() != '[' {
		return fail()
	}
	s.i++
	pts := g.pts[:0]
	if s.peek() == ']' {
		s.i++
		return nil, true
	}
	for {
		if s.peek() != '[' {
			return fail()
		}
		s.i++
		var p orb.Point
		k := 0
		for {
			v, err := s.fastFloat()
			if err != nil {
				return fail()
			}
			if k < 2 {
				p[k] = v
			}
			k++
			c := s.peek()
			if c == ',' {
				s.i++
				continue
			}
			if c != ']' || k < 2 {
				return fail()
			}
			s.i++
			break
		}
		pts = append(pts, p)
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			g.pts = pts
			return g.slab.line(pts), true
		default:
			return fail()
		}
	}
}

// Kind is the JSON type of field i's value in the current feature: 0 when
// the feature has none, else the value's first byte ('"', 't', 'f', 'n',
// '{', '[', or '-' and digits for numbers).
func (g *GeoJSON) Kind(i int) byte {
	v := g.vals[i]
	if v.end == 0 {
		return 0
	}
	return g.s.b[v.start]
}

// Raw is the JSON text of field i's value in the current feature, nil
// when it has none. It is valid until the next call of Next.
func (g *GeoJSON) Raw(i int) []byte {
	v := g.vals[i]
	if v.end == 0 {
		return nil
	}
	return g.s.b[v.start:v.end]
}

// Value is field i's value in the current feature as Read gives it in
// Feature.Props: string, int64, float64, bool, nil (also when absent), or
// an object or array as its JSON text.
func (g *GeoJSON) Value(i int) any {
	v := g.vals[i]
	if v.end == 0 {
		return nil
	}
	sc := jsonScanner{b: g.s.b[:v.end], i: v.start}
	x, _ := sc.scalar()
	return x
}
