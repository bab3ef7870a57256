package basin_test

import (
	"context"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/hydro"
)

// TestPlacedIn compares the span lookup with a walk: from every station's
// reach and every outlet, the facilities, outfalls and stations on the
// reaches Navigate enumerates.
func TestPlacedIn(t *testing.T) {
	b := central(t)
	net := b.Net
	x := hydro.NewTotalsIndex(net)
	starts := net.Outlets()
	for _, id := range b.StationIDs() {
		p, _ := b.Station(id)
		starts = append(starts, p.Reach)
	}
	nonEmpty := 0
	for _, s := range starts {
		_, spans, err := x.Upstream(s, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := b.PlacedIn(spans)
		on := map[int32]bool{}
		facilities, outfalls := map[string]bool{}, 0
		err = net.Navigate(context.Background(), hydro.Query{Mode: hydro.UT, Start: s}, func(h hydro.Hit) bool {
			on[h.Reach] = true
			for _, o := range b.OutfallsOn(h.Reach) {
				facilities[o.Outfall.Facility] = true
				outfalls++
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		var stations []string
		for _, id := range b.StationIDs() {
			if p, _ := b.Station(id); on[p.Reach] {
				stations = append(stations, id)
			}
		}
		want := make([]string, 0, len(facilities))
		for f := range facilities {
			want = append(want, f)
		}
		slices.Sort(want)
		if !slices.Equal(got.Facilities, want) || got.Outfalls != outfalls || !slices.Equal(got.Stations, stations) {
			t.Errorf("upstream of %s: got %v (%d outfalls) and stations %v; the walk finds %v (%d) and %v",
				net.ID(s), got.Facilities, got.Outfalls, got.Stations, want, outfalls, stations)
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty == 0 {
		t.Error("no start had a discharger upstream: the fixture does not exercise the lookup")
	}
}
