package linework

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/paulmach/orb"
)

// realLineSet is a real line network and the snap tolerance its units
// call for.
type realLineSet struct {
	name  string
	lines []orb.LineString
	tol   float64
}

// readRealLineSets reads every line network in the shared data: the
// Touqian network at each stream order (EPSG:3826 metres), hydroloom's
// examples and the NHDPlus and NLDI flowlines (degrees). Multi-part lines
// contribute each part as a line.
func readRealLineSets(t testing.TB) []realLineSet {
	t.Helper()
	files := []string{
		"hydroloom/coastal_example.gpkg", "hydroloom/diversions.geojson", "hydroloom/simple_diversions.geojson",
		"nhdplus/new_hope.gpkg", "nhdplus/petapsco_flowlines.gpkg", "nhdplus/sample_natseamless.gpkg", "nhdplus/walker.gpkg",
		"nldi/flowlines_921.geojson",
	}
	for order := 6; order <= 11; order++ {
		files = append(files, fmt.Sprintf("taiwan/touqian_streams_order%d.epsg3826.geojson", order))
	}
	var sets []realLineSet
	for _, f := range files {
		l, err := layer.Read(realdata.Path(t, f), layer.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		set := realLineSet{name: f, tol: 0.5}
		for _, ft := range l.Features {
			switch g := ft.Geometry.(type) {
			case orb.LineString:
				set.lines = append(set.lines, g)
			case orb.MultiLineString:
				set.lines = append(set.lines, g...)
			}
		}
		if len(set.lines) == 0 {
			t.Fatalf("%s: no lines", f)
		}
		if p := set.lines[0][0]; math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90 {
			set.tol = 5e-6 // degrees, about 0.5 m
		}
		sets = append(sets, set)
	}
	return sets
}

// usable drops the lines Node rejects even with AllowZeroLength (a few
// NHDPlus flowlines are single points), so that whole real files can be
// compared.
func usable(lines []orb.LineString) []orb.LineString {
	var out []orb.LineString
	for i, l := range lines {
		if validate(i, l, true) == nil {
			out = append(out, l)
		}
	}
	return out
}

// TestNodeMatchesRTree checks that Node gives exactly the result of the
// R-tree noding it replaced, on every real network in the shared data at
// its tolerance, at 0 and at ten times it, with and without T-junction
// splitting.
func TestNodeMatchesRTree(t *testing.T) {
	for _, set := range readRealLineSets(t) {
		lines := usable(set.lines)
		for _, tol := range []float64{0, set.tol, 10 * set.tol} {
			for _, splitT := range []bool{false, true} {
				opt := Options{Tolerance: tol, SplitTJunctions: splitT, AllowZeroLength: true}
				t.Run(fmt.Sprintf("%s/tol=%g/split=%v", set.name, tol, splitT), func(t *testing.T) {
					compareWithRTree(t, lines, opt)
				})
			}
		}
	}
}

// compareWithRTree fails unless Node and nodeRTree agree on lines.
func compareWithRTree(t *testing.T, lines []orb.LineString, opt Options) *Result {
	t.Helper()
	got, err := Node(lines, opt)
	if err != nil {
		t.Fatal(err)
	}
	want, err := nodeRTree(lines, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got.Lines), len(want.Lines)) {
			if !reflect.DeepEqual(got.Lines[i], want.Lines[i]) || got.FromNode[i] != want.FromNode[i] || got.ToNode[i] != want.ToNode[i] {
				t.Fatalf("output line %d (input %d): got %v %d->%d, R-tree noding %v %d->%d", i, want.Source[i],
					got.Lines[i], got.FromNode[i], got.ToNode[i], want.Lines[i], want.FromNode[i], want.ToNode[i])
			}
		}
		t.Fatalf("results differ: %d vs %d lines, %d vs %d nodes, %d vs %d splits",
			len(got.Lines), len(want.Lines), len(got.NodeXY), len(want.NodeXY), got.Splits, want.Splits)
	}
	checkInvariants(t, lines, got)
	return got
}

