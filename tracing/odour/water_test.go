package odour_test

import (
	"context"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/odour"
)

// TestWaterLink places a sewage-smell petition at each water scenario's
// station of the central fixture: the trace offers the nearest reach and
// the outfalls upstream, the scenario's culprit among them, and one
// suspect list holds every facility with an air vote and every upstream
// discharger. A petition whose odour does not suggest waste water gets no
// water link.
func TestWaterLink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := fixtures.LoadCentral(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	at := d.Wind[len(d.Wind)/2].Time
	var ps []odour.Petition
	want := map[string]string{}
	for _, sc := range scs {
		st, ok := b.DS.Station(sc.Station)
		if !ok || sc.Culprit == "" {
			continue
		}
		lon, lat := st.Point.LonLat()
		id := "W-" + sc.ID
		ps = append(ps, odour.Petition{ID: id, Time: at, Lon: lon, Lat: lat, Category: odour.Category{Group: "wastewater", Type: "rotten-eggs"}, Intensity: 3})
		want[id] = sc.Culprit
		ps = append(ps, odour.Petition{ID: id + "-bread", Time: at, Lon: lon, Lat: lat, Category: odour.Category{Group: "food", Type: "bakery"}, Intensity: 3})
	}
	if len(want) == 0 {
		t.Fatal("the fixture has no water scenario with a culprit")
	}
	e, err := odour.New(d.Water, ps, d.Monitors, d.Wind, odour.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e = e.WithBasin(b, odour.WaterOptions{MaxKm: 60})
	for id, culprit := range want {
		t.Run(id, func(t *testing.T) {
			res, err := e.Trace(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if res.Water == nil {
				t.Fatal("no water link at a station on the river")
			}
			found := slices.ContainsFunc(res.Water.Upstream, func(w odour.WaterSuspect) bool { return w.FacilityID == culprit })
			if !found {
				t.Errorf("the culprit %s is not upstream: %+v", culprit, res.Water.Upstream)
			}
			in := func(fid, source string) bool {
				return slices.ContainsFunc(res.Suspects, func(s odour.Suspect) bool { return s.FacilityID == fid && slices.Contains(s.Sources, source) })
			}
			for _, w := range res.Water.Upstream {
				if !in(w.FacilityID, "water") {
					t.Errorf("upstream %s missing from the suspects", w.FacilityID)
				}
			}
			for _, c := range res.Candidates {
				if c.Score > 0 && !in(c.FacilityID, "air") {
					t.Errorf("air candidate %s missing from the suspects", c.FacilityID)
				}
			}
			other, err := e.Trace(ctx, id+"-bread")
			if err != nil {
				t.Fatal(err)
			}
			if other.Water != nil || other.Suspects != nil {
				t.Error("a bakery smell got a water link")
			}
		})
	}
}
