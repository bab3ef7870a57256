package spatial

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// TestBoundIndexMatchesBruteForce compares Search with a scan of every
// bound, on seeded random boxes, including boxes that only share an edge.
func TestBoundIndexMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var bounds []orb.Bound
	var ix BoundIndex
	for i := range 2000 {
		x, y := r.Float64()*1000, r.Float64()*1000
		b := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + r.Float64()*20, y + r.Float64()*20}}
		bounds = append(bounds, b)
		ix.Add(int32(i), b)
	}
	if ix.Len() != len(bounds) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(bounds))
	}
	queries := []orb.Bound{
		{Min: orb.Point{-10, -10}, Max: orb.Point{-1, -1}},                               // outside everything
		{Min: bounds[5].Max, Max: orb.Point{bounds[5].Max[0] + 1, bounds[5].Max[1] + 1}}, // corner contact
	}
	for range 200 {
		x, y := r.Float64()*1000, r.Float64()*1000
		queries = append(queries, orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + r.Float64()*100, y + r.Float64()*100}})
	}
	for qi, q := range queries {
		var got, want []int32
		ix.Search(q, func(i int32, b orb.Bound) bool {
			if b != bounds[i] {
				t.Fatalf("item %d reported with bound %v, indexed %v", i, b, bounds[i])
			}
			got = append(got, i)
			return true
		})
		for i, b := range bounds {
			if b.Intersects(q) {
				want = append(want, int32(i))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("query %d %v: %d hits, brute force %d", qi, q, len(got), len(want))
		}
	}
	stopped := 0
	ix.Search(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1000, 1000}}, func(int32, orb.Bound) bool { stopped++; return false })
	if stopped != 1 {
		t.Errorf("Search went on after fn returned false: %d calls", stopped)
	}
}
