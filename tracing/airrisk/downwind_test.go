package airrisk

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/tracing/hotspot"
)

// westWind blows from 270° at 4 m/s everywhere, always.
type westWind struct{}

func (westWind) At(x, y float64, t time.Time) (atmos.Sample, error) {
	u, v := atmos.Components(4, 270)
	return atmos.Sample{U: u, V: v, Speed: 4, Source: "test"}, nil
}

// TestDownwindIndustries: under a west wind, events 2 km east of a dyeing
// plant and 2 km west of a food plant belong to the dyeing plant only,
// where Proximity blames both equally.
func TestDownwindIndustries(t *testing.T) {
	grid, err := crs.PlanarFor(orb.Bound{Min: orb.Point{120.5, 24.1}, Max: orb.Point{120.6, 24.2}})
	if err != nil {
		t.Fatal(err)
	}
	x0, y0 := grid.Forward(120.55, 24.15)
	fs := []Facility{{ID: "D", Industry: "染整", Point: orb.Point{x0, y0}}, {ID: "F", Industry: "食品", Point: orb.Point{x0 + 4000, y0}}}
	var ev []hotspot.Event
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, atmos.TaipeiTime)
	for i := range 3 {
		ev = append(ev, hotspot.Event{Point: orb.Point{x0 + 2000, y0 + float64(i-1)*50}, Time: at.Add(time.Duration(i) * time.Hour)})
	}
	prox := Industries(fs, ev, Proximity{Radius: 3000})
	if prox[0].Events != prox[1].Events {
		t.Fatalf("proximity should blame both: %+v", prox)
	}
	got := Industries(fs, ev, Downwind{Field: westWind{}, Grid: grid})
	if got[0].Industry != "染整" || got[0].Events <= 0 || got[1].Events != 0 {
		t.Fatalf("downwind: %+v", got)
	}
	if got[0].Ratio != 2 {
		t.Errorf("the dyeing plant holds every association, ratio %v, want 2 (%s)", got[0].Ratio, got[0].Explanation)
	}
}
