package layer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/paulmach/orb"
)

// readGeoJSON reads a FeatureCollection (or a single Feature or bare
// geometry). The SRID comes from the legacy "crs" member (2008 GeoJSON
// spec, still written by GDAL for non-WGS84 data); without one it is 4326,
// as RFC 7946 mandates. A "crs" that cannot be understood gives SRID 0
// rather than a wrong guess.
func readGeoJSON(path string, opt Options) (*Layer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", filepath.Base(path), err)
	}
	return decodeGeoJSON(path, b, opt)
}

// decodeGeoJSON parses GeoJSON text; path is used for the layer name and
// error messages.
func decodeGeoJSON(path string, b []byte, opt Options) (*Layer, error) {
	base := filepath.Base(path)
	// A UTF-8 byte order mark is not JSON but some tools write one.
	b = trimBOM(b)

	l := &Layer{Name: baseName(path), SRID: 4326}
	prog := newProgress(opt.Progress, len(b))
	r := &geojsonReader{s: &jsonScanner{b: b}, path: path, layer: l, fieldSet: map[string]bool{}, prog: prog}
	if err := r.top(); err != nil {
		var re *RowError
		if errors.As(err, &re) {
			return nil, err
		}
		return nil, fmt.Errorf("layer: %s: %w", base, err)
	}
	if err := checkSingleLayer(path, l.Name, opt); err != nil {
		return nil, err
	}
	sc := newSchema(l.Fields)
	for i := range l.Features {
		l.Features[i].schema = sc
	}
	prog.finish()
	return l, nil
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

type geojsonReader struct {
	s        *jsonScanner
	path     string
	layer    *Layer
	fieldSet map[string]bool
	prog     *progress
}

func (r *geojsonReader) addField(k string) {
	if !r.fieldSet[k] {
		r.fieldSet[k] = true
		r.layer.Fields = append(r.layer.Fields, k)
	}
}

// top reads the top-level object. Members may come in any order, so a
// single Feature or geometry is recognised by its "type" after the fact.
func (r *geojsonReader) top() error {
	s := r.s
	if s.peek() != '{' {
		return s.errf("GeoJSON must be an object")
	}
	var (
		typ      string
		sawFeats bool
		single   rawFeature
	)
	err := s.object(func(k string) error {
		switch k {
		case "type":
			t, err := s.str()
			typ = t
			return err
		case "features":
			sawFeats = true
			if s.peek() == 'n' {
				return s.literal("null")
			}
			return s.array(func() error {
				row := len(r.layer.Features) + 1
				f, err := r.feature(row)
				if err != nil {
					return err
				}
				r.layer.Features = append(r.layer.Features, f)
				r.prog.update(s.i)
				return nil
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
			// Members of a single Feature or geometry at the top level.
			return r.featureMember(&single, k, 1)
		default:
			return s.skip()
		}
	})
	if err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	switch typ {
	case "FeatureCollection":
		if !sawFeats {
			return errors.New(`FeatureCollection has no "features" member`)
		}
	case "Feature":
		f, err := r.finishFeature(&single, 1)
		if err != nil {
			return err
		}
		r.layer.Features = append(r.layer.Features, f)
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		single.geom = &rawGeometry{typ: typ, coords: single.coords, coordsSet: single.coordsSet, geoms: single.geoms}
		single.geomSet = true
		f, err := r.finishFeature(&single, 1)
		if err != nil {
			return err
		}
		r.layer.Features = append(r.layer.Features, f)
	case "":
		return errors.New(`GeoJSON object has no "type" member`)
	default:
		return fmt.Errorf("GeoJSON type %q is not a FeatureCollection, Feature or geometry", typ)
	}
	return nil
}

// crs reads the legacy "crs" member into the layer's SRID.
func (r *geojsonReader) crs() error {
	s := r.s
	if s.peek() == 'n' {
		return s.literal("null")
	}
	var name string
	var code any
	err := s.object(func(k string) error {
		if k != "properties" {
			return s.skip()
		}
		if s.peek() != '{' {
			return s.skip()
		}
		return s.object(func(k string) error {
			switch k {
			case "name":
				v, err := s.scalar()
				if str, ok := v.(string); ok {
					name = str
				}
				return err
			case "code": // {"type": "EPSG", "properties": {"code": 3826}}
				v, err := s.scalar()
				code = v
				return err
			}
			return s.skip()
		})
	})
	if err != nil {
		return err
	}
	r.layer.SRID = 0 // present but not understood
	switch {
	case name != "":
		if n, err := crs.ParseEPSG(name); err == nil {
			r.layer.SRID = n
		}
	case code != nil:
		if n, err := crs.ParseEPSG(fmt.Sprint(code)); err == nil {
			r.layer.SRID = n
		}
	}
	return nil
}

// rawFeature collects a feature's members, which may come in any order.
type rawFeature struct {
	props     map[string]any
	id        any
	idSet     bool
	geom      *rawGeometry
	geomSet   bool
	coords    *cnode // top-level bare geometry only
	coordsSet bool
	geoms     []*rawGeometry
}

// rawGeometry is a geometry object whose coordinates are parsed but not yet
// interpreted, because "type" may follow "coordinates".
type rawGeometry struct {
	typ       string
	coords    *cnode
	coordsSet bool
	geoms     []*rawGeometry
}

// cnode is one level of a coordinates array: either a position or a list.
type cnode struct {
	pt    orb.Point
	isPos bool
	kids  []cnode
}

func (r *geojsonReader) feature(row int) (Feature, error) {
	s := r.s
	if s.peek() != '{' {
		return Feature{}, r.rowErr(row, "", s.errf("feature is not an object"))
	}
	var rf rawFeature
	err := s.object(func(k string) error {
		switch k {
		case "properties", "geometry", "id":
			return r.featureMember(&rf, k, row)
		}
		return s.skip()
	})
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			return Feature{}, err
		}
		return Feature{}, r.rowErr(row, "", err)
	}
	return r.finishFeature(&rf, row)
}

func (r *geojsonReader) rowErr(row int, field string, err error) error {
	return &RowError{File: r.path, Row: row, Field: field, Err: err}
}

// featureMember reads one member of a feature (or of a top-level bare
// geometry) into rf.
func (r *geojsonReader) featureMember(rf *rawFeature, k string, row int) error {
	s := r.s
	switch k {
	case "properties":
		if s.peek() == 'n' {
			return s.literal("null")
		}
		if s.peek() != '{' {
			return r.rowErr(row, "properties", s.errf("properties is not an object"))
		}
		rf.props = map[string]any{}
		return s.object(func(k string) error {
			v, err := s.scalar()
			if err != nil {
				return r.rowErr(row, k, err)
			}
			rf.props[k] = v
			r.addField(k)
			return nil
		})
	case "id":
		v, err := s.scalar()
		rf.id, rf.idSet = v, true
		return err
	case "geometry":
		g, err := r.geometry()
		if err != nil {
			return r.rowErr(row, "geometry", err)
		}
		rf.geom, rf.geomSet = g, true
		return nil
	case "coordinates":
		c, err := r.coords()
		rf.coords, rf.coordsSet = c, true
		return err
	case "geometries":
		gs, err := r.geometries()
		rf.geoms = gs
		return err
	}
	return s.skip()
}

func (r *geojsonReader) finishFeature(rf *rawFeature, row int) (Feature, error) {
	f := Feature{Row: row, Props: rf.props}
	if f.Props == nil {
		f.Props = map[string]any{}
	}
	if rf.idSet && rf.id != nil {
		if _, has := f.Props["id"]; !has {
			f.Props["id"] = rf.id
			r.addField("id")
		}
	}
	if rf.geom != nil {
		g, err := rf.geom.build(0)
		if err != nil {
			return Feature{}, r.rowErr(row, "geometry", err)
		}
		f.Geometry = g
	}
	return f, nil
}

func (r *geojsonReader) geometry() (*rawGeometry, error) {
	s := r.s
	if s.peek() == 'n' {
		return nil, s.literal("null")
	}
	if s.peek() != '{' {
		return nil, s.errf("geometry is not an object")
	}
	g := &rawGeometry{}
	err := s.object(func(k string) error {
		switch k {
		case "type":
			t, err := s.str()
			g.typ = t
			return err
		case "coordinates":
			c, err := r.coords()
			g.coords, g.coordsSet = c, true
			return err
		case "geometries":
			gs, err := r.geometries()
			g.geoms = gs
			return err
		}
		return s.skip()
	})
	return g, err
}

func (r *geojsonReader) geometries() ([]*rawGeometry, error) {
	s := r.s
	if s.peek() == 'n' {
		return nil, s.literal("null")
	}
	var gs []*rawGeometry
	err := s.array(func() error {
		g, err := r.geometry()
		if g != nil {
			gs = append(gs, g)
		}
		return err
	})
	return gs, err
}

// coords parses a coordinates value: nested arrays whose innermost arrays
// are positions of two or more numbers (extra ordinates are dropped).
func (r *geojsonReader) coords() (*cnode, error) {
	s := r.s
	if s.peek() == 'n' {
		return nil, s.literal("null")
	}
	var n cnode
	return &n, r.cnodeInto(&n)
}

func (r *geojsonReader) cnodeInto(n *cnode) error {
	s := r.s
	if err := s.expect('['); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	switch c := s.peek(); {
	case c == ']':
		s.i++
		return nil
	case c == '[':
		for {
			n.kids = append(n.kids, cnode{})
			if err := r.cnodeInto(&n.kids[len(n.kids)-1]); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return s.errf("expected ',' or ']' in coordinates")
			}
		}
	default:
		n.isPos = true
		k := 0
		for {
			v, err := s.float()
			if err != nil {
				return err
			}
			if k < 2 {
				n.pt[k] = v
			}
			k++
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				if k < 2 {
					return s.errf("position with %d number(s)", k)
				}
				return nil
			default:
				return s.errf("expected ',' or ']' in position")
			}
		}
	}
}

