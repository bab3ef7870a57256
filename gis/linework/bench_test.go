package linework

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// BenchmarkNodeTouqian nodes the real 2,034-line Touqian network (about
// 25k vertices) with T-junction detection on, and prints its ratio to the
// R-tree noding Node replaced, timed in the same run.
func BenchmarkNodeTouqian(b *testing.B) {
	lines := readTouqian(b)
	opt := Options{Tolerance: 0.5, SplitTJunctions: true, AllowZeroLength: true}
	vertices := 0
	for _, l := range lines {
		vertices += len(l)
	}
	const runs = 20
	t0 := time.Now()
	for range runs {
		if _, err := nodeRTree(lines, opt); err != nil {
			b.Fatal(err)
		}
	}
	rtree := float64(time.Since(t0).Nanoseconds()) / runs
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	for b.Loop() {
		var err error
		if res, err = Node(lines, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(lines)), "lines")
	b.ReportMetric(float64(vertices), "vertices")
	b.ReportMetric(float64(len(res.NodeXY)), "nodes")
	b.ReportMetric(rtree/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x-faster-than-rtree")
}

// latticeRivers makes a river network of about n lines with geometry
// only, in random file order: the nodes of a square lattice 1 km apart
// (jittered by up to 300 m) each drain west or south to a neighbour, so the
// network is one dendritic tree draining to the south-west corner with no
// crossings. Each reach meanders through 1 to 6 interior vertices. As in
// digitised data, a third of the line ends miss their node by up to 0.4 m
// (within the 0.5 m tolerance), and one line in 200 is a side tributary
// ending 0.3 m from the middle of a reach (a T-junction).
func latticeRivers(n int, seed uint64) []orb.LineString {
	r := rand.New(rand.NewPCG(seed, 16))
	side := int(math.Ceil(math.Sqrt(float64(n + 1))))
	node := make([]orb.Point, side*side)
	for k := range node {
		node[k] = orb.Point{float64(k%side)*1000 + (r.Float64()-0.5)*600, float64(k/side)*1000 + (r.Float64()-0.5)*600}
	}
	miss := func(p orb.Point) orb.Point {
		if r.IntN(3) > 0 {
			return p
		}
		a, d := r.Float64()*2*math.Pi, r.Float64()*0.4
		return orb.Point{p[0] + d*math.Cos(a), p[1] + d*math.Sin(a)}
	}
	var lines []orb.LineString
	for k := 1; k < len(node) && len(lines) < n; k++ {
		i, j := k%side, k/side
		down := k - 1 // west
		if i == 0 || j > 0 && r.IntN(2) == 0 {
			down = k - side // south
		}
		a, b := node[k], node[down]
		ux, uy := b[0]-a[0], b[1]-a[1]
		inner := 1 + r.IntN(6)
		l := orb.LineString{miss(a)}
		for v := 1; v <= inner; v++ {
			t, w := float64(v)/float64(inner+1), (r.Float64()-0.5)*0.2
			l = append(l, orb.Point{a[0] + t*ux - w*uy, a[1] + t*uy + w*ux})
		}
		l = append(l, miss(b))
		lines = append(lines, l)
		if r.IntN(200) == 0 && len(lines) < n {
			// A side tributary from 200 m away to 0.3 m off the middle of
			// this reach's first segment.
			mx, my := (l[0][0]+l[1][0])/2, (l[0][1]+l[1][1])/2
			nx, ny := -(l[1][1] - l[0][1]), l[1][0]-l[0][0]
			ln := math.Hypot(nx, ny)
			nx, ny = nx/ln, ny/ln
			lines = append(lines, orb.LineString{{mx + 200*nx, my + 200*ny}, {mx + 0.3*nx, my + 0.3*ny}})
		}
	}
	r.Shuffle(len(lines), func(a, b int) { lines[a], lines[b] = lines[b], lines[a] })
	return lines
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNodeNetwork nodes a synthetic river network of 200,000 lines
// (ENVTRACE_BENCH_LINEWORK_LINES to change; 2,700,000 is the national
// scale) with a 0.5 m tolerance and T-junctions, and prints wall and CPU
// time and the ratio to the R-tree noding of the same lines in the same
// run:
//
//	ENVTRACE_BENCH_LINEWORK_LINES=2700000 go test -run '^$' -bench NodeNetwork -benchtime 1x ./gis/linework/
func BenchmarkNodeNetwork(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("ENVTRACE_BENCH_LINEWORK_LINES")); err == nil && v > 0 {
		n = v
	}
	lines := latticeRivers(n, 2026)
	opt := Options{Tolerance: 0.5, SplitTJunctions: true}
	runtime.GC()
	cpu0, t0 := processCPU(), time.Now()
	want, err := nodeRTree(lines, opt)
	if err != nil {
		b.Fatal(err)
	}
	rtreeWall, rtreeCPU := time.Since(t0), processCPU()-cpu0
	runtime.GC()
	b.ResetTimer()
	cpu0 = processCPU()
	var res *Result
	for b.Loop() {
		if res, err = Node(lines, opt); err != nil {
			b.Fatal(err)
		}
	}
	wall := b.Elapsed() / time.Duration(b.N)
	cpu := (processCPU() - cpu0) / time.Duration(b.N)
	if len(res.NodeXY) != len(want.NodeXY) || res.Splits != want.Splits {
		b.Fatalf("%d nodes and %d splits, the R-tree noding %d and %d", len(res.NodeXY), res.Splits, len(want.NodeXY), want.Splits)
	}
	b.ReportMetric(cpu.Seconds(), "cpu-s")
	b.ReportMetric(rtreeWall.Seconds()/wall.Seconds(), "x-faster-than-rtree")
	b.ReportMetric(rtreeCPU.Seconds()/cpu.Seconds(), "x-less-cpu-than-rtree")
	b.ReportMetric(float64(len(lines)), "lines")
	b.ReportMetric(float64(len(res.NodeXY)), "nodes")
	b.ReportMetric(float64(res.Splits), "splits")
	b.Logf("%d lines -> %d nodes, %d splits: %v (%v of CPU); the R-tree noding %v (%v of CPU): %.1f× the wall, %.1f× the CPU",
		len(lines), len(res.NodeXY), res.Splits, wall.Round(time.Millisecond), cpu.Round(time.Millisecond),
		rtreeWall.Round(time.Millisecond), rtreeCPU.Round(time.Millisecond),
		rtreeWall.Seconds()/wall.Seconds(), rtreeCPU.Seconds()/cpu.Seconds())
}
