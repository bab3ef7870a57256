package hydro_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures/dendritic"
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
		got, _, err := hydro.ReadNetworkCSV(path)
		if err != nil || len(got) != n {
			b.Fatalf("%d reaches, %v", len(got), err)
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
