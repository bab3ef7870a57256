package dumping_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/fixtures"
)

// readCentral reads the central fixture's land once per test binary.
var readCentral = sync.OnceValues(func() (*dumping.Land, error) {
	dir, err := os.MkdirTemp("", "envtrace-dumping-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := fixtures.WriteCentral(dir); err != nil {
		return nil, err
	}
	land, err := dumping.ReadLand(dir)
	if err == nil && land == nil {
		err = errors.New("the central fixture has no agencies.csv")
	}
	return land, err
})

// centralLand returns a copy of the fixture's land that the test may
// change (the slices are its own; geometries are shared, read-only).
func centralLand(t testing.TB) *dumping.Land {
	t.Helper()
	land, err := readCentral()
	if err != nil {
		t.Fatal(err)
	}
	return &dumping.Land{Agencies: slices.Clone(land.Agencies), Parcels: slices.Clone(land.Parcels), Jurisdictions: slices.Clone(land.Jurisdictions)}
}

// bruteContains is an independent even-odd ray test over every ring
// (boundaries are measure-zero for random points).
func bruteContains(g orb.Geometry, p orb.Point) bool {
	in := func(pg orb.Polygon) bool {
		c := false
		for _, r := range pg {
			for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
				if (r[i][1] > p[1]) != (r[j][1] > p[1]) &&
					p[0] < (r[j][0]-r[i][0])*(p[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
					c = !c
				}
			}
		}
		return c
	}
	switch g := g.(type) {
	case orb.Polygon:
		return in(g)
	case orb.MultiPolygon:
		for _, pg := range g {
			if in(pg) {
				return true
			}
		}
	}
	return false
}

// bruteDistance is the distance from p to the nearest segment of any ring.
func bruteDistance(g orb.Geometry, p orb.Point) float64 {
	best := math.Inf(1)
	seg := func(a, b orb.Point) float64 {
		dx, dy := b[0]-a[0], b[1]-a[1]
		t := 0.0
		if l := dx*dx + dy*dy; l > 0 {
			t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
		}
		return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
	}
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	for _, pg := range polys {
		for _, r := range pg {
			for i := 0; i+1 < len(r); i++ {
				best = math.Min(best, seg(r[i], r[i+1]))
			}
		}
	}
	return best
}

// scanBoxes is the brute force's first pass: every parcel's padded box,
// in order, no index. It is exempt from the race detector's
// instrumentation, which would make 630 million comparisons take minutes.
//
//go:norace
func scanBoxes(boxes [][4]float64, p orb.Point, out []int) []int {
	for i := range boxes {
		if b := &boxes[i]; p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3] {
			out = append(out, i)
		}
	}
	return out
}

