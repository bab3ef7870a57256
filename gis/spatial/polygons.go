package spatial

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// PolygonIndex answers "which polygons contain this point": the basin a
// discharger sits in, the agency whose land a dump is on. Polygons and
// points must share one CRS.
type PolygonIndex struct {
	polys []orb.Geometry
	tree  rtree.RTreeG[int]
}

// NewPolygonIndex indexes polygons (orb.Polygon or orb.MultiPolygon; other
// geometries never contain anything).
func NewPolygonIndex(polys []orb.Geometry) *PolygonIndex {
	ix := &PolygonIndex{polys: polys}
	for i, g := range polys {
		if g == nil {
			continue
		}
		b := g.Bound()
		ix.tree.Insert([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, i)
	}
	return ix
}

// Len returns the number of polygons given to NewPolygonIndex.
func (ix *PolygonIndex) Len() int { return len(ix.polys) }

// Containing lists the indexes of the polygons containing p, in index
// order. A point on a boundary is inside (orb's planar rule), so a point on
// the edge two parcels share lies in both.
func (ix *PolygonIndex) Containing(p orb.Point) []int {
	var out []int
	ix.tree.Search([2]float64{p[0], p[1]}, [2]float64{p[0], p[1]}, func(_, _ [2]float64, i int) bool {
		if Contains(ix.polys[i], p) {
			out = append(out, i)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// PolygonHit is one polygon near a point.
type PolygonHit struct {
	// Item is the polygon's index in the slice given to NewPolygonIndex.
	Item int
	// Distance is 0 when the polygon contains the point, else the distance
	// from the point to the polygon's boundary, in the CRS's unit.
	Distance float64
}

// Near lists the polygons that contain p or whose boundary lies within
// distance of it, nearest first (containing polygons at 0), ties in index
// order. It answers "which parcels could this report be on", so that a
// point on or near a shared boundary gets every candidate, ranked.
func (ix *PolygonIndex) Near(p orb.Point, distance float64) []PolygonHit {
	if !(distance >= 0) || math.IsInf(distance, 0) {
		distance = 0
	}
	var out []PolygonHit
	lo := [2]float64{p[0] - distance, p[1] - distance}
	hi := [2]float64{p[0] + distance, p[1] + distance}
	ix.tree.Search(lo, hi, func(_, _ [2]float64, i int) bool {
		if d := DistanceToPolygon(ix.polys[i], p); d <= distance {
			out = append(out, PolygonHit{Item: i, Distance: d})
		}
		return true
	})
	SortHits(out)
	return out
}

// SortHits orders hits nearest first, ties by item index, the order Near
// returns; exported so a brute-force check can rank its answer the same way.
func SortHits(h []PolygonHit) {
	slices.SortFunc(h, func(a, b PolygonHit) int {
		if c := cmp.Compare(a.Distance, b.Distance); c != 0 {
			return c
		}
		return cmp.Compare(a.Item, b.Item)
	})
}

// Contains reports whether g (an orb.Polygon or orb.MultiPolygon) contains
// p, boundary included; other geometries contain nothing.
func Contains(g orb.Geometry, p orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, p)
	}
	return false
}

// DistanceToPolygon is 0 when g contains p, else the distance from p to g's
// boundary (every ring, holes included); +Inf for a geometry that is not a
// polygon.
func DistanceToPolygon(g orb.Geometry, p orb.Point) float64 {
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return math.Inf(1)
	}
	if Contains(g, p) {
		return 0
	}
	return planar.DistanceFrom(g, p)
}
