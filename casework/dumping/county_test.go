package dumping_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/model"
)

// TestRouterCounty: the county of a point is its jurisdiction's county
// as a code; the jurisdiction id's prefix when the county column is not
// a known county; "" outside every jurisdiction.
func TestRouterCounty(t *testing.T) {
	land := centralLand(t)
	// 霧峰區 (TXG-WUFENG) loses its county name: the id prefix decides.
	// 芬園鄉 (CHA-FENYUAN) loses both: no county.
	for i := range land.Jurisdictions {
		switch land.Jurisdictions[i].ID {
		case "TXG-WUFENG":
			land.Jurisdictions[i].County = "Taichung"
		case "CHA-FENYUAN":
			land.Jurisdictions[i].County = ""
			land.Jurisdictions[i].ID = "FENYUAN"
		}
	}
	r, err := dumping.NewRouter(land, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    orb.Point
		want string
	}{
		{"大里區 by county name", orb.Point{222000, 2676000}, "TXG"},
		{"彰化市 by county name", orb.Point{215000, 2645000}, "CHA"},
		{"霧峰區 by id prefix", orb.Point{230000, 2676000}, "TXG"},
		{"芬園鄉 without either", orb.Point{228000, 2645000}, ""},
		{"west of every jurisdiction", orb.Point{170000, 2650000}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.County(tc.p); got != tc.want {
				t.Fatalf("County(%v) = %q, want %q", tc.p, got, tc.want)
			}
		})
	}
	// The lon/lat form: 彰化市 seen by a phone.
	if got := r.CountyAt(120.58, 23.99); got != "CHA" {
		t.Errorf("CountyAt(120.58, 23.99) = %q, want CHA", got)
	}
}

// TestLocateStations: the central fixture's stations carry no county
// column; each gets the county of the jurisdiction polygon it lies in
// (checked by the independent ray test), and a county given in the file
// is kept.
func TestLocateStations(t *testing.T) {
	land := centralLand(t)
	r, err := dumping.NewRouter(land, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	ds, err := model.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	stations := slices.Clone(ds.Stations)
	stations[0].County = "NAN" // as if the file said so
	n := r.LocateStations(stations)
	if stations[0].County != "NAN" {
		t.Errorf("the file's county of %s became %s", stations[0].ID, stations[0].County)
	}
	counties := map[string]int{}
	for _, s := range stations[1:] {
		want := ""
		for _, j := range land.Jurisdictions {
			if bruteContains(j.Geometry, orb.Point{s.Point.X, s.Point.Y}) {
				want = strings.SplitN(j.ID, "-", 2)[0]
			}
		}
		if s.County != want {
			t.Errorf("station %s at %v: county %q, want %q", s.ID, s.Point, s.County, want)
		}
		counties[s.County]++
	}
	if counties["TXG"] == 0 || counties["CHA"] == 0 {
		t.Errorf("the fixture's stations lie in %v: want both counties", counties)
	}
	if located := len(stations) - 1 - counties[""]; n != located {
		t.Errorf("LocateStations says %d located, %d are", n, located)
	}
}