// TestRouteAgreesWithBruteForce routes 100,000 random points over the
// synthetic parcels (half anywhere in the fixture, half inside a random
// parcel's bounding box) and compares the containing parcel and every
// boundary candidate with a brute-force scan of all parcels.
func TestRouteAgreesWithBruteForce(t *testing.T) {
	land := centralLand(t)
	rt, err := dumping.NewRouter(land, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(land.Parcels) < 1000 {
		t.Fatalf("only %d synthetic parcels", len(land.Parcels))
	}
	bounds := make([]orb.Bound, len(land.Parcels))
	padded := make([][4]float64, len(land.Parcels))
	var all orb.Bound
	for i, p := range land.Parcels {
		bounds[i] = p.Geometry.Bound()
		b := bounds[i].Pad(rt.BoundaryM())
		padded[i] = [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		if i == 0 {
			all = bounds[i]
		}
		all = all.Union(bounds[i])
	}
	r := rand.New(rand.NewPCG(14, 71))
	const n = 100_000
	inside, withCandidates, ambiguous := 0, 0, 0
	hitBuf := make([]int, 0, 16)
	for k := 0; k < n; k++ {
		b := all
		if k%2 == 1 {
			b = bounds[r.IntN(len(bounds))]
		}
		p := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
		d := rt.Route(p)
		// Brute force: every parcel, no index.
		want := map[string]float64{}
		wantIn := ""
		for _, i := range scanBoxes(padded, p, hitBuf[:0]) {
			pc := land.Parcels[i]
			if bruteContains(pc.Geometry, p) {
				want[pc.ID] = 0
				if wantIn == "" {
					wantIn = pc.ID
				}
			} else if dist := bruteDistance(pc.Geometry, p); dist <= rt.BoundaryM() {
				want[pc.ID] = dist
			}
		}
		if d.ParcelID != wantIn {
			t.Fatalf("point %v: routed to parcel %q, brute force finds it in %q", p, d.ParcelID, wantIn)
		}
		if len(d.Candidates) != len(want) {
			t.Fatalf("point %v: candidates %v, brute force %v", p, d.Candidates, want)
		}
		for i, c := range d.Candidates {
			w, ok := want[c.ParcelID]
			if !ok || math.Abs(w-c.DistanceM) > 0.006 {
				t.Fatalf("point %v: candidate %+v, brute force %v", p, c, want)
			}
			if i > 0 && c.DistanceM < d.Candidates[i-1].DistanceM {
				t.Fatalf("point %v: candidates not ranked by distance: %v", p, d.Candidates)
			}
		}
		if wantIn != "" {
			inside++
		}
		if len(want) > 0 {
			withCandidates++
		}
		if d.Ambiguous {
			ambiguous++
		}
		if d.AgencyID == "" || d.Agency == "" {
			t.Fatalf("point %v: no agency in %+v", p, d)
		}
	}
	t.Logf("%d points: %d inside a parcel, %d with candidates, %d ambiguous", n, inside, withCandidates, ambiguous)
	if inside < n/3 || ambiguous == 0 {
		t.Errorf("the sample does not exercise the rules: %d inside, %d ambiguous", inside, ambiguous)
	}
}

// TestRouteRules checks each rule of the package doc on the fixture.
func TestRouteRules(t *testing.T) {
	land := centralLand(t)
	rt, err := dumping.NewRouter(land, 0)
	if err != nil {
		t.Fatal(err)
	}
	juris := map[string]dumping.Jurisdiction{}
	for _, j := range land.Jurisdictions {
		juris[j.ID] = j
	}
	// Find, for each manager, a point well inside one of its parcels.
	interior := func(manager string, municipality bool) (dumping.Parcel, orb.Point) {
		for _, p := range land.Parcels {
			if p.Manager != manager {
				continue
			}
			c := p.Geometry.Bound().Center()
			d := rt.Route(c)
			if d.ParcelID == p.ID && len(d.Candidates) == 1 && juris[d.Jurisdiction].Municipality == municipality {
				return p, c
			}
		}
		t.Fatalf("no interior point of a %s parcel (municipality %v)", manager, municipality)
		return dumping.Parcel{}, orb.Point{}
	}
	tests := []struct {
		name         string
		manager      string
		municipality bool
		rule         dumping.Rule
		agency       func(j dumping.Jurisdiction) string
		public       bool
	}{
		{"national property", "npa-central", false, dumping.RuleParcel, func(dumping.Jurisdiction) string { return "npa-central" }, true},
		{"river berm", "wra-river3", true, dumping.RuleParcel, func(dumping.Jurisdiction) string { return "wra-river3" }, true},
		{"forest", "fanca-taichung", true, dumping.RuleParcel, func(dumping.Jurisdiction) string { return "fanca-taichung" }, true},
		{"Taisugar", "taisugar-central", false, dumping.RuleParcel, func(dumping.Jurisdiction) string { return "taisugar-central" }, true},
		{"county land", dumping.RoleCounty, false, dumping.RuleParcel, func(j dumping.Jurisdiction) string { return j.Government }, true},
		{"township land in a county", dumping.RoleTownship, false, dumping.RuleParcel, func(j dumping.Jurisdiction) string { return j.Office }, true},
		{"township land in Taichung goes to the city bureau", dumping.RoleTownship, true, dumping.RuleParcel, func(j dumping.Jurisdiction) string { return j.Bureau }, true},
		{"private land in a county: not a public-land case, the bureau", dumping.RolePrivate, false, dumping.RulePrivateLand, func(j dumping.Jurisdiction) string { return j.Bureau }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pc, p := interior(tc.manager, tc.municipality)
			d := rt.Route(p)
			j := juris[d.Jurisdiction]
			if d.Rule != tc.rule || d.AgencyID != tc.agency(j) || d.PublicLand != tc.public || d.Manager != tc.manager {
				t.Errorf("parcel %s in %s: %+v; want rule %s, agency %s, public land %v", pc.ID, j.Name, d, tc.rule, tc.agency(j), tc.public)
			}
			if tc.manager == dumping.RolePrivate && (d.Owner == "" || d.Owner != pc.Owner) {
				t.Errorf("private parcel %s: owner %q not recorded (parcel says %q)", pc.ID, d.Owner, pc.Owner)
			}
		})
	}
	// Outside every parcel: the township office in Changhua County, the
	// environmental bureau in Taichung, the centre outside the fixture.
	fallback := func(municipality bool) dumping.Decision {
		r := rand.New(rand.NewPCG(1, 2))
		for range 10000 {
			p := orb.Point{194000 + r.Float64()*42000, 2638000 + r.Float64()*44000}
			d := rt.Route(p)
			if len(d.Candidates) == 0 && juris[d.Jurisdiction].Municipality == municipality {
				return d
			}
		}
		t.Fatal("no point outside every parcel")
		return dumping.Decision{}
	}
	if d := fallback(false); d.Rule != dumping.RuleTownshipFallback || d.AgencyID != juris[d.Jurisdiction].Office || d.ParcelID != "" {
		t.Errorf("county fallback: %+v", d)
	}
	if d := fallback(true); d.Rule != dumping.RuleMunicipalFallback || d.AgencyID != "taichung-epb" {
		t.Errorf("Taichung fallback: %+v", d)
	}
	if d := rt.Route(orb.Point{307056.819, 2769551.837}); d.Rule != dumping.RuleCentre || d.AgencyID != "centre" || d.Jurisdiction != "" {
		t.Errorf("Taipei 101, outside the fixture: %+v", d)
	}
}
