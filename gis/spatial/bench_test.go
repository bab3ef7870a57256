package spatial

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/threadcpu"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// The synthetic national-scale network: 1M short reaches (2..12 vertices,
// steps of ~100-400 m) scattered over a 10°×10° region of the central US,
// about one reach per square kilometre — denser than NHDPlus V2 on average.
const (
	benchLon0, benchLat0 = -100.0, 30.0
	benchLon1, benchLat1 = -90.0, 40.0
)

var bench1M struct {
	once  sync.Once
	lines []orb.LineString
	ix    *LineIndex
	build time.Duration
	heap  uint64
}

func benchIndex1M(b *testing.B) ([]orb.LineString, *LineIndex) {
	bench1M.once.Do(func() {
		r := rand.New(rand.NewPCG(2026, 1))
		bench1M.lines = synthLines(r, 1_000_000, benchLon0, benchLat0, benchLon1, benchLat1, 0.001, 0.004)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		bench1M.ix = NewLineIndex(bench1M.lines, true)
		bench1M.build = time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		bench1M.heap = after.HeapAlloc - before.HeapAlloc
	})
	b.Logf("1M lines: build %v, index heap %.0f MiB, %d vertices, %d tree entries (runs of up to %d segments)",
		bench1M.build, float64(bench1M.heap)/(1<<20), len(bench1M.ix.pts), bench1M.ix.tree.Len(), chunkSegs)
	return bench1M.lines, bench1M.ix
}

func benchQueries(n int) []orb.Point {
	r := rand.New(rand.NewPCG(99, 99))
	qs := make([]orb.Point, n)
	for i := range qs {
		qs[i] = orb.Point{benchLon0 + r.Float64()*(benchLon1-benchLon0), benchLat0 + r.Float64()*(benchLat1-benchLat0)}
	}
	return qs
}

// nearestLinear is the baseline: the same exact metric, evaluated over every
// segment of every line, keeping the best one.
func (ix *LineIndex) nearestLinear(p orb.Point) (item int, d2 float64) {
	q := ix.newQuery(p)
	best, bestItem := math.Inf(1), -1
	for i := 0; i < len(ix.first)-1; i++ {
		for s := ix.first[i]; s+1 < ix.first[i+1]; s++ {
			if _, d := q.segParam(s); d < best {
				best, bestItem = d, i
			}
		}
	}
	return bestItem, best
}

// linearMean measures the mean time of a linear-scan query over the first
// 10k lines, the baseline the "x-vs-linear" metric divides by.
func linearMean(lines []orb.LineString, qs []orb.Point) time.Duration {
	ix := NewLineIndex(lines[:10_000], true)
	n := 300
	start := time.Now()
	for i := 0; i < n; i++ {
		ix.nearestLinear(qs[i%len(qs)])
	}
	return time.Since(start) / time.Duration(n)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// BenchmarkNearest1M measures single-query latency on a 1M-reach index and
// reports p50/p99 (µs) plus "x-vs-linear": how many times faster one indexed
// query over 1M lines is than a linear scan over only 10k lines.
func BenchmarkNearest1M(b *testing.B) {
	lines, ix := benchIndex1M(b)
	qs := benchQueries(1 << 16)
	lin := linearMean(lines, qs)
	for _, k := range []int{1, 5} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			lat := make([]time.Duration, 0, 1<<20)
			i := 0
			var total time.Duration
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, cpuOK := threadcpu.Now()
			for b.Loop() {
				p := qs[i&(len(qs)-1)]
				i++
				t0 := time.Now()
				hits := ix.Nearest(p, k, 0)
				d := time.Since(t0)
				total += d
				lat = append(lat, d)
				if len(hits) != k {
					b.Fatalf("got %d hits", len(hits))
				}
			}
			cpu1, _ := threadcpu.Now()
			slices.Sort(lat)
			mean := total / time.Duration(max(1, len(lat)))
			b.ReportMetric(float64(percentile(lat, 0.50).Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(percentile(lat, 0.99).Nanoseconds())/1e3, "p99-µs")
			b.ReportMetric(float64(lin)/float64(mean), "x-vs-linear")
			if cpuOK && len(lat) > 0 {
				// CPU time of this thread per query, which includes the
				// two clock reads per query but not time lost to other
				// processes on a loaded machine.
				b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(len(lat))/1e3, "cpu-µs/op")
			}
			b.Logf("k=%d: %d queries, mean %v, p50 %v, p99 %v, max %v; linear scan of 10k lines %v/query",
				k, len(lat), mean, percentile(lat, 0.5), percentile(lat, 0.99), lat[len(lat)-1], lin)
		})
	}
}

