package spatial

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestPolygonIndex(t *testing.T) {
	square := func(x0, y0, s float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}}}
	}
	holed := square(0, 0, 10)
	holed = append(holed, orb.Ring{{4, 4}, {4, 6}, {6, 6}, {6, 4}, {4, 4}})
	ix := NewPolygonIndex([]orb.Geometry{holed, square(8, 8, 4), orb.MultiPolygon{square(20, 0, 2), square(30, 0, 2)}, nil})
	tests := []struct {
		name string
		p    orb.Point
		want []int
	}{
		{"inside the first", orb.Point{1, 1}, []int{0}},
		{"in the hole", orb.Point{5, 5}, nil},
		{"overlap", orb.Point{9, 9}, []int{0, 1}},
		{"second part of a multipolygon", orb.Point{31, 1}, []int{2}},
		{"outside all", orb.Point{-5, -5}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ix.Containing(tc.p); !slices.Equal(got, tc.want) {
				t.Fatalf("Containing(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}
