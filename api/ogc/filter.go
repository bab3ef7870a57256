package ogc

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/envtrace/envtrace/gis/crs"
)

// boxFilter decides which geometries stored in one CRS intersect a query's
// bounding box: a geometry matches when its vertices, joined by straight
// segments in the CRS the client gave the box in, touch the box. Testing
// in the box's own CRS keeps a bbox given in EPSG:3826 exact for data
// stored in EPSG:3826, where the box is a true rectangle.
//
// A boxFilter also provides padded search rectangles in the storage CRS
// for a spatial index, and inner rectangles whose contents match without
// reprojecting a single vertex. It is immutable once built.
type boxFilter struct {
	boxes  []orb.Bound      // the query box(es) in the test CRS
	toTest *crs.Transformer // storage → test CRS, nil when they agree
	search []orb.Bound      // storage CRS, covering every possible match
	inner  []orb.Bound      // storage CRS, entirely inside the box
}

// densify is the number of points each side of a box is sampled at when
// it is mapped to another CRS. With 64 samples a 400 km side (all of
// Taiwan) is cut into 6 km chords, which stray from the mapped edge by
// well under a metre.
const densify = 64

// padFor is the margin added to search rectangles (and removed from inner
// ones) to cover the error of the sampled outline: 1 m, or its equivalent
// in degrees.
func padFor(c crs.Code) float64 {
	if c.IsGeographic() {
		return 1e-5
	}
	return 1
}

// newBoxFilter prepares the bounding-box test of q for geometries stored
// in storage. extent is the CRS84 extent of the collection (nil when it
// has no geometry); it keeps a continent-sized box from being projected
// where the storage CRS is undefined. It returns nil when q has no bbox.
func newBoxFilter(q Query, storage crs.Code, extent *[4]float64) (*boxFilter, error) {
	if q.BBox == nil {
		return nil, nil
	}
	test, box := crs.CRS84, *q.BBox
	if q.BBoxInCRS != nil && q.BBoxCRS != 0 {
		test, box = q.BBoxCRS, *q.BBoxInCRS
	}
	f := &boxFilter{}
	if test.IsGeographic() && box[0] > box[2] { // crosses the antimeridian
		f.boxes = []orb.Bound{
			{Min: orb.Point{box[0], box[1]}, Max: orb.Point{180, box[3]}},
			{Min: orb.Point{-180, box[1]}, Max: orb.Point{box[2], box[3]}},
		}
	} else {
		f.boxes = []orb.Bound{{Min: orb.Point{box[0], box[1]}, Max: orb.Point{box[2], box[3]}}}
	}
	if extent == nil {
		f.boxes = nil // nothing has geometry, so nothing can match
		return f, nil
	}
	if storage == test || storage.IsGeographic() && test.IsGeographic() {
		f.search, f.inner = f.boxes, f.boxes
		return f, nil
	}
	var err error
	if f.toTest, err = crs.NewTransformer(storage, test); err != nil {
		return nil, err
	}
	toStorage, err := crs.NewTransformer(test, storage)
	if err != nil {
		return nil, err
	}
	// The collection's extent in the test CRS, to clip the box to.
	ext := orb.Bound{Min: orb.Point{extent[0], extent[1]}, Max: orb.Point{extent[2], extent[3]}}
	extPad := padFor(crs.CRS84)
	ext = ext.Pad(extPad)
	clipOK := true
	if !test.IsGeographic() {
		t, err := crs.NewTransformer(crs.CRS84, test)
		if err != nil {
			return nil, err
		}
		g, err := t.InPlace(ext)
		if err != nil {
			clipOK = false
		} else {
			ext = g.(orb.Bound).Pad(padFor(test))
		}
	}
	pad := padFor(storage)
	for _, b := range f.boxes {
		if clipOK {
			if !b.Intersects(ext) {
				continue
			}
			b = orb.Bound{
				Min: orb.Point{math.Max(b.Min[0], ext.Min[0]), math.Max(b.Min[1], ext.Min[1])},
				Max: orb.Point{math.Min(b.Max[0], ext.Max[0]), math.Min(b.Max[1], ext.Max[1])},
			}
		}
		sides, ok := mapOutline(b, toStorage)
		if !ok {
			// The box cannot be mapped: search everything and test
			// each candidate exactly.
			inf := math.Inf(1)
			f.search = append(f.search, orb.Bound{Min: orb.Point{-inf, -inf}, Max: orb.Point{inf, inf}})
			continue
		}
		all := orb.MultiPoint{}
		for _, s := range sides {
			all = append(all, s...)
		}
		f.search = append(f.search, all.Bound().Pad(pad))
		// Inside the mapped outline: right of every point of the west
		// side, left of the east side, above the south side and below the
		// north side. This holds for outlines rotated well under 45°,
		// which TM2 and CRS84 are relative to each other in Taiwan.
		in := orb.Bound{
			Min: orb.Point{maxOf(sides[3], 0) + pad, maxOf(sides[0], 1) + pad},
			Max: orb.Point{minOf(sides[1], 0) - pad, minOf(sides[2], 1) - pad},
		}
		if in.Min[0] < in.Max[0] && in.Min[1] < in.Max[1] {
			f.inner = append(f.inner, in)
		}
	}
	return f, nil
}

