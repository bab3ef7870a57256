package crs

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Transformer converts points from one CRS to another. It exists so that
// bulk conversions (every vertex of a river network) look up and validate
// the pair of systems once instead of once per point. A Transformer is
// immutable and safe for concurrent use.
type Transformer struct {
	from, to Code
	inv, fwd *transverseMercator // nil when the side is geographic
}

// NewTransformer prepares a conversion from one CRS to another. It fails,
// wrapping ErrUnsupported, when either system is not supported.
func NewTransformer(from, to Code) (*Transformer, error) {
	for _, c := range []Code{from, to} {
		if !c.Supported() {
			return nil, fmt.Errorf("crs: %s: %w", c, ErrUnsupported)
		}
	}
	return &Transformer{from: from, to: to, inv: tm2[from], fwd: tm2[to]}, nil
}

// From returns the source CRS.
func (t *Transformer) From() Code { return t.from }

// To returns the target CRS.
func (t *Transformer) To() Code { return t.to }

// Identity reports whether the transformation leaves coordinates unchanged
// (same system, or two geographic systems treated as the same datum), so
// callers can skip copying.
func (t *Transformer) Identity() bool {
	return t.inv == t.fwd
}

// Point converts one point. It does not validate its input; use Transform
// for checked conversion of untrusted coordinates. Non-finite input gives
// non-finite output.
func (t *Transformer) Point(p orb.Point) orb.Point {
	if t.inv == t.fwd {
		return p
	}
	x, y := p[0], p[1]
	if t.inv != nil {
		x, y = t.inv.inverse(x, y)
	}
	if t.fwd != nil {
		x, y = t.fwd.forward(x, y)
	}
	return orb.Point{x, y}
}

// check validates a point in the source CRS: finite, latitude within ±90°
// for geographic input, and not so far from the target's central meridian
// that Transverse Mercator is undefined (90° or more) .
func (t *Transformer) check(p orb.Point) error {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return fmt.Errorf("crs: %s → %s: non-finite coordinate %v", t.from, t.to, p)
	}
	if t.from.IsGeographic() && math.Abs(p[1]) > 90 {
		return fmt.Errorf("crs: %s → %s: latitude %v outside [-90, 90] (points are lon, lat)", t.from, t.to, p[1])
	}
	if t.fwd != nil && t.from.IsGeographic() {
		d := math.Abs(remainderLon(p[0]*math.Pi/180 - t.fwd.lon0))
		if d >= math.Pi/2-1e-9 {
			return fmt.Errorf("crs: %s → %s: longitude %v is 90° or more from the central meridian", t.from, t.to, p[0])
		}
	}
	return nil
}

// Transform converts p from one CRS to another, checking that both are
// supported and that p is a valid coordinate. Geographic points are (lon,
// lat) whatever the authority axis order.
func Transform(from, to Code, p orb.Point) (orb.Point, error) {
	t, err := NewTransformer(from, to)
	if err != nil {
		return orb.Point{}, err
	}
	return t.Transform(p)
}

// Transform converts one point after validating it.
func (t *Transformer) Transform(p orb.Point) (orb.Point, error) {
	if err := t.check(p); err != nil {
		return orb.Point{}, err
	}
	q := t.Point(p)
	if math.IsNaN(q[0]) || math.IsNaN(q[1]) {
		return orb.Point{}, fmt.Errorf("crs: %s → %s: %v has no image", t.from, t.to, p)
	}
	return q, nil
}

// Geometry returns a transformed deep copy of g, leaving g untouched.
func (t *Transformer) Geometry(g orb.Geometry) (orb.Geometry, error) {
	if g == nil {
		return nil, nil
	}
	return t.InPlace(orb.Clone(g))
}

// InPlace transforms g by overwriting its coordinates and returns the
// result. Slice-backed geometries (LineString, Polygon, collections, ...)
// are modified in place; value types (Point, Bound) cannot be, so always use
// the returned geometry. A Bound is replaced by the bound of its transformed
// outline, sampled at boundSteps points per side (straight edges become
// curves under projection, so this is close to, not exactly, the true
// bound). On error g may be partly transformed.
func (t *Transformer) InPlace(g orb.Geometry) (orb.Geometry, error) {
	if g == nil {
		return nil, nil
	}
	if t.Identity() {
		return g, nil
	}
	var err error
	conv := func(ps []orb.Point) {
		if err != nil {
			return
		}
		for i, p := range ps {
			if e := t.check(p); e != nil {
				err = e
				return
			}
			ps[i] = t.Point(p)
		}
	}
	switch g := g.(type) {
	case orb.Point:
		q, e := t.Transform(g)
		return q, e
	case orb.MultiPoint:
		conv(g)
	case orb.LineString:
		conv(g)
	case orb.Ring:
		conv(g)
	case orb.MultiLineString:
		for _, l := range g {
			conv(l)
		}
	case orb.Polygon:
		for _, r := range g {
			conv(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				conv(r)
			}
		}
	case orb.Collection:
		for i, c := range g {
			c2, e := t.InPlace(c)
			if e != nil {
				return g, e
			}
			g[i] = c2
		}
	case orb.Bound:
		edge := densifyBound(g, boundSteps)
		conv(edge)
		if err != nil {
			return g, err
		}
		return orb.MultiPoint(edge).Bound(), nil
	default:
		return g, fmt.Errorf("crs: cannot transform geometry of type %T", g)
	}
	return g, err
}

// TransformGeometry returns a transformed deep copy of g; g is not
// modified. It exists for one-off conversions; use a Transformer for many.
func TransformGeometry(from, to Code, g orb.Geometry) (orb.Geometry, error) {
	t, err := NewTransformer(from, to)
	if err != nil {
		return nil, err
	}
	return t.Geometry(g)
}

// TransformInPlace overwrites the coordinates of g and returns it (value
// types such as orb.Point come back as a new value). It avoids the copy of
// TransformGeometry when the caller owns g.
func TransformInPlace(from, to Code, g orb.Geometry) (orb.Geometry, error) {
	t, err := NewTransformer(from, to)
	if err != nil {
		return nil, err
	}
	return t.InPlace(g)
}

// boundSteps is the number of segments each side of a Bound is split into
// before transforming it.
const boundSteps = 16

// densifyBound returns the outline of b as 4·n points.
func densifyBound(b orb.Bound, n int) []orb.Point {
	out := make([]orb.Point, 0, 4*n)
	corners := [5]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	for s := 0; s < 4; s++ {
		a, c := corners[s], corners[s+1]
		for i := 0; i < n; i++ {
			f := float64(i) / float64(n)
			out = append(out, orb.Point{a[0] + f*(c[0]-a[0]), a[1] + f*(c[1]-a[1])})
		}
	}
	return out
}