// BenchmarkNearestLinear10k is the baseline: a linear scan of 10k lines.
func BenchmarkNearestLinear10k(b *testing.B) {
	r := rand.New(rand.NewPCG(2026, 1))
	lines := synthLines(r, 10_000, benchLon0, benchLat0, benchLon1, benchLat1, 0.001, 0.004)
	ix := NewLineIndex(lines, true)
	qs := benchQueries(1024)
	i := 0
	for b.Loop() {
		ix.nearestLinear(qs[i&1023])
		i++
	}
}

// BenchmarkNearest10k is the indexed query on the same 10k lines as
// BenchmarkNearestLinear10k, for a like-for-like ratio.
func BenchmarkNearest10k(b *testing.B) {
	r := rand.New(rand.NewPCG(2026, 1))
	lines := synthLines(r, 10_000, benchLon0, benchLat0, benchLon1, benchLat1, 0.001, 0.004)
	ix := NewLineIndex(lines, true)
	qs := benchQueries(1024)
	i := 0
	for b.Loop() {
		ix.Nearest(qs[i&1023], 1, 0)
		i++
	}
}

// BenchmarkNewLineIndex100k measures index construction.
func BenchmarkNewLineIndex100k(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	lines := synthLines(r, 100_000, benchLon0, benchLat0, benchLon1, benchLat1, 0.001, 0.004)
	for b.Loop() {
		NewLineIndex(lines, true)
	}
}

// tidwallNearest is the tidwall/rtree baseline for BenchmarkNearestVsTidwall10k:
// one box per line in a dynamic R-tree, boxes visited in order of their
// distance in the same query metric, each line's segments measured exactly,
// stopping when the next box is farther than the best line.
func tidwallNearest(tr *rtree.RTreeG[int], ix *LineIndex, p orb.Point) (item int, d2 float64) {
	q := ix.newQuery(p)
	best, bestItem := math.Inf(1), -1
	boxD2 := func(min, max [2]float64) float64 {
		var dx, dy float64
		if p[0] < min[0] {
			dx = (min[0] - p[0]) * q.kx
		} else if p[0] > max[0] {
			dx = (p[0] - max[0]) * q.kx
		}
		if p[1] < min[1] {
			dy = (min[1] - p[1]) * q.ky
		} else if p[1] > max[1] {
			dy = (p[1] - max[1]) * q.ky
		}
		return dx*dx + dy*dy
	}
	tr.Nearby(func(min, max [2]float64, _ int, _ bool) float64 { return boxD2(min, max) },
		func(_, _ [2]float64, i int, dist float64) bool {
			if dist >= best {
				return false
			}
			for s := ix.first[i]; s+1 < ix.first[i+1]; s++ {
				if _, d := q.segParam(s); d < best {
					best, bestItem = d, i
				}
			}
			return true
		})
	return bestItem, best
}

// BenchmarkNearestVsTidwall10k measures the packed Hilbert R-tree's
// nearest-line query against tidwall/rtree (the design's library) on the
// same 10k lines and queries. It checks both find the same line for every
// query and reports "x-faster-than-tidwall" and the answer size.
func BenchmarkNearestVsTidwall10k(b *testing.B) {
	r := rand.New(rand.NewPCG(2026, 1))
	lines := synthLines(r, 10_000, benchLon0, benchLat0, benchLon1, benchLat1, 0.001, 0.004)
	ix := NewLineIndex(lines, true)
	var tr rtree.RTreeG[int]
	for i, l := range lines {
		bd := l.Bound()
		tr.Insert(bd.Min, bd.Max, i)
	}
	qs := benchQueries(1024)
	same := 0
	for _, p := range qs {
		want, _ := tidwallNearest(&tr, ix, p)
		if hits := ix.Nearest(p, 1, 0); len(hits) == 1 && hits[0].Item == want {
			same++
		}
	}
	if same != len(qs) {
		b.Fatalf("packed and tidwall nearest lines agree on %d of %d queries", same, len(qs))
	}
	start := time.Now()
	for _, p := range qs {
		tidwallNearest(&tr, ix, p)
	}
	base := time.Since(start) / time.Duration(len(qs))
	i := 0
	for b.Loop() {
		ix.Nearest(qs[i&1023], 1, 0)
		i++
	}
	per := b.Elapsed() / time.Duration(max(1, b.N))
	b.ReportMetric(float64(base)/float64(max(1, per)), "x-faster-than-tidwall")
	b.ReportMetric(float64(base.Nanoseconds())/1e3, "tidwall-µs/op")
	b.ReportMetric(float64(same), "answers")
}
