package postgis

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/envtrace/envtrace/gis/layer"
)

// Geometry travels between Go and PostGIS as EWKB in a bytea value: the
// binary form carries every float64 bit, so a coordinate read back equals
// the one written (text WKT would round), and the SRID travels with it.
// SQL turns the bytea into a geometry with ST_GeomFromEWKB($1) and back
// with ST_AsEWKB(geom).

// ErrGeometry is wrapped by the encode and decode helpers for a geometry
// PostGIS would reject or a value that is not the expected geometry, so
// callers can tell bad data from database failures.
var ErrGeometry = errors.New("postgis: invalid geometry")

// EWKB encodes g with its SRID (0 = unknown) as little-endian extended WKB.
// It refuses non-finite coordinates and lines of one vertex, which PostGIS
// would reject with a less specific message, and an empty or nil geometry,
// which callers store as SQL NULL instead.
func EWKB(g orb.Geometry, srid int) ([]byte, error) {
	if err := checkGeometry(g); err != nil {
		return nil, err
	}
	b, err := ewkb.Marshal(g, srid)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGeometry, err)
	}
	return b, nil
}

// ParseEWKB decodes extended or plain WKB (as ST_AsEWKB and ST_AsBinary
// return) into an orb geometry and its SRID, 0 when the bytes carry none.
// It uses the decoder GeoPackages are read with (layer.DecodeWKB): Z and M
// values, EWKB flags or ISO type codes, are read and dropped, so a 3-D
// column needs no ST_Force2D.
func ParseEWKB(b []byte) (orb.Geometry, int, error) {
	if len(b) == 0 {
		return nil, 0, fmt.Errorf("%w: empty WKB", ErrGeometry)
	}
	g, srid, err := layer.DecodeWKB(b)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrGeometry, err)
	}
	if g == nil {
		return nil, 0, fmt.Errorf("%w: empty point", ErrGeometry)
	}
	return g, srid, nil
}

// LineStringEWKB decodes a WKB value that must be a LineString, as a
// typed column returns it.
func LineStringEWKB(b []byte) (orb.LineString, int, error) {
	g, srid, err := ParseEWKB(b)
	if err != nil {
		return nil, 0, err
	}
	ls, ok := g.(orb.LineString)
	if !ok {
		return nil, 0, fmt.Errorf("%w: want a LineString, got a %s", ErrGeometry, g.GeoJSONType())
	}
	return ls, srid, nil
}

// PointEWKB decodes a WKB value that must be a Point.
func PointEWKB(b []byte) (orb.Point, int, error) {
	g, srid, err := ParseEWKB(b)
	if err != nil {
		return orb.Point{}, 0, err
	}
	p, ok := g.(orb.Point)
	if !ok {
		return orb.Point{}, 0, fmt.Errorf("%w: want a Point, got a %s", ErrGeometry, g.GeoJSONType())
	}
	return p, srid, nil
}

func checkGeometry(g orb.Geometry) error {
	switch t := g.(type) {
	case nil:
		return fmt.Errorf("%w: nil geometry (store SQL NULL instead)", ErrGeometry)
	case orb.Point:
		return checkPoints(t)
	case orb.MultiPoint:
		return checkPoints(t...)
	case orb.LineString:
		return checkLine(t)
	case orb.MultiLineString:
		if len(t) == 0 {
			return fmt.Errorf("%w: empty multilinestring", ErrGeometry)
		}
		for _, l := range t {
			if err := checkLine(l); err != nil {
				return err
			}
		}
		return nil
	case orb.Ring:
		return checkRing(t)
	case orb.Polygon:
		return checkPolygon(t)
	case orb.MultiPolygon:
		if len(t) == 0 {
			return fmt.Errorf("%w: empty multipolygon", ErrGeometry)
		}
		for _, p := range t {
			if err := checkPolygon(p); err != nil {
				return err
			}
		}
		return nil
	case orb.Collection:
		for _, c := range t {
			if err := checkGeometry(c); err != nil {
				return err
			}
		}
		return nil
	case orb.Bound:
		return checkPoints(t.Min, t.Max)
	}
	return fmt.Errorf("%w: unsupported geometry type %T", ErrGeometry, g)
}

func checkPoints(ps ...orb.Point) error {
	for _, p := range ps {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return fmt.Errorf("%w: non-finite coordinate %v", ErrGeometry, p)
		}
	}
	return nil
}

func checkLine(l orb.LineString) error {
	if len(l) == 0 {
		return fmt.Errorf("%w: empty line (store SQL NULL instead)", ErrGeometry)
	}
	if len(l) < 2 {
		return fmt.Errorf("%w: a line needs at least two vertices, got 1", ErrGeometry)
	}
	return checkPoints(l...)
}

func checkRing(r orb.Ring) error {
	if len(r) < 4 {
		return fmt.Errorf("%w: a polygon ring needs at least four vertices, got %d", ErrGeometry, len(r))
	}
	if r[0] != r[len(r)-1] {
		return fmt.Errorf("%w: polygon ring is not closed", ErrGeometry)
	}
	return checkPoints(r...)
}

func checkPolygon(p orb.Polygon) error {
	if len(p) == 0 {
		return fmt.Errorf("%w: empty polygon", ErrGeometry)
	}
	for _, r := range p {
		if err := checkRing(r); err != nil {
			return err
		}
	}
	return nil
}
