package linework_test

import (
	"fmt"
	"log"

	"github.com/envtrace/envtrace/gis/linework"
	"github.com/paulmach/orb"
)

// Node a small stream network traced from a DEM: two headwater streams meet,
// and a side tributary ends 0.3 m from the main stem, which is split there.
func ExampleNode() {
	lines := []orb.LineString{
		{{0, 100}, {50, 50}},           // headwater 1, flowing down to (50,50)
		{{100, 100}, {50, 50.2}},       // headwater 2, ends 0.2 m from it
		{{50, 50}, {50, 0}, {50, -80}}, // main stem
		{{0, -40}, {49.7, -40}},        // side tributary, ends 0.3 m short of the main stem
	}
	res, err := linework.Node(lines, linework.Options{Tolerance: 0.5, SplitTJunctions: true})
	if err != nil {
		log.Fatal(err)
	}
	for i, l := range res.Lines {
		fmt.Printf("line %d (input %d): node %d -> node %d, %v\n", i, res.Source[i], res.FromNode[i], res.ToNode[i], l)
	}
	fmt.Println("nodes:", res.NodeXY)
	fmt.Println("splits:", res.Splits)
	// Output:
	// line 0 (input 0): node 0 -> node 1, [[0 100] [50 50]]
	// line 1 (input 1): node 2 -> node 1, [[100 100] [50 50]]
	// line 2 (input 2): node 1 -> node 3, [[50 50] [50 0] [50 -40]]
	// line 3 (input 2): node 3 -> node 4, [[50 -40] [50 -80]]
	// line 4 (input 3): node 5 -> node 3, [[0 -40] [50 -40]]
	// nodes: [[0 100] [50 50] [100 100] [50 -40] [50 -80] [0 -40]]
	// splits: 1
}

// Invalid lines are rejected with the index of the offending line.
func ExampleInputError() {
	_, err := linework.Node([]orb.LineString{{{0, 0}, {1, 1}}, {{2, 2}}}, linework.Options{})
	fmt.Println(err)
	// Output:
	// linework: line 1: fewer than 2 distinct vertices (1 given, all at [2 2])
}
