package spatial

import (
	"math"
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

func TestPolygonIndexNear(t *testing.T) {
	square := func(x0, y0, s float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}}}
	}
	// Two parcels sharing the edge x = 10, a third 30 m east.
	ix := NewPolygonIndex([]orb.Geometry{square(0, 0, 10), square(10, 0, 10), square(50, 0, 10), orb.LineString{{0, 0}, {1, 1}}})
	tests := []struct {
		name   string
		p      orb.Point
		within float64
		want   []PolygonHit
	}{
		{"inside, far from others", orb.Point{2, 5}, 5, []PolygonHit{{0, 0}}},
		{"inside, 1 m from the shared edge", orb.Point{9, 5}, 5, []PolygonHit{{0, 0}, {1, 1}}},
		{"on the shared edge: both contain it", orb.Point{10, 5}, 0, []PolygonHit{{0, 0}, {1, 0}}},
		{"outside, 3 m east of the second", orb.Point{23, 5}, 5, []PolygonHit{{1, 3}}},
		{"outside, beyond the distance", orb.Point{23, 5}, 2, nil},
		{"negative distance is 0", orb.Point{23, 5}, -1, nil},
		{"between the second and third", orb.Point{35, 5}, 15, []PolygonHit{{1, 15}, {2, 15}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ix.Near(tc.p, tc.within); !slices.Equal(got, tc.want) {
				t.Fatalf("Near(%v, %v) = %v, want %v", tc.p, tc.within, got, tc.want)
			}
		})
	}
	if d := DistanceToPolygon(orb.LineString{{0, 0}, {1, 1}}, orb.Point{0, 0}); !math.IsInf(d, 1) {
		t.Errorf("a line is no polygon: distance %v, want +Inf", d)
	}
}
