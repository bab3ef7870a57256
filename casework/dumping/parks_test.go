package dumping_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/gis/spatial"
	"github.com/envtrace/envtrace/internal/realdata"
)

// parkManager is the manager class of each park TYPE, from the goal
// table's acceptance test D-T1 (wave2-reference §8.3), as agency ids of
// the fixture's directory; 縣市開發工業區 is the county's, a role.
var parkManager = map[string]string{
	"科學園區":    "ctsp-admin",          // science-park administration
	"加工出口區":   "ipa-epz-taichung",    // export-processing-zone branch
	"編定工業區":   "ipa-service-centres", // industrial-park service centre
	"報編工業區":   "ipa-service-centres",
	"縣市開發工業區": dumping.RoleCounty,
	"自由貿易港區":  "mptc-ftz",
	"環保園區":    "moenv-ecoparks",
}

// parksLand routes over the real industrial-park polygons with the
// fixture's agency directory and jurisdictions.
func parksLand(t *testing.T) (*layer.Layer, *dumping.Router) {
	t.Helper()
	ly, err := layer.Read(realdata.Path(t, "taiwan/industrial_parks_2021.shp"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	parcels, err := dumping.ParcelsFromLayer(ly, "TYPE")
	if err != nil {
		t.Fatal(err)
	}
	c := centralLand(t)
	rt, err := dumping.NewRouter(&dumping.Land{Agencies: c.Agencies, Jurisdictions: c.Jurisdictions, Parcels: parcels}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ly, rt
}

// TestIndustrialParks is acceptance test D-T1 on the real park polygons.
func TestIndustrialParks(t *testing.T) {
	ly, rt := parksLand(t)

	t.Run("the damaged record is read and reported", func(t *testing.T) {
		if len(ly.Features) != 249 {
			t.Fatalf("%d parks, want 249", len(ly.Features))
		}
		found := false
		for _, w := range ly.Warnings {
			if w.Row == 73 && w.Field == "TYPE" && errors.Is(w, layer.ErrTextReplaced) {
				found = true
			}
		}
		if !found {
			t.Fatalf("row 73's TYPE is not reported damaged: %v", ly.Warnings)
		}
		if n := len(rt.Land().Parcels); n != 248 {
			t.Errorf("%d parks routed, want 248 (row 73's manager is unreadable)", n)
		}
	})

	t.Run("each park's stored point routes to its manager class", func(t *testing.T) {
		outside := 0
		for _, f := range ly.Features {
			if f.Row == 73 {
				continue
			}
			typ, _ := f.String("TYPE")
			want, ok := parkManager[typ]
			if !ok {
				t.Fatalf("row %d: TYPE %q has no manager class in D-T1", f.Row, typ)
			}
			x, _ := f.Float("X")
			y, _ := f.Float("Y")
			p := orb.Point{x, y}
			if !spatial.Contains(f.Geometry, p) {
				// The agency's label point lies outside its own polygon
				// for eleven parks (2.6 m to 841 m away); such a point is
				// not on the park and must not be routed to it.
				outside++
				d := rt.Route(p)
				if d.ParcelID == parcelID(f.Row) {
					t.Errorf("row %d: point outside the park routed to it", f.Row)
				}
				continue
			}
			d := rt.Route(p)
			if d.ParcelID != parcelID(f.Row) && !d.Ambiguous {
				t.Errorf("row %d (%s): routed to parcel %s", f.Row, typ, d.ParcelID)
			}
			if want == dumping.RoleCounty && d.Manager != dumping.RoleCounty {
				t.Errorf("row %d (%s): manager %q, want the county role", f.Row, typ, d.Manager)
			}
			if want != dumping.RoleCounty && d.AgencyID != want {
				t.Errorf("row %d (%s): routed to %s, want %s", f.Row, typ, d.AgencyID, want)
			}
			if want == dumping.RoleCounty {
				// Resolved through the jurisdiction: inside the fixture the
				// county or city government, elsewhere the centre.
				if j := d.Jurisdiction; j != "" && !strings.HasSuffix(d.AgencyID, "-gov") || j == "" && d.AgencyID != "centre" {
					t.Errorf("row %d (%s): county park routed to %s in %q", f.Row, typ, d.AgencyID, j)
				}
			}
		}
		if outside != 11 {
			t.Errorf("%d stored points lie outside their park, want 11", outside)
		}
	})

	t.Run("10 m outside a park: the township fallback", func(t *testing.T) {
		p, row := pointOutside(t, ly, rt, 10)
		d := rt.Route(p)
		if d.Rule != dumping.RuleTownshipFallback || d.ParcelID != "" || len(d.Candidates) != 0 || !strings.HasSuffix(d.AgencyID, "-office") {
			t.Errorf("10 m outside park row %d at %v: %+v", row, p, d)
		}
		// Within the boundary distance the park becomes a candidate, but
		// the fallback still decides: the point is not on the park.
		p4, _ := pointOutside(t, ly, rt, 4)
		d = rt.Route(p4)
		if d.Rule != dumping.RuleTownshipFallback || len(d.Candidates) != 1 || math.Abs(d.Candidates[0].DistanceM-4) > 0.01 {
			t.Errorf("4 m outside: %+v", d)
		}
	})

	t.Run("a shared boundary returns both parks, ranked", func(t *testing.T) {
		// Parks rows 11 (B11) and 197 (B14) in Taichung share this vertex.
		p := orb.Point{209017.63949957862, 2671441.376340816}
		d := rt.Route(p)
		if !d.Ambiguous || len(d.Candidates) != 2 {
			t.Fatalf("shared vertex: %+v", d)
		}
		got := map[string]float64{}
		for _, c := range d.Candidates {
			got[c.ParcelID] = c.DistanceM
		}
		if _, ok := got[parcelID(11)]; !ok {
			t.Errorf("candidates %v lack row 11", d.Candidates)
		}
		if _, ok := got[parcelID(197)]; !ok {
			t.Errorf("candidates %v lack row 197", d.Candidates)
		}
		if d.ParcelID != d.Candidates[0].ParcelID || d.Candidates[0].DistanceM > d.Candidates[1].DistanceM {
			t.Errorf("the first-ranked candidate does not decide: %+v", d)
		}
	})
}

func parcelID(row int) string { return "industrial_parks_2021-" + itoa(row) }

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// pointOutside finds a point dist metres outside a park in a Changhua
// township of the fixture, farther than the boundary distance from every
// other park: the outward normal at an edge's midpoint.
func pointOutside(t *testing.T, ly *layer.Layer, rt *dumping.Router, dist float64) (orb.Point, int) {
	t.Helper()
	for _, f := range ly.Features {
		pg, ok := f.Geometry.(orb.Polygon)
		if !ok || f.Row == 73 {
			continue
		}
		ring := pg[0]
		for i := 0; i+1 < len(ring); i++ {
			a, b := ring[i], ring[i+1]
			l := math.Hypot(b[0]-a[0], b[1]-a[1])
			if l < 20 {
				continue
			}
			m := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
			for _, s := range []float64{1, -1} {
				p := orb.Point{m[0] - s*(b[1]-a[1])/l*dist, m[1] + s*(b[0]-a[0])/l*dist}
				if math.Abs(spatial.DistanceToPolygon(f.Geometry, p)-dist) > 0.01 {
					continue
				}
				d := rt.Route(p)
				if d.Jurisdiction == "" || !strings.HasPrefix(d.Jurisdiction, "CHA-") {
					continue
				}
				if len(d.Candidates) > 1 || len(d.Candidates) == 1 && d.Candidates[0].ParcelID != parcelID(f.Row) {
					continue
				}
				return p, f.Row
			}
		}
	}
	t.Fatal("no park edge in a Changhua township of the fixture")
	return orb.Point{}, 0
}
