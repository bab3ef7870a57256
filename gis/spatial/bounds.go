package spatial

import (
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// BoundIndex answers "which items' bounding boxes touch this box": the
// candidate search behind a bbox filter (the OGC API's reaches), which then
// tests each candidate's exact geometry. Items are numbered by the caller
// (a reach's index in its network) and the index stores only their bounds,
// so it never holds a second copy of the geometry. Boxes and queries must
// share one CRS.
//
// It is built by Add calls and read-only afterwards: any number of
// goroutines may call Search concurrently once building is done.
type BoundIndex struct {
	tree rtree.RTreeGN[float64, int32]
	n    int
}

// Add indexes item i with bound b.
func (ix *BoundIndex) Add(i int32, b orb.Bound) {
	ix.tree.Insert(b.Min, b.Max, i)
	ix.n++
}

// Len returns the number of items added.
func (ix *BoundIndex) Len() int { return ix.n }

// Search calls fn with every item whose bound intersects q (boundaries
// included) and that bound, in no particular order, until fn returns false.
func (ix *BoundIndex) Search(q orb.Bound, fn func(i int32, b orb.Bound) bool) {
	ix.tree.Search(q.Min, q.Max, func(min, max [2]float64, i int32) bool {
		return fn(i, orb.Bound{Min: min, Max: max})
	})
}
