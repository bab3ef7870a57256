package hydro_test

// National-scale benchmarks on synthetic networks (fixtures/synth). Each
// prints its figure and its ratio against the baseline it names, measured
// in the same run on the same data:
//
//	go test -run '^$' -bench . -benchmem ./hydro/
//
// ENVTRACE_BENCH_REACHES overrides the 2.7M network size (for a quick
// look, e.g. 100000); ENVTRACE_BENCH_25M=1 adds the 25M-reach build
// (NHDPlus HR scale, about 12 GiB of heap with its input).

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/hydro"
)

// Targets from the performance issue.
const (
	targetBuild2_7M     = 3 * time.Second
	targetBuild25M      = 40 * time.Second
	targetBytesPerReach = 64
	targetUTOutlet      = 2 * time.Millisecond
	targetDischargers   = 100 * time.Microsecond
	benchSeed           = 2026
	benchDischargers    = 100_000
)

func benchSize() int {
	if v, err := strconv.Atoi(os.Getenv("ENVTRACE_BENCH_REACHES")); err == nil && v > 0 {
		return v
	}
	return synth.SizeNHDPlusV2
}

// benchData is the shared national network: generated and built once per
// test binary, reused by every benchmark that queries it.
type benchData struct {
	g       *synth.Network
	reaches []hydro.Reach
	net     *hydro.Network
	walk    hydro.WalkGraph // the reference walk's prebuilt upstream adjacency
	starts  []benchStart
}

type benchStart struct {
	name  string
	reach int32
}

var shared struct {
	once sync.Once
	d    *benchData
}

func nationalNetwork(b *testing.B) *benchData {
	shared.once.Do(func() {
		n := benchSize()
		t0 := time.Now()
		g := synth.New(n, benchSeed, synth.NHDPlusV2())
		d := &benchData{g: g, reaches: g.Reaches()}
		gen := time.Since(t0)
		net, err := hydro.Build(context.Background(), d.reaches, hydro.Options{})
		if err != nil {
			panic(err)
		}
		d.net = net
		d.walk = net.NewWalkGraph(false)
		d.starts = pickStarts(g, net)
		h := g.Horton()
		fmt.Fprintf(os.Stderr, "synthetic network: %d reaches, %d basins, %d divergences, max order %d, R_B %.2f, R_L %.2f, generated in %v\n",
			n, g.Basins(), g.Divergences(), h.MaxOrder, h.Bifurcation, h.LengthRatio, gen.Round(time.Millisecond))
		shared.d = d
	})
	return shared.d
}

// pickStarts takes the benchmark starts shared with the PostgreSQL
// benchmarks.
func pickStarts(g *synth.Network, net *hydro.Network) []benchStart {
	var out []benchStart
	for _, st := range g.Starts(net) {
		out = append(out, benchStart{st.Name, st.Reach})
	}
	return out
}

// timeRuns is the mean wall time of f over runs calls.
func timeRuns(runs int, f func()) time.Duration {
	t0 := time.Now()
	for i := 0; i < runs; i++ {
		f()
	}
	return time.Since(t0) / time.Duration(runs)
}

