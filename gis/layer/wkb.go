package layer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// This file decodes (E)WKB, the geometry encoding inside GeoPackage blobs.
// orb's own decoder handles only 2D geometries; NHDPlus GeoPackages carry
// Z and M values, so this decoder reads ISO (type+1000/2000/3000) and EWKB
// (high-bit flags) dimensions and drops everything beyond x and y. Every
// count is checked against the remaining bytes before allocating, so
// corrupt blobs produce errors, never panics or huge allocations.

const (
	wkbPoint              = 1
	wkbLineString         = 2
	wkbPolygon            = 3
	wkbMultiPoint         = 4
	wkbMultiLineString    = 5
	wkbMultiPolygon       = 6
	wkbGeometryCollection = 7

	ewkbZ    = 0x80000000
	ewkbM    = 0x40000000
	ewkbSRID = 0x20000000

	maxWKBDepth = 32
)

var errWKBShort = errors.New("WKB truncated")

// DecodeWKB decodes one WKB, ISO WKB or EWKB geometry that fills b, with
// any Z and M values dropped, and returns the EWKB SRID (0 when absent).
// It is the project's one WKB decoder: GeoPackage blobs and PostGIS values
// (gis/postgis.ParseEWKB) both go through it, so 3-D NHDPlus lines read
// the same from either. A nil geometry is an empty point.
func DecodeWKB(b []byte) (orb.Geometry, int, error) { return decodeWKB(b) }

type wkbReader struct {
	b []byte
	i int
}

// decodeWKB decodes one WKB or EWKB geometry that fills b. It returns the
// EWKB SRID (0 when absent).
func decodeWKB(b []byte) (orb.Geometry, int, error) {
	r := &wkbReader{b: b}
	g, srid, err := r.geometry(0, 0)
	if err != nil {
		return nil, 0, err
	}
	if r.i != len(b) {
		return nil, 0, fmt.Errorf("WKB has %d trailing bytes", len(b)-r.i)
	}
	return g, srid, nil
}

func (r *wkbReader) need(n int) error {
	if n < 0 || len(r.b)-r.i < n {
		return errWKBShort
	}
	return nil
}

func (r *wkbReader) uint32(bo binary.ByteOrder) (uint32, error) {
	if err := r.need(4); err != nil {
		return 0, err
	}
	v := bo.Uint32(r.b[r.i:])
	r.i += 4
	return v, nil
}

// count reads an element count and checks that at least minBytes per
// element remain.
func (r *wkbReader) count(bo binary.ByteOrder, minBytes int) (int, error) {
	n, err := r.uint32(bo)
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(minBytes) > uint64(len(r.b)-r.i) {
		return 0, fmt.Errorf("WKB count %d exceeds the %d bytes left", n, len(r.b)-r.i)
	}
	return int(n), nil
}

// points reads n points of dims doubles each, keeping x and y.
func (r *wkbReader) points(bo binary.ByteOrder, n, dims int) ([]orb.Point, error) {
	if err := r.need(n * dims * 8); err != nil {
		return nil, err
	}
	ps := make([]orb.Point, n)
	for k := range ps {
		ps[k][0] = math.Float64frombits(bo.Uint64(r.b[r.i:]))
		ps[k][1] = math.Float64frombits(bo.Uint64(r.b[r.i+8:]))
		r.i += dims * 8
	}
	return ps, nil
}

