package hydro_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/envtrace/envtrace/fixtures/dendritic"
	"github.com/envtrace/envtrace/fixtures/synth"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/hydro"
)

// loadBenchSize is the size of the loading benchmarks' networks: 200,000
// reaches unless ENVTRACE_BENCH_LOAD_REACHES says otherwise
// (docs/performance.md reports 2,700,000).
func loadBenchSize() int {
	if v, err := strconv.Atoi(os.Getenv("ENVTRACE_BENCH_LOAD_REACHES")); err == nil && v > 0 {
		return v
	}
	return 200_000
}

// writeDendriticCSV writes a random dendritic id/toid network
// (fixtures/dendritic, seeded, independent of the readers) to a
// temporary file and returns its path and size in MB.
func writeDendriticCSV(b *testing.B, n int) (string, float64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "network.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := dendritic.Generate(n, 2026).WriteCSV(f); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, float64(st.Size()) / 1e6
}

// BenchmarkReadNetworkCSV measures reading an id/toid/lengthkm network CSV
// into reaches, the parse half of `hydro.Load`, against the generic path
// it replaced (layer.Read, a feature and a property map per row, then
// FromLayer), run once in the same process on the same file:
//
//	ENVTRACE_BENCH_LOAD_REACHES=2700000 go test -run '^$' -bench ReadNetworkCSV -benchtime 3x ./hydro/
func BenchmarkReadNetworkCSV(b *testing.B) {
	n := loadBenchSize()
	path, mb := writeDendriticCSV(b, n)

	runtime.GC()
	t0 := time.Now()
	l, err := layer.Read(path, layer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if got, _, err := hydro.FromLayer(l, hydro.LoadOptions{}); err != nil || len(got) != n {
		b.Fatalf("generic path: %d reaches, %v", len(got), err)
	}
	generic := time.Since(t0)
	l = nil
	runtime.GC()

	b.SetBytes(int64(mb * 1e6))
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		got, _, err := hydro.ReadNetwork(path)
		if err != nil || got != n {
			b.Fatalf("%d reaches, %v", got, err)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	cpu := (cpuTime() - cpu0) / time.Duration(b.N)
	b.ReportMetric(mb/per.Seconds(), "csv-MB/s")
	b.ReportMetric(mb/cpu.Seconds(), "csv-MB/cpu-s")
	b.ReportMetric(mb/generic.Seconds(), "generic-MB/s")
	b.ReportMetric(generic.Seconds()/per.Seconds(), "x-vs-generic")
	b.ReportMetric(float64(n), "reaches")
	b.Logf("%d reaches (%.1f MB): read in %v (%.0f MB/s; %v of CPU, GC included, %.0f MB a CPU-second), %.1f× faster than layer.Read + FromLayer (%v, %.1f MB/s)",
		n, mb, per.Round(time.Millisecond), mb/per.Seconds(), cpu.Round(time.Millisecond), mb/cpu.Seconds(),
		generic.Seconds()/per.Seconds(), generic.Round(time.Millisecond), mb/generic.Seconds())
}

// cpuTime is the CPU time the process has used (user and system, every
// thread, the garbage collector's included): on a machine shared with
// other jobs it says what a run cost where wall time says how long it
// waited.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sourceReaches turns one dendritic network into builder input for each
// topology source, so that their builds compare on the same rivers: id →
// toid as generated; from/to nodes (a reach's upstream node is its own
// id, its downstream node the toid's); geometry alone (a straight line
// as long as the reach, from its downstream node in a seeded random
// direction, laid out from the outlet up); NHDPlus attributes come from
// fixtures/synth at the same size.
func sourceReaches(n int) map[hydro.Topology][]hydro.Reach {
	g := dendritic.Generate(n, 2026)
	toid := g.Reaches()
	nodes := make([]hydro.Reach, n)
	for k, r := range g.Rows {
		id := strconv.FormatInt(r.ID, 10)
		nodes[k] = hydro.Reach{ID: id, FromNode: id, ToNode: strconv.FormatInt(r.ToID, 10), LengthKm: r.LengthKm,
			VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing}
	}
	return map[hydro.Topology][]hydro.Reach{
		hydro.TopologyToID:     toid,
		hydro.TopologyNodes:    nodes,
		hydro.TopologyGeometry: dendriticLines(g),
		hydro.TopologyNHDPlus:  synth.Generate(n, 2026, synth.NHDPlusV2()),
	}
}

// dendriticLines gives each dendritic reach a straight line, upstream end
// first, so that only geometry says how they connect. The layout is a
// layered tree drawing, which has no crossings: a reach's upstream node
// lies one layer (1 km) above its downstream node, at the middle of the
// headwaters it drains, which are 100 m apart in depth-first order.
func dendriticLines(g *dendritic.Network) []hydro.Reach {
	n := len(g.Rows)
	at := make(map[int64]int32, n)
	for k, r := range g.Rows {
		at[r.ID] = int32(k)
	}
	kids := make([][]int32, n)
	for k, r := range g.Rows {
		if r.ToID != 0 {
			d := at[r.ToID]
			kids[d] = append(kids[d], int32(k))
		}
	}
	x := make([]float64, n)
	y := make([]float64, n)
	lo := make([]float64, n)
	leaves := 0.0
	type frame struct {
		k    int32
		next int
	}
	root := at[g.Outlet]
	y[root] = 1000
	stack := []frame{{root, 0}}
	lo[root] = leaves
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(kids[f.k]) {
			c := kids[f.k][f.next]
			f.next++
			y[c] = y[f.k] + 1000
			lo[c] = leaves
			stack = append(stack, frame{c, 0})
			continue
		}
		if len(kids[f.k]) == 0 {
			leaves++
		}
		x[f.k] = (lo[f.k] + leaves - 1) / 2 * 100
		stack = stack[:len(stack)-1]
	}
	out := make([]hydro.Reach, n)
	for k, r := range g.Rows {
		bottom := orb.Point{x[root], 0}
		if r.ToID != 0 {
			d := at[r.ToID]
			bottom = orb.Point{x[d], y[d]}
		}
		out[k] = hydro.Reach{ID: strconv.FormatInt(r.ID, 10), LengthKm: hydro.Missing, VelocityFps: hydro.Missing,
			TotDASqKm: hydro.Missing, Geometry: orb.LineString{{x[k], y[k]}, bottom}}
	}
	return out
}

// BenchmarkBuildSources builds the same size of network from each
// topology source, one after the other in one run, and prints each
// build's wall and CPU time and its ratio to the id → toid build of the
// same run (target: ≤ 2 s at 2.7M for every source):
//
//	ENVTRACE_BENCH_LOAD_REACHES=2700000 go test -run '^$' -bench BuildSources -benchtime 1x -timeout 30m ./hydro/
func BenchmarkBuildSources(b *testing.B) {
	n := loadBenchSize()
	in := sourceReaches(n)
	runtime.GC()
	t0 := time.Now()
	if _, err := hydro.Build(context.Background(), in[hydro.TopologyToID], hydro.Options{}); err != nil {
		b.Fatal(err)
	}
	base := time.Since(t0) // the baseline: one id/toid build, whichever sub-benchmarks run
	for _, topo := range []hydro.Topology{hydro.TopologyToID, hydro.TopologyNodes, hydro.TopologyNHDPlus, hydro.TopologyGeometry} {
		b.Run(string(topo[:min(len(topo), 4)]), func(b *testing.B) {
			runtime.GC()
			cpu0 := cpuTime()
			var net *hydro.Network
			for b.Loop() {
				var err error
				if net, err = hydro.Build(context.Background(), in[topo], hydro.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			cpu := (cpuTime() - cpu0) / time.Duration(b.N)
			// Geometry is noded into from/to nodes first, and that is
			// the topology the network reports.
			if (net.Topology != topo && topo != hydro.TopologyGeometry) || net.Len() < n {
				b.Fatalf("built %d reaches from %s, want %d from %s", net.Len(), net.Topology, n, topo)
			}
			b.ReportMetric(per.Seconds(), "build-s")
			b.ReportMetric(cpu.Seconds(), "cpu-s")
			b.ReportMetric(per.Seconds()/base.Seconds(), "x-of-toid")
			b.ReportMetric(float64(net.Len()), "reaches")
			b.Logf("%s: %d reaches built in %v (%v of CPU), %.2f× the id/toid build of this run (%v)",
				topo, net.Len(), per.Round(time.Millisecond), cpu.Round(time.Millisecond), per.Seconds()/base.Seconds(),
				base.Round(time.Millisecond))
		})
	}
}

// BenchmarkReadNetworkGeoJSON measures reading a GeoJSON network (the
// dendritic rows as LineString features with id, toid and lengthkm) into
// the builder's input as Load does (the streaming reader), against the
// generic path (layer.Read, then FromLayer) and against decoding the same
// bytes with orb's geojson package alone (no reaches), each run once in
// the same process on the same file:
//
//	ENVTRACE_BENCH_LOAD_REACHES=2700000 go test -run '^$' -bench ReadNetworkGeoJSON -benchtime 1x ./hydro/
func BenchmarkReadNetworkGeoJSON(b *testing.B) {
	n := loadBenchSize()
	g := dendritic.Generate(n, 2026)
	rng := rand.New(rand.NewPCG(2026, 9))
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for k, r := range g.Rows {
		if k > 0 {
			buf.WriteByte(',')
		}
		x, y := 120+rng.Float64(), 22+rng.Float64()*3
		fmt.Fprintf(&buf, `{"type":"Feature","properties":{"id":%d,"toid":%d,"lengthkm":%g},"geometry":{"type":"LineString","coordinates":[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]}}`,
			r.ID, r.ToID, r.LengthKm, x, y, x+0.001, y+0.001, x+0.002, y+0.001)
	}
	buf.WriteString("]}\n")
	path := filepath.Join(b.TempDir(), "network.geojson")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	mb := float64(buf.Len()) / 1e6

	runtime.GC()
	t0 := time.Now()
	fc, err := geojson.UnmarshalFeatureCollection(buf.Bytes())
	if err != nil || len(fc.Features) != n {
		b.Fatalf("orb: %v", err)
	}
	orbTime := time.Since(t0)
	fc = nil
	buf = bytes.Buffer{}
	runtime.GC()

	t0 = time.Now()
	l, err := layer.Read(path, layer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if got, _, err := hydro.FromLayer(l, hydro.LoadOptions{}); err != nil || len(got) != n {
		b.Fatalf("generic path: %d reaches, %v", len(got), err)
	}
	generic := time.Since(t0)
	l = nil
	runtime.GC()

	b.SetBytes(int64(mb * 1e6))
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		got, _, err := hydro.ReadNetwork(path)
		if err != nil || got != n {
			b.Fatalf("%d reaches, %v", got, err)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	cpu := (cpuTime() - cpu0) / time.Duration(b.N)
	b.ReportMetric(mb/per.Seconds(), "geojson-MB/s")
	b.ReportMetric(mb/cpu.Seconds(), "geojson-MB/cpu-s")
	b.ReportMetric(orbTime.Seconds()/per.Seconds(), "x-vs-orb")
	b.ReportMetric(generic.Seconds()/per.Seconds(), "x-vs-generic")
	b.ReportMetric(float64(n), "reaches")
	b.Logf("%d reaches (%.1f MB GeoJSON): read into reaches in %v (%.0f MB/s; %v of CPU, %.0f MB a CPU-second), %.2f× the speed of layer.Read + FromLayer (%v, %.0f MB/s), %.2f× that of orb's decoding alone (%v, %.0f MB/s)",
		n, mb, per.Round(time.Millisecond), mb/per.Seconds(), cpu.Round(time.Millisecond), mb/cpu.Seconds(),
		generic.Seconds()/per.Seconds(), generic.Round(time.Millisecond), mb/generic.Seconds(),
		orbTime.Seconds()/per.Seconds(), orbTime.Round(time.Millisecond), mb/orbTime.Seconds())
}