var errCoordShape = errors.New("coordinates nesting does not match the geometry type")

func (n *cnode) position() (orb.Point, error) {
	if n == nil || !n.isPos {
		return orb.Point{}, errCoordShape
	}
	return n.pt, nil
}

func (n *cnode) points() ([]orb.Point, error) {
	if n == nil || n.isPos {
		return nil, errCoordShape
	}
	ps := make([]orb.Point, len(n.kids))
	for i := range n.kids {
		if !n.kids[i].isPos {
			return nil, errCoordShape
		}
		ps[i] = n.kids[i].pt
	}
	return ps, nil
}

func (n *cnode) polygon() (orb.Polygon, error) {
	if n == nil || n.isPos {
		return nil, errCoordShape
	}
	pg := make(orb.Polygon, len(n.kids))
	for i := range n.kids {
		ps, err := n.kids[i].points()
		if err != nil {
			return nil, err
		}
		pg[i] = orb.Ring(ps)
	}
	return pg, nil
}

// build turns a parsed geometry object into an orb geometry. Empty
// geometries (no coordinates) become nil.
func (g *rawGeometry) build(depth int) (orb.Geometry, error) {
	if g == nil {
		return nil, nil
	}
	if depth > maxJSONDepth {
		return nil, errors.New("geometry collections nested too deeply")
	}
	if g.typ != "GeometryCollection" {
		if !g.coordsSet {
			if g.typ == "" {
				return nil, errors.New(`geometry has no "type"`)
			}
			return nil, fmt.Errorf("%s has no coordinates", g.typ)
		}
		if g.coords == nil || !g.coords.isPos && len(g.coords.kids) == 0 {
			if isGeoJSONType(g.typ) {
				return nil, nil // empty geometry
			}
		}
	}
	c := g.coords
	switch g.typ {
	case "Point":
		p, err := c.position()
		return p, wrapShape(g.typ, err)
	case "MultiPoint":
		ps, err := c.points()
		return orb.MultiPoint(ps), wrapShape(g.typ, err)
	case "LineString":
		ps, err := c.points()
		return orb.LineString(ps), wrapShape(g.typ, err)
	case "MultiLineString":
		if c.isPos {
			return nil, wrapShape(g.typ, errCoordShape)
		}
		ml := make(orb.MultiLineString, len(c.kids))
		for i := range c.kids {
			ps, err := c.kids[i].points()
			if err != nil {
				return nil, wrapShape(g.typ, err)
			}
			ml[i] = ps
		}
		return ml, nil
	case "Polygon":
		p, err := c.polygon()
		return p, wrapShape(g.typ, err)
	case "MultiPolygon":
		if c.isPos {
			return nil, wrapShape(g.typ, errCoordShape)
		}
		mp := make(orb.MultiPolygon, len(c.kids))
		for i := range c.kids {
			p, err := c.kids[i].polygon()
			if err != nil {
				return nil, wrapShape(g.typ, err)
			}
			mp[i] = p
		}
		return mp, nil
	case "GeometryCollection":
		col := make(orb.Collection, 0, len(g.geoms))
		for _, m := range g.geoms {
			mg, err := m.build(depth + 1)
			if err != nil {
				return nil, err
			}
			if mg != nil {
				col = append(col, mg)
			}
		}
		return col, nil
	case "":
		return nil, errors.New(`geometry has no "type"`)
	}
	return nil, fmt.Errorf("unknown geometry type %q", g.typ)
}

func isGeoJSONType(t string) bool {
	switch t {
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
		return true
	}
	return false
}

func wrapShape(typ string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", typ, err)
}
