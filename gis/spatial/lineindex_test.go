package spatial

import (
	"github.com/envtrace/envtrace/gis/crs"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestNearestTable(t *testing.T) {
	// Projected lines (metres). Line 0 runs west to east along y=0 from x=0
	// to x=100 (digitised upstream -> downstream, so x=0 is measure 100).
	// Line 1 is an L: (0,10) -> (0,20) -> (30,20), length 40.
	// Line 2 is a single vertex at (200,200). Line 3 is empty.
	lines := []orb.LineString{
		{{0, 0}, {50, 0}, {100, 0}},
		{{0, 10}, {0, 20}, {30, 20}},
		{{200, 200}},
		{},
	}
	ix := NewLineIndex(lines, false)
	tests := []struct {
		name    string
		p       orb.Point
		item    int
		measure float64
		offset  float64
		point   orb.Point
	}{
		{"upstream end has measure 100", orb.Point{-3, -4}, 0, 100, 5, orb.Point{0, 0}},
		{"downstream end has measure 0", orb.Point{104, 3}, 0, 0, 5, orb.Point{100, 0}},
		{"middle has measure 50", orb.Point{50, -2}, 0, 50, 2, orb.Point{50, 0}},
		{"quarter point", orb.Point{25, -1.5}, 0, 75, 1.5, orb.Point{25, 0}},
		{"on the line offset 0", orb.Point{80, 0}, 0, 20, 0, orb.Point{80, 0}},
		{"interior vertex of an L", orb.Point{-1, 21}, 1, 75, math.Sqrt2, orb.Point{0, 20}},
		{"second leg of an L", orb.Point{20, 23}, 1, 25, 3, orb.Point{20, 20}},
		{"first leg of an L", orb.Point{-2, 15}, 1, 87.5, 2, orb.Point{0, 15}},
		{"single-vertex line", orb.Point{203, 204}, 2, 100, 5, orb.Point{200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Nearest(tt.p, 1, 0)
			if len(hits) != 1 {
				t.Fatalf("got %d hits, want 1", len(hits))
			}
			h := hits[0]
			if h.Item != tt.item {
				t.Errorf("Item = %d, want %d", h.Item, tt.item)
			}
			if !near(h.Measure, tt.measure, 1e-9) {
				t.Errorf("Measure = %v, want %v", h.Measure, tt.measure)
			}
			if !near(h.OffsetM, tt.offset, 1e-9) {
				t.Errorf("OffsetM = %v, want %v", h.OffsetM, tt.offset)
			}
			if !near(h.Point[0], tt.point[0], 1e-9) || !near(h.Point[1], tt.point[1], 1e-9) {
				t.Errorf("Point = %v, want %v", h.Point, tt.point)
			}
		})
	}
}

func TestNearestKDistinctSorted(t *testing.T) {
	// Line 0 zig-zags close to the query many times, so several of its
	// segments are nearer than line 1: the k results must still be distinct.
	lines := []orb.LineString{
		{{-10, 1}, {-5, 1.1}, {0, 1}, {5, 1.1}, {10, 1}},
		{{-10, 3}, {10, 3}},
		{{-10, -6}, {10, -6}},
		{{-10, 50}, {10, 50}},
	}
	ix := NewLineIndex(lines, false)
	tests := []struct {
		name  string
		k     int
		max   float64
		items []int
	}{
		{"k=1", 1, 0, []int{0}},
		{"k=2 skips other segments of line 0", 2, 0, []int{0, 1}},
		{"k=3", 3, 0, []int{0, 1, 2}},
		{"k larger than items", 10, 0, []int{0, 1, 2, 3}},
		{"maxDist cuts", 10, 5, []int{0, 1}},
		{"maxDist inclusive", 10, 6, []int{0, 1, 2}},
		{"k=0", 0, 0, nil},
		{"negative k", -1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Nearest(orb.Point{0, 0}, tt.k, tt.max)
			var got []int
			for i, h := range hits {
				got = append(got, h.Item)
				if i > 0 && h.OffsetM < hits[i-1].OffsetM {
					t.Errorf("not sorted: %v then %v", hits[i-1].OffsetM, h.OffsetM)
				}
			}
			if len(got) != len(tt.items) {
				t.Fatalf("items = %v, want %v", got, tt.items)
			}
			for i := range got {
				if got[i] != tt.items[i] {
					t.Fatalf("items = %v, want %v", got, tt.items)
				}
			}
		})
	}
}

func TestNearestEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		lines []orb.LineString
		p     orb.Point
		want  int // number of hits for k=5
	}{
		{"no lines", nil, orb.Point{0, 0}, 0},
		{"only empty lines", []orb.LineString{{}, {}}, orb.Point{0, 0}, 0},
		{"NaN query", []orb.LineString{{{0, 0}, {1, 1}}}, orb.Point{math.NaN(), 0}, 0},
		{"Inf query", []orb.LineString{{{0, 0}, {1, 1}}}, orb.Point{0, math.Inf(1)}, 0},
		{"NaN segment skipped", []orb.LineString{{{0, 0}, {math.NaN(), 1}}, {{2, 2}, {3, 3}}}, orb.Point{0, 0}, 1},
		{"duplicate vertices", []orb.LineString{{{1, 1}, {1, 1}, {1, 1}}}, orb.Point{0, 0}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := NewLineIndex(tt.lines, false)
			if got := ix.Nearest(tt.p, 5, 0); len(got) != tt.want {
				t.Errorf("got %d hits, want %d", len(got), tt.want)
			}
		})
	}
	var nilIndex *LineIndex
	if nilIndex.Nearest(orb.Point{0, 0}, 1, 0) != nil || nilIndex.Len() != 0 {
		t.Error("nil index should answer nothing")
	}
}

func TestNearestGeographic(t *testing.T) {
	// A meridian reach at lon -89.4 from lat 43.01 (upstream) to 43.00
	// (downstream): about 1111 m long. A point 0.001° east at lat 43.005
	// lies ~81.5 m away (cos 43° * 111.4 km/° * 0.001°).
	lines := []orb.LineString{{{-89.4, 43.01}, {-89.4, 43.00}}}
	ix := NewLineIndex(lines, true)
	hits := ix.Nearest(orb.Point{-89.399, 43.005}, 1, 0)
	if len(hits) != 1 {
		t.Fatalf("got %d hits", len(hits))
	}
	h := hits[0]
	want := geodesicDistance(-89.399, 43.005, -89.4, 43.005)
	if !near(h.OffsetM, want, want*1e-4) {
		t.Errorf("OffsetM = %v, want %v (geodesic)", h.OffsetM, want)
	}
	if !near(h.Measure, 50, 1e-3) {
		t.Errorf("Measure = %v, want 50", h.Measure)
	}
	if hits := ix.Nearest(orb.Point{-89.399, 43.005}, 1, 80); len(hits) != 0 {
		t.Errorf("maxDistM=80 should exclude an ~81.5 m hit, got %v", hits)
	}
	if hits := ix.Nearest(orb.Point{-89.399, 43.005}, 1, 82); len(hits) != 1 {
		t.Errorf("maxDistM=82 should include an ~81.5 m hit, got %v", hits)
	}
}