// geometry reads one geometry; want restricts its base type (0 = any).
func (r *wkbReader) geometry(depth int, want uint32) (orb.Geometry, int, error) {
	if depth > maxWKBDepth {
		return nil, 0, errors.New("WKB nested too deeply")
	}
	if err := r.need(1); err != nil {
		return nil, 0, err
	}
	var bo binary.ByteOrder
	switch r.b[r.i] {
	case 0:
		bo = binary.BigEndian
	case 1:
		bo = binary.LittleEndian
	default:
		return nil, 0, fmt.Errorf("WKB byte order %d at offset %d", r.b[r.i], r.i)
	}
	r.i++
	t, err := r.uint32(bo)
	if err != nil {
		return nil, 0, err
	}
	srid := 0
	dims := 2
	if t&ewkbZ != 0 {
		dims++
	}
	if t&ewkbM != 0 {
		dims++
	}
	if t&ewkbSRID != 0 {
		s, err := r.uint32(bo)
		if err != nil {
			return nil, 0, err
		}
		srid = int(int32(s))
	}
	t &^= ewkbZ | ewkbM | ewkbSRID
	switch t / 1000 {
	case 0:
	case 1, 2: // Z or M
		dims++
	case 3: // ZM
		dims += 2
	default:
		return nil, 0, fmt.Errorf("WKB geometry type %d not supported", t)
	}
	if dims > 4 {
		return nil, 0, fmt.Errorf("WKB geometry type %d has conflicting dimension flags", t)
	}
	base := t % 1000
	if want != 0 && base != want {
		return nil, 0, fmt.Errorf("WKB geometry type %d where %d was expected", base, want)
	}
	ptBytes := dims * 8

	switch base {
	case wkbPoint:
		ps, err := r.points(bo, 1, dims)
		if err != nil {
			return nil, 0, err
		}
		p := ps[0]
		if math.IsNaN(p[0]) && math.IsNaN(p[1]) {
			return nil, srid, nil // POINT EMPTY
		}
		return p, srid, nil
	case wkbLineString:
		n, err := r.count(bo, ptBytes)
		if err != nil {
			return nil, 0, err
		}
		ps, err := r.points(bo, n, dims)
		return orb.LineString(ps), srid, err
	case wkbPolygon:
		p, err := r.polygon(bo, dims)
		return p, srid, err
	case wkbMultiPoint, wkbMultiLineString, wkbMultiPolygon, wkbGeometryCollection:
		n, err := r.count(bo, 9) // each member has at least a header
		if err != nil {
			return nil, 0, err
		}
		var member uint32
		switch base {
		case wkbMultiPoint:
			member = wkbPoint
		case wkbMultiLineString:
			member = wkbLineString
		case wkbMultiPolygon:
			member = wkbPolygon
		}
		var (
			mp  orb.MultiPoint
			ml  orb.MultiLineString
			mpg orb.MultiPolygon
			col orb.Collection
		)
		for k := 0; k < n; k++ {
			g, _, err := r.geometry(depth+1, member)
			if err != nil {
				return nil, 0, err
			}
			switch base {
			case wkbMultiPoint:
				if g != nil {
					mp = append(mp, g.(orb.Point))
				}
			case wkbMultiLineString:
				ml = append(ml, g.(orb.LineString))
			case wkbMultiPolygon:
				mpg = append(mpg, g.(orb.Polygon))
			default:
				if g != nil {
					col = append(col, g)
				}
			}
		}
		switch base {
		case wkbMultiPoint:
			return mp, srid, nil
		case wkbMultiLineString:
			return ml, srid, nil
		case wkbMultiPolygon:
			return mpg, srid, nil
		}
		return col, srid, nil
	}
	return nil, 0, fmt.Errorf("WKB geometry type %d not supported", t)
}

func (r *wkbReader) polygon(bo binary.ByteOrder, dims int) (orb.Polygon, error) {
	nr, err := r.count(bo, 4)
	if err != nil {
		return nil, err
	}
	p := make(orb.Polygon, 0, nr)
	for k := 0; k < nr; k++ {
		n, err := r.count(bo, dims*8)
		if err != nil {
			return nil, err
		}
		ps, err := r.points(bo, n, dims)
		if err != nil {
			return nil, err
		}
		p = append(p, orb.Ring(ps))
	}
	return p, nil
}

// decodeGPKGBlob decodes a GeoPackage geometry blob: the "GP" header
// (version, flags, srs_id, optional envelope) followed by WKB. It returns
// the header's srs_id. An empty geometry decodes to nil.
func decodeGPKGBlob(b []byte) (orb.Geometry, int, error) {
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("GeoPackage geometry blob of %d bytes is too short", len(b))
	}
	if b[0] != 'G' || b[1] != 'P' {
		return nil, 0, fmt.Errorf("GeoPackage geometry blob does not start with \"GP\" (got % x)", b[:2])
	}
	if b[2] != 0 {
		return nil, 0, fmt.Errorf("GeoPackage geometry blob version %d not supported", b[2])
	}
	flags := b[3]
	if flags&0x20 != 0 {
		return nil, 0, errors.New("GeoPackage extended geometry types are not supported")
	}
	var bo binary.ByteOrder = binary.BigEndian
	if flags&1 != 0 {
		bo = binary.LittleEndian
	}
	srid := int(int32(bo.Uint32(b[4:8])))
	var envLen int
	switch env := (flags >> 1) & 7; env {
	case 0:
	case 1:
		envLen = 32
	case 2, 3:
		envLen = 48
	case 4:
		envLen = 64
	default:
		return nil, 0, fmt.Errorf("GeoPackage geometry envelope indicator %d is invalid", env)
	}
	if len(b) < 8+envLen {
		return nil, 0, fmt.Errorf("GeoPackage geometry blob of %d bytes is shorter than its %d-byte envelope", len(b), envLen)
	}
	if flags&0x10 != 0 { // empty geometry
		return nil, srid, nil
	}
	g, _, err := decodeWKB(b[8+envLen:])
	return g, srid, err
}