// edgyLines makes n lines whose ends are placed to stress the grid of
// snapEnds: ends at exactly the tolerance from an earlier end, a hair
// inside and outside it, on and beside cell edges (multiples of the cell
// size tol*cellMargin), at the same point, and ends a hair inside or
// outside the tolerance from the middle of an earlier line's segment.
func edgyLines(r *rand.Rand, n int, tol float64, origin orb.Point) []orb.LineString {
	cell := tol * cellMargin
	side := 4 * tol * math.Sqrt(float64(n)) // ends about 3 tolerances apart
	var ends []orb.Point
	var lines []orb.LineString
	randomPoint := func() orb.Point {
		return orb.Point{origin[0] + r.Float64()*side, origin[1] + r.Float64()*side}
	}
	near := func(p orb.Point) orb.Point {
		d := []float64{0, tol, tol * (1 - 1e-12), tol * (1 + 1e-12), tol * math.Nextafter(1, 2), r.Float64() * tol, tol * (1 + r.Float64())}[r.IntN(7)]
		switch r.IntN(3) {
		case 0: // along an axis, so that the pair straddles a cell edge
			if r.IntN(2) == 0 {
				return orb.Point{p[0] + d, p[1]}
			}
			return orb.Point{p[0], p[1] - d}
		default:
			a := r.Float64() * 2 * math.Pi
			return orb.Point{p[0] + d*math.Cos(a), p[1] + d*math.Sin(a)}
		}
	}
	onEdge := func() orb.Point {
		k := math.Floor(origin[0]/cell) + float64(r.IntN(int(side/cell)+1))
		x := k * cell
		x = []float64{x, math.Nextafter(x, math.Inf(-1)), math.Nextafter(x, math.Inf(1))}[r.IntN(3)]
		return orb.Point{x, origin[1] + r.Float64()*side}
	}
	pick := func() orb.Point {
		switch c := r.IntN(10); {
		case c < 4 && len(ends) > 0:
			return near(ends[r.IntN(len(ends))])
		case c < 6:
			return onEdge()
		case c < 8 && len(lines) > 0: // beside an earlier line's segment
			l := lines[r.IntN(len(lines))]
			j := r.IntN(len(l) - 1)
			s := 0.1 + 0.8*r.Float64()
			a, b := l[j], l[j+1]
			ux, uy := b[0]-a[0], b[1]-a[1]
			ln := math.Hypot(ux, uy)
			d := []float64{0, tol, tol * (1 - 1e-9), tol * (1 + 1e-9)}[r.IntN(4)]
			return orb.Point{a[0] + s*ux - d*uy/ln, a[1] + s*uy + d*ux/ln}
		default:
			return randomPoint()
		}
	}
	for len(lines) < n {
		l := orb.LineString{pick()}
		for k := r.IntN(3); k > 0; k-- { // short lines, a few tolerances long
			p := l[len(l)-1]
			l = append(l, orb.Point{p[0] + (r.Float64()-0.5)*8*tol, p[1] + (r.Float64()-0.5)*8*tol})
		}
		l = append(l, pick())
		if validate(0, l, false) != nil {
			continue
		}
		ends = append(ends, l[0], l[len(l)-1])
		lines = append(lines, l)
	}
	return lines
}

// TestNodeMatchesRTreeRandom compares Node with the R-tree noding on seeded
// random lines placed at and around the tolerance and the grid's cell
// edges, at tolerances from 0 to metres and at projected and geographic
// magnitudes.
func TestNodeMatchesRTreeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2026))
	for iter := range 60 {
		tol := []float64{0, 1e-6, 5e-6, 0.1, 0.5, 3}[iter%6]
		origin := []orb.Point{{0, 0}, {-3.3, 7.1}, {121.01, 24.5}, {250000, 2700000}, {-1e7, 1e7}}[iter%5]
		if tol == 0 {
			tol = 0.5 // place the points as for 0.5, node them exactly
		}
		lines := edgyLines(r, 20+r.IntN(400), tol, origin)
		for _, nodeTol := range []float64{tol, 0} {
			compareWithRTree(t, lines, Options{Tolerance: nodeTol, SplitTJunctions: iter%2 == 0})
		}
	}
}