// mapOutline samples the sides of b (south, east, north, west) and maps
// them with t; ok is false when a point has no finite image.
func mapOutline(b orb.Bound, t *crs.Transformer) (sides [4][]orb.Point, ok bool) {
	corners := [5]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	for s := 0; s < 4; s++ {
		a, c := corners[s], corners[s+1]
		pts := make([]orb.Point, 0, densify+1)
		for i := 0; i <= densify; i++ {
			fr := float64(i) / densify
			q, err := t.Transform(orb.Point{a[0] + fr*(c[0]-a[0]), a[1] + fr*(c[1]-a[1])})
			if err != nil {
				return sides, false
			}
			pts = append(pts, q)
		}
		sides[s] = pts
	}
	return sides, true
}

func maxOf(pts []orb.Point, axis int) float64 {
	m := math.Inf(-1)
	for _, p := range pts {
		m = math.Max(m, p[axis])
	}
	return m
}

func minOf(pts []orb.Point, axis int) float64 {
	m := math.Inf(1)
	for _, p := range pts {
		m = math.Min(m, p[axis])
	}
	return m
}

// match reports whether g, in the storage CRS, intersects the box; bound
// is g's bound (an index has it at hand).
func (f *boxFilter) match(g orb.Geometry, bound orb.Bound) bool {
	if g == nil || len(f.boxes) == 0 {
		return false
	}
	for _, in := range f.inner {
		if in.Contains(bound.Min) && in.Contains(bound.Max) {
			return true
		}
	}
	mp := func(p orb.Point) orb.Point { return p }
	if f.toTest != nil {
		mp = f.toTest.Point
	}
	for _, b := range f.boxes {
		if intersects(g, b, mp) {
			return true
		}
	}
	return false
}

// intersects tests g, mapped point by point with mp, against box b.
func intersects(g orb.Geometry, b orb.Bound, mp func(orb.Point) orb.Point) bool {
	switch g := g.(type) {
	case orb.Point:
		return b.Contains(mp(g))
	case orb.MultiPoint:
		for _, p := range g {
			if b.Contains(mp(p)) {
				return true
			}
		}
	case orb.LineString:
		return lineIntersects(g, b, mp)
	case orb.MultiLineString:
		for _, l := range g {
			if lineIntersects(l, b, mp) {
				return true
			}
		}
	case orb.Ring:
		return intersects(orb.Polygon{g}, b, mp)
	case orb.Polygon:
		if len(g) == 0 {
			return false
		}
		for _, r := range g {
			if lineIntersects(orb.LineString(r), b, mp) {
				return true
			}
		}
		// No edge touches the box: either the box lies inside the
		// polygon (test one corner) or they are disjoint.
		mapped := make(orb.Polygon, len(g))
		for i, r := range g {
			mr := make(orb.Ring, len(r))
			for j, p := range r {
				mr[j] = mp(p)
			}
			mapped[i] = mr
		}
		return planar.PolygonContains(mapped, b.Min)
	case orb.MultiPolygon:
		for _, p := range g {
			if intersects(p, b, mp) {
				return true
			}
		}
	case orb.Bound:
		return intersects(g.ToPolygon(), b, mp)
	case orb.Collection:
		for _, c := range g {
			if intersects(c, b, mp) {
				return true
			}
		}
	}
	return false
}

// lineIntersects reports whether a polyline touches box b.
func lineIntersects(l orb.LineString, b orb.Bound, mp func(orb.Point) orb.Point) bool {
	if len(l) == 0 {
		return false
	}
	prev := mp(l[0])
	if b.Contains(prev) {
		return true
	}
	for _, p := range l[1:] {
		cur := mp(p)
		if b.Contains(cur) || segmentIntersects(prev, cur, b) {
			return true
		}
		prev = cur
	}
	return false
}

// segmentIntersects clips segment a–c to box b (Liang–Barsky) and reports
// whether anything is left.
func segmentIntersects(a, c orb.Point, b orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	d := [2]float64{c[0] - a[0], c[1] - a[1]}
	for axis := 0; axis < 2; axis++ {
		for _, edge := range [2]struct {
			p, q float64
		}{
			{-d[axis], a[axis] - b.Min[axis]},
			{d[axis], b.Max[axis] - a[axis]},
		} {
			if edge.p == 0 {
				if edge.q < 0 {
					return false
				}
				continue
			}
			r := edge.q / edge.p
			if edge.p < 0 {
				if r > t1 {
					return false
				}
				if r > t0 {
					t0 = r
				}
			} else {
				if r < t0 {
					return false
				}
				if r < t1 {
					t1 = r
				}
			}
		}
	}
	return t0 <= t1
}
