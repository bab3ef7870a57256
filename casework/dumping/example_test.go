package dumping_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
)

// A county township with one national-property parcel beside a private
// one: a point inside the first goes to its manager, a point on their
// shared edge names both, and a point outside every parcel goes to the
// township office's cleaning squad.
func ExampleRouter_Route() {
	square := func(x0, y0 float64) orb.Polygon {
		return orb.Polygon{{{x0, y0}, {x0 + 100, y0}, {x0 + 100, y0 + 100}, {x0, y0 + 100}, {x0, y0}}}
	}
	land := &dumping.Land{
		Agencies: []dumping.Agency{
			{ID: "centre", Name: "中部環境污染溯源中心", Kind: dumping.KindCentre},
			{ID: "npa-central", Name: "國有財產署中區分署", Kind: dumping.KindLandManager},
			{ID: "hemei-office", Name: "和美鎮公所", Kind: dumping.KindTownship},
			{ID: "changhua-gov", Name: "彰化縣政府", Kind: dumping.KindCounty},
			{ID: "changhua-epb", Name: "彰化縣環境保護局", Kind: dumping.KindBureau},
		},
		Jurisdictions: []dumping.Jurisdiction{{ID: "CHA-HEMEI", Name: "和美鎮", County: "彰化縣", Office: "hemei-office",
			Government: "changhua-gov", Bureau: "changhua-epb", Geometry: orb.Polygon{{{200000, 2650000}, {210000, 2650000}, {210000, 2660000}, {200000, 2660000}, {200000, 2650000}}}}},
		Parcels: []dumping.Parcel{
			{ID: "P1", Manager: "npa-central", Geometry: square(205000, 2655000)},
			{ID: "P2", Manager: dumping.RolePrivate, Owner: "地主 A", Geometry: square(205100, 2655000)},
		},
	}
	rt, err := dumping.NewRouter(land, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range []orb.Point{{205050, 2655050}, {205100, 2655050}, {205150, 2655050}, {207000, 2657000}} {
		d := rt.Route(p)
		fmt.Printf("%s %s parcel=%q candidates=%d ambiguous=%v\n", d.Rule, d.AgencyID, d.ParcelID, len(d.Candidates), d.Ambiguous)
	}
	// Output:
	// parcel npa-central parcel="P1" candidates=1 ambiguous=false
	// parcel npa-central parcel="P1" candidates=2 ambiguous=true
	// private-land changhua-epb parcel="P2" candidates=1 ambiguous=false
	// township-fallback hemei-office parcel="" candidates=0 ambiguous=false
}
