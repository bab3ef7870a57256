package basin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/basin"
)

func central(t testing.TB) *basin.Basin {
	t.Helper()
	b, err := fixtures.LoadCentral(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every station and outfall lands on the reach its note names.
func TestPlacement(t *testing.T) {
	b := central(t)
	if len(b.Unplaced) != 0 {
		t.Fatalf("unplaced: %v", b.Unplaced)
	}
	for _, s := range b.DS.Stations {
		want := strings.TrimPrefix(s.Note, "on reach ")
		p, ok := b.Station(s.ID)
		if !ok || b.Net.ID(p.Reach) != want || p.OffsetM > 20 {
			t.Errorf("station %s on %s (%.1f m), want %s", s.ID, b.Net.ID(p.Reach), p.OffsetM, want)
		}
	}
	placed := 0
	for i := int32(0); i < int32(b.Net.Len()); i++ {
		for _, o := range b.OutfallsOn(i) {
			placed++
			if want := strings.TrimPrefix(o.Outfall.Note, "discharges to reach "); b.Net.ID(i) != want {
				t.Errorf("outfall %s/%s on %s, want %s", o.Outfall.Facility, o.Outfall.ID, b.Net.ID(i), want)
			}
		}
	}
	if placed != len(b.DS.Outfalls) {
		t.Fatalf("placed %d of %d outfalls", placed, len(b.DS.Outfalls))
	}
}

// Along measures to the station's own position: a point just above it on
// the same reach is close, a point below it is not upstream at all.
func TestAlong(t *testing.T) {
	b := central(t)
	p, _ := b.Station("WQ-M06")
	u, err := b.UpstreamOf(context.Background(), p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if u.Contains(p.Reach, p.Measure-1) {
		t.Fatal("a point downstream of the station on its reach counts as upstream")
	}
	km, h, ok := u.Along(p.Reach, p.Measure+1)
	l := b.Net.LengthKm(p.Reach)
	if !ok || km > l*0.011 || km < l*0.009 || h <= 0 {
		t.Fatalf("1%% of the reach above the station: %.4f km %.4f h %v (reach %.3f km)", km, h, ok, l)
	}
	// Distances grow upstream along the main stem.
	prev := -1.0
	for _, id := range []string{"WQ-M05", "WQ-M04", "WQ-M03"} {
		q, _ := b.Station(id)
		km, _, ok := u.Along(q.Reach, q.Measure)
		if !ok || km <= prev {
			t.Fatalf("%s: %.2f km (ok %v) after %.2f", id, km, ok, prev)
		}
		prev = km
	}
}

// StationsBelow measures from the place itself: a place just above a
// station on the station's own reach finds it a hair away, one just below
// it does not find it at all, and a station farther down the main stem is
// farther by the reaches between.
func TestStationsBelow(t *testing.T) {
	b := central(t)
	ctx := context.Background()
	p, _ := b.Station("WQ-M06")
	l := b.Net.LengthKm(p.Reach)
	below := func(pl basin.Place, km float64) map[string]basin.StationBelow {
		t.Helper()
		list, err := b.StationsBelow(ctx, []basin.Place{pl}, km)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]basin.StationBelow{}
		for _, s := range list {
			out[s.Station] = s
		}
		return out
	}
	above := below(basin.Place{Reach: p.Reach, Measure: p.Measure + 1}, 100)
	if s, ok := above["WQ-M06"]; !ok || s.DistanceKm < l*0.009 || s.DistanceKm > l*0.011 || s.TravelHours <= 0 {
		t.Errorf("1%% of the reach above WQ-M06: %+v (reach %.3f km)", s, l)
	}
	if _, ok := below(basin.Place{Reach: p.Reach, Measure: p.Measure - 1}, 100)["WQ-M06"]; ok {
		t.Error("a place below WQ-M06 on its reach finds it downstream")
	}
	m7, ok := above["WQ-M07"]
	if !ok || m7.DistanceKm <= above["WQ-M06"].DistanceKm {
		t.Fatalf("WQ-M07 below WQ-M06: %+v", m7)
	}
	if _, ok := below(basin.Place{Reach: p.Reach, Measure: p.Measure + 1}, m7.DistanceKm-0.001)["WQ-M07"]; ok {
		t.Error("a station beyond the distance limit is listed")
	}
}
