package dumping_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
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
