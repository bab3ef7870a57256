package farmland

import (
	"context"
	"testing"
	"time"

	"github.com/envtrace/envtrace/hydro"
)

// BenchmarkImpact times the forward impact of the fixture's PCB plant
// (above every canal: the largest answer) against its baseline, the bare
// DD navigation from the same reach, and reports the ratio and the answer
// size.
func BenchmarkImpact(b *testing.B) {
	e := centralEngine(b)
	v := 3.0
	q := Request{Facility: "B7695416", Parameter: "Cu", Value: &v, Unit: "mg/L", Time: time.Date(2026, 8, 14, 4, 0, 0, 0, time.UTC)}
	srcs, err := e.facilitySources(q, paramCu())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var base, full time.Duration
	intakes := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := e.B.Net.NavigateAll(ctx, hydro.Query{Mode: hydro.DD, Start: srcs[0].Place.Reach}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		im, err := e.Impact(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		full += time.Since(t1)
		base += t1.Sub(t0)
		intakes = len(im.Intakes)
	}
	b.ReportMetric(float64(full)/float64(base), "x_navigate")
	b.ReportMetric(float64(intakes), "intakes")
}
