package suspect

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
)

// BenchmarkTrace traces the README's plating reading on one engine, whose
// per-station sorted series are built once per data snapshot, against the
// baseline measured in the same run: the same engine with its series
// dropped before every trace, so that each trace sorts every series it
// touches again, which is what each trace used to pay by scanning a
// station's readings for its background and its upstream samples.
func BenchmarkTrace(b *testing.B) {
	dir := b.TempDir()
	bs, err := fixtures.LoadCentral(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	req := Request{Station: "WQ-C1-01", Parameter: "Cu", Value: 1.815, Unit: "mg/L", Time: time.Date(2026, 8, 14, 4, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	eng := New(bs, Options{})
	size := func(res *Result) int {
		return len(res.Suspects) + len(res.Insufficient) + len(res.RuledOut) + len(res.Upstream)
	}
	if _, err := eng.Trace(ctx, req); err != nil { // the data version, computed once per snapshot either way
		b.Fatal(err)
	}
	const reps = 20
	start := time.Now()
	for range reps {
		eng.stations = sync.Map{}
		if _, err := eng.Trace(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	rebuilt := time.Since(start) / reps
	var answer int
	for b.Loop() {
		res, err := eng.Trace(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		answer = size(res)
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(answer), "facilities+stations")
	b.ReportMetric(float64(rebuilt)/float64(per), "x_series_rebuilt_each_trace")
}
