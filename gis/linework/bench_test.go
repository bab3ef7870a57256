package linework

import "testing"

// BenchmarkNodeTouqian nodes the real 2,034-line Touqian network (about
// 25k vertices) with T-junction detection on.
func BenchmarkNodeTouqian(b *testing.B) {
	lines := readTouqian(b)
	opt := Options{Tolerance: 0.5, SplitTJunctions: true, AllowZeroLength: true}
	vertices := 0
	for _, l := range lines {
		vertices += len(l)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Node(lines, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(lines)), "lines")
	b.ReportMetric(float64(vertices), "vertices")
}

// BenchmarkNodeTouqianEndsOnly is the same without T-junction detection,
// which is the segment-index part of the cost.
func BenchmarkNodeTouqianEndsOnly(b *testing.B) {
	lines := readTouqian(b)
	opt := Options{Tolerance: 0.5, AllowZeroLength: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Node(lines, opt); err != nil {
			b.Fatal(err)
		}
	}
}
