package hydro_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures/dendritic"
	"github.com/envtrace/envtrace/hydro"
)

// BenchmarkStartup measures what `serve --data` spends on the network
// before it can answer: the id/toid CSV of a random dendritic network
// (fixtures/dendritic) read into reaches (the CSV network reader) and
// built (hydro.Load), against reading the built network's snapshot
// (hydro.LoadSnapshot, timed). The baselines run once, in the same run.
// 200,000 reaches unless ENVTRACE_BENCH_STARTUP_REACHES says otherwise
// (docs/performance.md reports 2,700,000):
//
//	ENVTRACE_BENCH_STARTUP_REACHES=2700000 go test -run '^$' -bench Startup -benchtime 3x ./hydro/
func BenchmarkStartup(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("ENVTRACE_BENCH_STARTUP_REACHES")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "network.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := dendritic.Generate(n, 2026).WriteCSV(f); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(csvPath)
	csvMB := float64(st.Size()) / 1e6

	runtime.GC()
	t0 := time.Now()
	if _, _, err := hydro.ReadNetwork(csvPath); err != nil {
		b.Fatal(err)
	}
	parse := time.Since(t0)
	runtime.GC()
	t0 = time.Now()
	net, _, err := hydro.Load(context.Background(), csvPath, hydro.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	load := time.Since(t0)
	key := "bench"
	snap := filepath.Join(dir, "network.snap")
	t0 = time.Now()
	if err := net.SaveSnapshot(snap, key); err != nil {
		b.Fatal(err)
	}
	save := time.Since(t0)
	sst, _ := os.Stat(snap)
	runtime.GC()

	b.ResetTimer()
	for b.Loop() {
		got, err := hydro.LoadSnapshot(snap, key)
		if err != nil || got.Len() != n {
			b.Fatalf("snapshot: %v", err)
		}
	}
	read := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(read.Milliseconds()), "ms-snapshot")
	b.ReportMetric(float64(load.Milliseconds()), "ms-parse+build")
	b.ReportMetric(load.Seconds()/read.Seconds(), "x-vs-parse+build")
	b.ReportMetric(csvMB/parse.Seconds(), "csv-MB/s")
	b.ReportMetric(float64(n), "reaches")
	b.Logf("%d reaches: snapshot read in %v (%.1f MB, written in %v), %.1f× faster than parsing and building the %.1f MB CSV (%v, of which reading %v, %.1f MB/s)",
		n, read.Round(time.Millisecond), float64(sst.Size())/1e6, save.Round(time.Millisecond), load.Seconds()/read.Seconds(),
		csvMB, load.Round(time.Millisecond), parse.Round(time.Millisecond), csvMB/parse.Seconds())
}
