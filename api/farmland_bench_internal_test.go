package api

import (
	"context"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework/farmalert"
	"github.com/envtrace/envtrace/casework/outbox"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/farmland"
	"github.com/envtrace/envtrace/tracing/model"
)

// BenchmarkFarmlandEngine measures what a farmland request pays for its
// engine on a running server (a reading ingested since start, so the
// served basin is a later version than the desk's engine's): the engine
// cached per snapshot (farmlandEngine) against the engine built per
// request as before (Engine.On over the current basin), alternated in
// the same run, 1000 of each per loop; and, for scale, the impact the
// request then answers (the fixture's PCB plant above every canal, the
// intakes it reaches reported).
func BenchmarkFarmlandEngine(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	bs, err := fixtures.LoadCentral(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	d, err := farmland.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	eng, err := farmland.New(bs, d, 0)
	if err != nil {
		b.Fatal(err)
	}
	mb, err := NewMemoryBackendWithBasin(bs, WithFarmland(&FarmlandArea{Engine: eng, Alerts: farmalert.NewBook(outbox.NewMemory())}))
	if err != nil {
		b.Fatal(err)
	}
	r := model.Reading{Station: "WQ-M01", Time: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), Parameter: "NH3-N", Value: 0.4, Unit: "mg/L"}
	if _, _, err := mb.IngestReadings(ctx, []model.Reading{r}); err != nil {
		b.Fatal(err)
	}
	fa := mb.FarmlandArea()
	v := 3.0
	q := farmland.Request{Facility: "B7695416", Parameter: "Cu", Value: &v, Unit: "mg/L", Time: time.Date(2026, 8, 14, 4, 0, 0, 0, time.UTC)}
	const per = 1000
	var perRequest, cached, impact time.Duration
	intakes := 0
	for b.Loop() {
		t0 := time.Now()
		for range per {
			if _, err := fa.Engine.On(mb.Basin()); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		var e *farmland.Engine
		for range per {
			if e, err = fa.engine(); err != nil {
				b.Fatal(err)
			}
		}
		t2 := time.Now()
		im, err := e.Impact(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		impact += time.Since(t2)
		perRequest += t1.Sub(t0)
		cached += t2.Sub(t1)
		intakes = len(im.Intakes)
	}
	n := float64(b.N)
	b.ReportMetric(float64(perRequest.Nanoseconds())/n/per, "ns-per-request-engine")
	b.ReportMetric(float64(cached.Nanoseconds())/n/per, "ns-cached-engine")
	b.ReportMetric(float64(perRequest)/float64(cached), "x-per-request/cached")
	b.ReportMetric(float64(impact.Nanoseconds())/n, "ns-impact")
	b.ReportMetric(float64(intakes), "intakes")
}
