package airattr_test

import (
	"context"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures/odoursynth"
	"github.com/envtrace/envtrace/fixtures/sensorsynth"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airattr"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
)

func TestDbg(t *testing.T) {
	st, wind := odoursynth.WuqiWind(t)
	ctx := context.Background()
	for seed := uint64(1); seed <= 3; seed++ {
		sc, _ := sensorsynth.Generate(ctx, sensorsynth.Config{Station: st, Wind: wind, Centre: odoursynth.TaichungCoast}, seed)
		screen, _ := adf.Run(ctx, sc.Data, sc.From, sc.To, adf.Default())
		events := airattr.Events(screen, sc.Data)
		ds := &model.Dataset{}
		for _, f := range sc.Factories {
			p := model.FromLonLat(f.Lon, f.Lat)
			ds.Facilities = append(ds.Facilities, model.Facility{EmsNo: f.ID, Name: f.Name, Industry: f.Industry, Location: &p})
		}
		ds.Index()
		e, _ := airattr.NewWithField(ds, events, sc.Grid, sc.Measured, odour.Options{})
		e = e.WithSensors(sc.Data, 5*time.Minute)
		res, _ := e.Rank(ctx, sc.From, sc.To)
		t.Logf("seed %d truth %s events %d affected %d %s", seed, sc.Factories[sc.Source].ID, len(events), len(sc.Affected), res.Attribution.Confidence.Level)
		for _, c := range res.Attribution.Candidates {
			a := c.Evidence.Against
			t.Logf("  %s score %.2f votes %.2f pen %.2f quiet %d nvotes %d", c.FacilityID, c.Score, a.VoteSum, a.Penalty, len(a.Quiet), len(c.Evidence.Votes))
			for i, q := range a.Quiet {
				if i < 25 && (c.FacilityID == sc.Factories[sc.Source].ID) {
					t.Logf("     %+v", q)
				}
			}
		}
	}
}