func perOp(b *testing.B) time.Duration {
	return b.Elapsed() / time.Duration(max(b.N, 1))
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// BenchmarkUpstreamUT compares UT (upstream with tributaries, no limit)
// answered from the interval index — Navigate, collecting every reach index
// — with the reference walk, a breadth-first search like the NLDI's
// recursive SQL over a prebuilt upstream adjacency ("walk", the index a
// database keeps) and with that adjacency built per query ("refwalk",
// referenceWalk as the tests call it). x-vs-walk = walk time / index time.
func BenchmarkUpstreamUT(b *testing.B) {
	d := nationalNetwork(b)
	ctx := context.Background()
	for _, s := range d.starts {
		b.Run(s.name, func(b *testing.B) {
			q := hydro.Query{Mode: hydro.UT, Start: s.reach}
			var want map[int32]bool
			runs := 3
			if d.net.UpstreamCount(s.reach) < 10_000 {
				runs = 200
			}
			walk := timeRuns(runs, func() { want = d.net.Walk(q, d.walk) })
			refwalk := timeRuns(1, func() { d.net.ReferenceWalk(q) })
			ids := make([]int32, 0, len(want))
			collect := func(h hydro.Hit) bool { ids = append(ids, h.Reach); return true }
			for b.Loop() {
				ids = ids[:0]
				if err := d.net.Navigate(ctx, q, collect); err != nil {
					b.Fatal(err)
				}
			}
			if len(ids) != len(want) {
				b.Fatalf("index found %d reaches, walk %d", len(ids), len(want))
			}
			idx := perOp(b)
			// Ids only, from the index spans (no per-hit callback, no
			// distance or time): what an interval query over a table does.
			var spans []hydro.Span
			spanIDs := make([]int32, 0, len(want))
			viaSpans := timeRuns(max(runs, 20), func() {
				spans = d.net.UpstreamSpans(q, spans)
				spanIDs = spanIDs[:0]
				for _, sp := range spans {
					for r := sp.Lo(); r < sp.Hi(); r++ {
						spanIDs = append(spanIDs, r)
					}
				}
			})
			if len(spanIDs) != len(want) {
				b.Fatalf("spans hold %d reaches, walk %d", len(spanIDs), len(want))
			}
			b.ReportMetric(float64(len(ids)), "reaches")
			b.ReportMetric(ms(idx), "index-ms")
			b.ReportMetric(ms(viaSpans), "spans-ids-ms")
			b.ReportMetric(float64(walk)/float64(viaSpans), "spans-x-vs-walk")
			b.ReportMetric(ms(walk), "walk-ms")
			b.ReportMetric(float64(walk)/float64(idx), "x-vs-walk")
			b.ReportMetric(float64(refwalk)/float64(idx), "x-vs-refwalk")
			msg := fmt.Sprintf("UT %s: %d reaches; Navigate %v, walk %v (%.0fx), referenceWalk %v (%.0fx); ids from spans %v (%.0fx vs walk)",
				s.name, len(ids), idx, walk, float64(walk)/float64(idx), refwalk, float64(refwalk)/float64(idx),
				viaSpans, float64(walk)/float64(viaSpans))
			if s.name == "outlet" && benchSize() == synth.SizeNHDPlusV2 {
				msg += fmt.Sprintf("; target %v: Navigate %.2f, spans %.2f of target", targetUTOutlet,
					float64(idx)/float64(targetUTOutlet), float64(viaSpans)/float64(targetUTOutlet))
			}
			b.Log(msg)
		})
	}
}

// dischargerIndex holds dischargers sorted by the pre-order index of their
// reach, so those upstream of a station are a few slices of it.
type dischargerIndex struct {
	reach []int32 // sorted pre-order reach index
	id    []int32 // discharger number, parallel to reach
	// byReach is the baseline's lookup: dischargers on each reach (CSR).
	off, on []int32
}

func newDischargerIndex(net *hydro.Network, g *synth.Network, ds []synth.Discharger) *dischargerIndex {
	x := &dischargerIndex{reach: make([]int32, len(ds)), id: make([]int32, len(ds))}
	ord := make([]int32, len(ds))
	for k, dc := range ds {
		r, ok := net.Index(dc.ReachID)
		if !ok {
			panic("discharger on unknown reach " + dc.ReachID)
		}
		x.reach[k], ord[k] = r, int32(k)
	}
	slices.SortFunc(ord, func(a, b int32) int { return int(x.reach[a] - x.reach[b]) })
	sorted := make([]int32, len(ds))
	for k, o := range ord {
		sorted[k], x.id[k] = x.reach[o], o
	}
	x.reach = sorted
	x.off = make([]int32, net.Len()+1)
	for _, r := range x.reach {
		x.off[r+1]++
	}
	for i := 0; i < net.Len(); i++ {
		x.off[i+1] += x.off[i]
	}
	x.on = x.id // reach-sorted, so the CSR payload is id itself
	return x
}

// upstream appends the dischargers inside spans: two binary searches each.
func (x *dischargerIndex) upstream(spans []hydro.Span, out []int32) []int32 {
	for _, s := range spans {
		lo, _ := slices.BinarySearch(x.reach, s.Lo())
		hi, _ := slices.BinarySearch(x.reach[lo:], s.Hi())
		out = append(out, x.id[lo:lo+hi]...)
	}
	return out
}

func (x *dischargerIndex) onReach(r int32) []int32 { return x.on[x.off[r]:x.off[r+1]] }

// BenchmarkDischargersUpstream finds the dischargers upstream of a station
// (100k dischargers on the 2.7M network): index spans plus binary searches
// in dischargers sorted by pre-order reach index, against the reference
// walk (prebuilt adjacency) looking each reached reach up, and against
// Navigate looking each hit up.
func BenchmarkDischargersUpstream(b *testing.B) {
	d := nationalNetwork(b)
	ctx := context.Background()
	x := newDischargerIndex(d.net, d.g, d.g.Dischargers(benchDischargers, benchSeed))
	for _, s := range d.starts {
		b.Run(s.name, func(b *testing.B) {
			q := hydro.Query{Mode: hydro.UT, Start: s.reach}
			var want []int32
			runs := 3
			if d.net.UpstreamCount(s.reach) < 10_000 {
				runs = 200
			}
			walk := timeRuns(runs, func() {
				want = want[:0]
				for r := range d.net.Walk(q, d.walk) {
					want = append(want, x.onReach(r)...)
				}
			})
			var viaNav []int32
			nav := timeRuns(runs, func() {
				viaNav = viaNav[:0]
				_ = d.net.Navigate(ctx, q, func(h hydro.Hit) bool { viaNav = append(viaNav, x.onReach(h.Reach)...); return true })
			})
			var spans []hydro.Span
			var got []int32
			for b.Loop() {
				spans = d.net.UpstreamSpans(q, spans)
				got = x.upstream(spans, got[:0])
			}
			slices.Sort(want)
			slices.Sort(got)
			slices.Sort(viaNav)
			if !slices.Equal(got, want) || !slices.Equal(viaNav, want) {
				b.Fatalf("fast path %d dischargers, navigate %d, walk %d", len(got), len(viaNav), len(want))
			}
			fast := perOp(b)
			b.ReportMetric(float64(len(got)), "dischargers")
			b.ReportMetric(float64(len(spans)), "spans")
			b.ReportMetric(float64(fast.Nanoseconds())/1e3, "fast-µs")
			b.ReportMetric(ms(walk), "walk-ms")
			b.ReportMetric(float64(walk)/float64(fast), "x-vs-walk")
			b.ReportMetric(float64(nav)/float64(fast), "x-vs-navigate")
			b.Logf("dischargers upstream of %s: %d of %d in %d spans; fast %v, walk %v (%.0fx), navigate %v (%.0fx); target %v: %.2f of target",
				s.name, len(got), benchDischargers, len(spans), fast, walk, float64(walk)/float64(fast), nav, float64(nav)/float64(fast),
				targetDischargers, float64(fast)/float64(targetDischargers))
		})
	}
}

// peakRSS reads the process's high-water resident set (Linux), 0 elsewhere.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchBuild builds the network from reaches at every iteration and
// reports build time and memory: the heap the network holds (heap after
// GC with the network alive minus heap after GC before the build, the
// input reaches alive in both), Network.MemoryBytes, both per reach, and
// the heap allocated while building.
func benchBuild(b *testing.B, reaches []hydro.Reach, target time.Duration) {
	n := len(reaches)
	var held uint64
	var est int
	var built time.Duration
	var allocd uint64
	for b.Loop() {
		b.StopTimer()
		before := heapAfterGC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		b.StartTimer()
		t0 := time.Now()
		net, err := hydro.Build(context.Background(), reaches, hydro.Options{})
		built = time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		allocd = m1.TotalAlloc - m0.TotalAlloc
		held = heapAfterGC() - before
		est = net.MemoryBytes()
		runtime.KeepAlive(net)
		net = nil
		b.StartTimer()
	}
	perReach := float64(held) / float64(n)
	b.ReportMetric(built.Seconds(), "build-s")
	b.ReportMetric(float64(built)/float64(target), "of-target")
	b.ReportMetric(perReach, "heap-B/reach")
	b.ReportMetric(float64(est)/float64(n), "est-B/reach")
	b.ReportMetric(perReach/targetBytesPerReach, "B-of-target")
	b.ReportMetric(float64(allocd)/float64(n), "alloc-B/reach")
	b.ReportMetric(float64(peakRSS())/(1<<30), "peakRSS-GiB")
	b.Logf("build %d reaches: %v (target %v: %.2f of target); network heap %.1f B/reach (MemoryBytes %.1f, target %d: %.2f of target); allocated %.0f B/reach while building; process peak RSS %.2f GiB",
		n, built.Round(time.Millisecond), target, float64(built)/float64(target), perReach, float64(est)/float64(n),
		targetBytesPerReach, perReach/targetBytesPerReach, float64(allocd)/float64(n), float64(peakRSS())/(1<<30))
}

// BenchmarkBuild2_7M builds the NHDPlus V2-scale network (target ≤ 3 s,
// ≤ 64 B/reach).
func BenchmarkBuild2_7M(b *testing.B) {
	d := nationalNetwork(b)
	benchBuild(b, d.reaches, targetBuild2_7M)
}

// BenchmarkBuild25M builds the NHDPlus HR-scale network (target ≤ 40 s and
// within 24 GiB); it runs only with ENVTRACE_BENCH_25M=1:
//
//	ENVTRACE_BENCH_25M=1 go test -run '^$' -bench Build25M -benchtime 1x ./hydro/
func BenchmarkBuild25M(b *testing.B) {
	if os.Getenv("ENVTRACE_BENCH_25M") != "1" {
		b.Skip("set ENVTRACE_BENCH_25M=1 to build the 25M-reach network (about 12 GiB)")
	}
	t0 := time.Now()
	g := synth.New(synth.SizeNHDPlusHR, benchSeed, synth.NHDPlusHR())
	reaches := g.Reaches()
	b.Logf("generated %d reaches (%d basins, %d divergences) in %v", len(reaches), g.Basins(), g.Divergences(),
		time.Since(t0).Round(time.Millisecond))
	g = nil // only the reaches stay alive during the build
	benchBuild(b, reaches, targetBuild25M)
}
