package linework

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// readTouqian reads the Touqian River stream network derived from a 20 m
// DEM (EPSG:3826 metres; lines digitised downstream, geometry only).
func readTouqian(t testing.TB) []orb.LineString {
	t.Helper()
	data, err := os.ReadFile(realdata.Path(t, "taiwan/touqian_streams_order6.epsg3826.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]orb.LineString, len(fc.Features))
	for i, f := range fc.Features {
		l, ok := f.Geometry.(orb.LineString)
		if !ok {
			t.Fatalf("feature %d is a %T", i, f.Geometry)
		}
		lines[i] = l
	}
	return lines
}

// outletOf follows a line downstream (ToNode -> the first line whose
// FromNode is that node, rings aside) until no line leaves the node, and
// returns that final node, or -1 when the path loops.
func outletOf(res *Result, leaving map[int][]int, line int) int {
	seen := map[int]bool{}
	for {
		if seen[line] {
			return -1
		}
		seen[line] = true
		node := res.ToNode[line]
		line = -1
		for _, next := range leaving[node] {
			if res.FromNode[next] != res.ToNode[next] {
				line = next
				break
			}
		}
		if line < 0 {
			return node
		}
	}
}

// TestNodeTouqian builds the topology of the real Touqian network from its
// geometry alone and checks it against what the data is known to be: 2,034
// lines, three closed rings around DEM pits, and 1,829 lines that drain to
// the river mouth near TWD97 (243000, 2749000).
func TestNodeTouqian(t *testing.T) {
	lines := readTouqian(t)
	if len(lines) != 2034 {
		t.Fatalf("%d lines, want 2034", len(lines))
	}
	// The three "closed rings" of this data set are zero-length stubs at
	// DEM pits (two identical vertices): strict noding rejects them.
	_, err := Node(lines, Options{Tolerance: 0.5, SplitTJunctions: true})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 2031 {
		t.Errorf("strict noding: got %v, want an InputError for line 2031", err)
	}
	res, err := Node(lines, Options{Tolerance: 0.5, SplitTJunctions: true, AllowZeroLength: true})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, lines, res)
	if len(res.Rings) != 3 {
		t.Errorf("%d rings, want 3: %v", len(res.Rings), res.Rings)
	}
	for _, r := range res.Rings {
		if l := lines[r]; l[0] != l[len(l)-1] {
			t.Errorf("ring %d is not closed exactly", r)
		}
	}

	leaving := map[int][]int{}
	for i, f := range res.FromNode {
		leaving[f] = append(leaving[f], i)
	}
	multi := 0
	for _, ls := range leaving {
		if len(ls) > 1 {
			multi++
		}
	}
	finals := map[int]int{}
	loops := 0
	for i := range res.Lines {
		if o := outletOf(res, leaving, i); o >= 0 {
			finals[o]++
		} else {
			loops++
		}
	}
	outlet, count := -1, 0
	for o, c := range finals {
		if c > count || c == count && o < outlet {
			outlet, count = o, c
		}
	}
	mouth := res.NodeXY[outlet]
	t.Logf("Touqian order>=6: %d lines -> %d output lines, %d nodes, %d T-junction splits, %d rings, "+
		"%d nodes with more than one line leaving, %d lines in loops, %d terminal nodes; outlet node %d at (%.1f, %.1f) drains %d lines",
		len(lines), len(res.Lines), len(res.NodeXY), res.Splits, len(res.Rings), multi, loops, len(finals), outlet, mouth[0], mouth[1], count)
	// The mouth of the Touqian on the Hsinchu coast; measured at
	// (239977.5, 2746925.1).
	if math.Hypot(mouth[0]-243000, mouth[1]-2749000) > 5000 {
		t.Errorf("outlet at %v, want within 5 km of (243000, 2749000)", mouth)
	}
	if loops != 0 {
		t.Errorf("%d lines loop", loops)
	}
	if res.Splits == 0 && count != 1829 {
		t.Errorf("%d lines drain to the outlet, want 1829", count)
	}
	// Count per input line (its last piece), which is what the data's
	// description counts whether or not lines were split.
	perInput := 0
	for i := range res.Lines {
		if i+1 < len(res.Lines) && res.Source[i+1] == res.Source[i] {
			continue
		}
		if outletOf(res, leaving, i) == outlet {
			perInput++
		}
	}
	if perInput != 1829 {
		t.Errorf("%d input lines drain to the outlet, want 1829", perInput)
	}
}
