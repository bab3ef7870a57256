package spatial

import (
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// PointIndex finds points near a point: the neighbours of a micro-sensor
// within 3 km, the facilities around a hotspot. Points are in a projected
// CRS in metres (TWD97 / TM2 for Taiwan), so a radius is a distance.
type PointIndex struct {
	pts  []orb.Point
	tree rtree.RTreeG[int]
}

// NewPointIndex indexes pts; results are indexes into pts.
func NewPointIndex(pts []orb.Point) *PointIndex {
	ix := &PointIndex{pts: pts}
	for i, p := range pts {
		ix.tree.Insert([2]float64{p[0], p[1]}, [2]float64{p[0], p[1]}, i)
	}
	return ix
}

// Search calls fn with every point inside b (edges included) until fn
// returns false.
func (ix *PointIndex) Search(b orb.Bound, fn func(i int) bool) {
	ix.tree.Search([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, func(_, _ [2]float64, i int) bool {
		return fn(i)
	})
}

// Within lists the points at planar distance ≤ r from p, in index order.
func (ix *PointIndex) Within(p orb.Point, r float64) []int {
	var out []int
	ix.Search(orb.Bound{Min: orb.Point{p[0] - r, p[1] - r}, Max: orb.Point{p[0] + r, p[1] + r}}, func(i int) bool {
		dx, dy := ix.pts[i][0]-p[0], ix.pts[i][1]-p[1]
		if dx*dx+dy*dy <= r*r {
			out = append(out, i)
		}
		return true
	})
	slices.Sort(out)
	return out
}
