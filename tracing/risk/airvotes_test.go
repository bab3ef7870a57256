package risk

import (
	"context"
	"testing"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/fixtures/odoursynth"
	"github.com/envtrace/envtrace/fixtures/sensorsynth"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// TestAirAttributionFeedsTheTerm: a synthetic PM2.5 plume from one of five
// factories (fixtures/sensorsynth, under the real Wuqi wind) makes
// micro-sensor events whose attribution upwind gives votes to the
// factories: as of the end of the episode the odour-and-air term of the
// factory the generator chose as the source is non-zero and dated within
// the episode; without the sensors every factory's term is "no data".
func TestAirAttributionFeedsTheTerm(t *testing.T) {
	st, wind := odoursynth.WuqiWind(t)
	ctx := context.Background()
	sc, err := sensorsynth.Generate(ctx, sensorsynth.Config{Station: st, Wind: wind, Centre: odoursynth.TaichungCoast}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ds := &model.Dataset{}
	for _, f := range sc.Factories {
		p := model.FromLonLat(f.Lon, f.Lat)
		ds.Facilities = append(ds.Facilities, model.Facility{EmsNo: f.ID, Name: f.Name, Industry: f.Industry, Location: &p})
	}
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	var w []atmos.Observation // the wind of the episode's days
	for _, o := range wind {
		if !o.Time.Before(sc.From.Add(-48*time.Hour)) && o.Time.Before(sc.To.Add(48*time.Hour)) {
			w = append(w, o)
		}
	}
	asOf := sc.To.Add(time.Hour)
	src := sc.Factories[sc.Source].ID
	for _, tc := range []struct {
		name    string
		sensors *sensor.Data
	}{{"with sensors", sc.Data}, {"without sensors", &sensor.Data{}}} {
		t.Run(tc.name, func(t *testing.T) {
			d := &datadir.Dir{Water: ds, Monitors: []atmos.Monitor{st}, Wind: w, Sensors: tc.sensors}
			fs, err := Compute(ctx, Input{Dir: d}, asOf)
			if err != nil {
				t.Fatal(err)
			}
			v := fs[src][TermOdourAir]
			t.Logf("source %s: %v dated %v (%s)", src, v.V, v.Date, v.Note)
			if tc.sensors == sc.Data {
				if v.V <= 0 || v.Date.Before(sc.From) || v.Date.After(sc.To) {
					t.Errorf("source %s: %v dated %v, want > 0 dated within %v–%v", src, v.V, v.Date, sc.From, sc.To)
				}
				return
			}
			for id, f := range fs {
				if x := f[TermOdourAir]; x.V != 0 || !x.Date.IsZero() {
					t.Errorf("%s without sensors: %+v", id, x)
				}
			}
		})
	}
}
