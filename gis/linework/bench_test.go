package linework

import (
	"testing"
	"time"
)

// BenchmarkNodeTouqian nodes the real 2,034-line Touqian network (about
// 25k vertices) with T-junction detection on.
func BenchmarkNodeTouqian(b *testing.B) {
	lines := readTouqian(b)
	opt := Options{Tolerance: 0.5, SplitTJunctions: true, AllowZeroLength: true}
	vertices := 0
	for _, l := range lines {
		vertices += len(l)
	}
	// Baseline: the same noding without T-junction detection (end
	// snapping only), so the ratio is the price of the segment index.
	const runs = 20
	t0 := time.Now()
	for i := 0; i < runs; i++ {
		if _, err := Node(lines, Options{Tolerance: 0.5, AllowZeroLength: true}); err != nil {
			b.Fatal(err)
		}
	}
	endsOnly := float64(time.Since(t0).Nanoseconds()) / runs
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Node(lines, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(lines)), "lines")
	b.ReportMetric(float64(vertices), "vertices")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/endsOnly, "x-cost-vs-ends-only")
}
