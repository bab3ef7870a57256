package spatial

import (
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

// Containing lists the indexes of the polygons containing p, in index
// order.
func (ix *PolygonIndex) Containing(p orb.Point) []int {
	var out []int
	ix.tree.Search([2]float64{p[0], p[1]}, [2]float64{p[0], p[1]}, func(_, _ [2]float64, i int) bool {
		switch g := ix.polys[i].(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, p) {
				out = append(out, i)
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, p) {
				out = append(out, i)
			}
		}
		return true
	})
	for a := 1; a < len(out); a++ {
		for b := a; b > 0 && out[b] < out[b-1]; b-- {
			out[b], out[b-1] = out[b-1], out[b]
		}
	}
	return out
}
