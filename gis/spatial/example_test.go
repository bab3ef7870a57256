package spatial_test

import (
	"fmt"

	"github.com/envtrace/envtrace/gis/spatial"
	"github.com/paulmach/orb"
)

// Snap an outfall to the nearest reach. Reaches are digitised upstream to
// downstream, so the measure counts from the downstream end (0) to the
// upstream end (100), as in NHDPlus.
func ExampleLineIndex_Nearest() {
	reaches := []orb.LineString{
		// main stem, flowing east: 2 km in projected metres
		{{0, 0}, {1000, 0}, {2000, 0}},
		// tributary joining it at x=1000 from the north
		{{1000, 800}, {1000, 0}},
	}
	ix := spatial.NewLineIndex(reaches, false)

	outfall := orb.Point{1500, -30}
	for _, h := range ix.Nearest(outfall, 2, 0) {
		fmt.Printf("reach %d: %.0f m away at measure %.1f, point %v\n", h.Item, h.OffsetM, h.Measure, h.Point)
	}

	// With a search radius, far reaches are not returned.
	fmt.Println(len(ix.Nearest(outfall, 2, 100)), "reach within 100 m")
	// Output:
	// reach 0: 30 m away at measure 25.0, point [1500 0]
	// reach 1: 501 m away at measure 0.0, point [1000 0]
	// 1 reach within 100 m
}

// Geographic coordinates (NAD83 / WGS84 degrees): offsets and measures are
// in metres.
func ExampleNewLineIndex_geographic() {
	reaches := []orb.LineString{{{-89.40, 43.01}, {-89.40, 43.00}}} // flows south
	ix := spatial.NewLineIndex(reaches, true)
	h := ix.Nearest(orb.Point{-89.399, 43.0075}, 1, 0)[0]
	fmt.Printf("%.1f m east of the reach, measure %.1f\n", h.OffsetM, h.Measure)
	// Output:
	// 81.5 m east of the reach, measure 75.0
}

// Find the reaches whose bounding boxes touch a map window; a caller then
// tests each candidate's exact geometry.
func ExampleBoundIndex() {
	var ix spatial.BoundIndex
	ix.Add(0, orb.LineString{{0, 0}, {1000, 0}}.Bound())
	ix.Add(1, orb.LineString{{5000, 5000}, {6000, 5200}}.Bound())
	ix.Search(orb.Bound{Min: orb.Point{900, -50}, Max: orb.Point{1100, 50}}, func(i int32, _ orb.Bound) bool {
		fmt.Println("candidate reach", i)
		return true
	})
	// Output: candidate reach 0
}