// TestGeographicAccuracy checks the documented accuracy of the local
// equirectangular metric against Vincenty's geodesic on GRS80.
func TestGeographicAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct {
		maxLat, dist, relErr float64
	}{
		{45, 1000, 5e-5},
		{45, 10000, 5e-4},
		{60, 10000, 8e-4},
	} {
		worst := 0.0
		for i := 0; i < 2000; i++ {
			lat := (r.Float64()*2 - 1) * tc.maxLat
			lon := (r.Float64()*2 - 1) * 179
			az := r.Float64() * 2 * math.Pi
			kx, ky := metresPerDegree(lat)
			lon2 := lon + tc.dist*math.Sin(az)/kx
			lat2 := lat + tc.dist*math.Cos(az)/ky
			g := geodesicDistance(lon, lat, lon2, lat2)
			// the metric as used by a query centred on the first point
			ix := &LineIndex{geographic: true}
			q := ix.newQuery(orb.Point{lon, lat})
			dx, dy := (lon2-lon)*q.kx, (lat2-lat)*q.ky
			e := math.Abs(math.Hypot(dx, dy)-g) / g
			worst = math.Max(worst, e)
		}
		if worst > tc.relErr {
			t.Errorf("|lat|<=%v d=%v m: worst relative error %.2e > %.0e", tc.maxLat, tc.dist, worst, tc.relErr)
		}
		t.Logf("|lat|<=%v d=%v m: worst relative error vs geodesic %.2e", tc.maxLat, tc.dist, worst)
	}
}

// geodesicDistance is the reference for the equirectangular
// approximation: Vincenty's inverse formula on the ellipsoid.
func geodesicDistance(lon1, lat1, lon2, lat2 float64) float64 {
	return crs.GeodesicDistance(lon1, lat1, lon2, lat2)
}

// bruteNearest is an independent linear scan: per line, the minimum exact
// distance over its segments in the query's local metric.
func bruteNearest(lines []orb.LineString, geographic bool, p orb.Point, k int, maxDist float64) []Hit {
	kx, ky := 1.0, 1.0
	if geographic {
		kx, ky = metresPerDegree(p[1])
	}
	var out []Hit
	for i, l := range lines {
		best := math.Inf(1)
		for j := range l {
			a := l[j]
			b := a
			if j+1 < len(l) {
				b = l[j+1]
			} else if len(l) > 1 {
				break
			}
			ax, ay := (a[0]-p[0])*kx, (a[1]-p[1])*ky
			bx, by := (b[0]-p[0])*kx, (b[1]-p[1])*ky
			ux, uy := bx-ax, by-ay
			t := 0.0
			if l2 := ux*ux + uy*uy; l2 > 0 {
				t = math.Max(0, math.Min(1, -(ax*ux+ay*uy)/l2))
			}
			best = math.Min(best, math.Hypot(ax+t*ux, ay+t*uy))
		}
		if len(l) == 0 || (maxDist > 0 && best > maxDist) {
			continue
		}
		// keep the k best, sorted, by insertion
		if len(out) == k && best >= out[k-1].OffsetM {
			continue
		}
		j := len(out)
		if j < k {
			out = append(out, Hit{})
		} else {
			j = k - 1
		}
		for j > 0 && out[j-1].OffsetM > best {
			out[j] = out[j-1]
			j--
		}
		out[j] = Hit{Item: i, OffsetM: best}
	}
	return out
}

func TestNearestMatchesBruteForce(t *testing.T) {
	for _, geo := range []bool{false, true} {
		name := "projected"
		if geo {
			name = "geographic"
		}
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var lines []orb.LineString
			var lo, hi orb.Point
			if geo {
				lines = synthLines(r, 2000, -90.5, 43.0, -89.5, 44.0, 0.0005, 0.004)
				lo, hi = orb.Point{-90.6, 42.9}, orb.Point{-89.4, 44.1}
			} else {
				lines = synthLines(r, 2000, 0, 0, 10000, 10000, 5, 300)
				lo, hi = orb.Point{-500, -500}, orb.Point{10500, 10500}
			}
			ix := NewLineIndex(lines, geo)
			for qi := 0; qi < 800; qi++ {
				p := orb.Point{lo[0] + r.Float64()*(hi[0]-lo[0]), lo[1] + r.Float64()*(hi[1]-lo[1])}
				k := 1 + r.IntN(8)
				maxDist := 0.0
				if qi%3 == 0 {
					maxDist = r.Float64() * 400
				}
				got := ix.Nearest(p, k, maxDist)
				want := bruteNearest(lines, geo, p, k, maxDist)
				if len(got) != len(want) {
					t.Fatalf("query %d at %v k=%d max=%v: got %d hits, want %d", qi, p, k, maxDist, len(got), len(want))
				}
				for i := range got {
					tol := 1e-9 * math.Max(1, want[i].OffsetM)
					if !near(got[i].OffsetM, want[i].OffsetM, tol) {
						t.Fatalf("query %d rank %d: offset %v, want %v", qi, i, got[i].OffsetM, want[i].OffsetM)
					}
					if got[i].Item != want[i].Item && !near(got[i].OffsetM, lineDist(lines[got[i].Item], geo, p), tol) {
						t.Fatalf("query %d rank %d: item %d, want %d", qi, i, got[i].Item, want[i].Item)
					}
				}
				q := (&LineIndex{geographic: geo}).newQuery(p)
				for _, h := range got {
					d := math.Hypot((h.Point[0]-p[0])*q.kx, (h.Point[1]-p[1])*q.ky)
					if !near(d, h.OffsetM, 1e-6*math.Max(1, d)) {
						t.Fatalf("query %d: Point %v is %v from the query, OffsetM %v", qi, h.Point, d, h.OffsetM)
					}
					if h.Measure < 0 || h.Measure > 100 || math.IsNaN(h.Measure) {
						t.Fatalf("query %d: Measure %v", qi, h.Measure)
					}
				}
				seen := map[int]bool{}
				for _, h := range got {
					if seen[h.Item] {
						t.Fatalf("query %d: duplicate item %d", qi, h.Item)
					}
					seen[h.Item] = true
				}
			}
		})
	}
}

func lineDist(l orb.LineString, geo bool, p orb.Point) float64 {
	h := bruteNearest([]orb.LineString{l}, geo, p, 1, 0)
	return h[0].OffsetM
}

// synthLines makes n deterministic random polylines in the box
// [x0,x1]×[y0,y1]: 2..12 vertices each, steps of stepMin..stepMax units,
// heading wandering by up to ±0.5 rad per step, like small stream reaches.
// About one line in twenty is a single vertex or has repeated vertices.
func synthLines(r *rand.Rand, n int, x0, y0, x1, y1, stepMin, stepMax float64) []orb.LineString {
	lines := make([]orb.LineString, n)
	for i := range lines {
		nv := 2 + r.IntN(11)
		if r.IntN(50) == 0 {
			nv = 1
		}
		l := make(orb.LineString, nv)
		p := orb.Point{x0 + r.Float64()*(x1-x0), y0 + r.Float64()*(y1-y0)}
		heading := r.Float64() * 2 * math.Pi
		for j := range l {
			l[j] = p
			if r.IntN(50) == 0 {
				continue // repeated vertex
			}
			heading += (r.Float64() - 0.5)
			step := stepMin + r.Float64()*(stepMax-stepMin)
			p = orb.Point{p[0] + step*math.Cos(heading), p[1] + step*math.Sin(heading)}
		}
		lines[i] = l
	}
	return lines
}

// TestNearestConcurrent runs queries from several goroutines on one index
// (run with -race): Nearest must be safe for concurrent use.
func TestNearestConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	lines := synthLines(r, 2000, 0, 0, 10000, 10000, 5, 300)
	ix := NewLineIndex(lines, false)
	queries := make([]orb.Point, 400)
	want := make([][]Hit, len(queries))
	for i := range queries {
		queries[i] = orb.Point{r.Float64() * 10000, r.Float64() * 10000}
		want[i] = ix.Nearest(queries[i], 3, 0)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range queries {
				i := (i + 97*g) % len(queries)
				got := ix.Nearest(queries[i], 3, 0)
				if len(got) != len(want[i]) {
					t.Errorf("query %d: %d hits, want %d", i, len(got), len(want[i]))
					return
				}
				for j := range got {
					if got[j] != want[i][j] {
						t.Errorf("query %d: %v, want %v", i, got[j], want[i][j])
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
}
