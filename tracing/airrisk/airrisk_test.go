package airrisk

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/tracing/hotspot"
)

func TestRiskClass(t *testing.T) {
	for in, want := range map[string]int{"鋼鐵冶煉業": 3, "Petrochemical refinery": 3, "金屬表面處理業（電鍍）": 2, "紡織染整": 2, "食品製造": 1, "": 1} {
		if got := RiskClass(in); got != want {
			t.Errorf("%q: class %d, want %d", in, got, want)
		}
	}
}

// TestAreasScore: a hot unit with one steel mill (3) and one food plant
// (1) within a 1,000 m band has density 4/π km⁻² and score z·(1 + 4/π).
func TestAreasScore(t *testing.T) {
	z := 3.2
	res := &hotspot.Result{BandM: 1000, Units: []hotspot.UnitResult{
		{ID: "A", X: 0, Y: 0, Z: &z, Spot: "hot", Significant: true},
		{ID: "B", X: 5000, Y: 0, Z: &z},
	}}
	fs := []Facility{{ID: "F1", Industry: "鋼鐵", Point: orb.Point{300, 0}}, {ID: "F2", Industry: "食品", Point: orb.Point{0, 900}}, {ID: "F3", Industry: "鋼鐵", Point: orb.Point{0, 1500}}}
	got := Areas(res, fs)
	if len(got) != 1 || got[0].Unit != "A" || got[0].Facilities != 2 {
		t.Fatalf("%+v", got)
	}
	want := z * (1 + 4/math.Pi)
	if math.Abs(got[0].Score-want) > 1e-9 {
		t.Fatalf("score %v, want %v (%s)", got[0].Score, want, got[0].Explanation)
	}
}

// TestIndustries: dyeing plants sit where the events are, food plants do
// not; the dyeing industry's ratio is 2 (all 4 events × 2 plants over 2
// plants, against 8 associations over 4 facilities).
func TestIndustries(t *testing.T) {
	fs := []Facility{{ID: "D1", Industry: "染整", Point: orb.Point{0, 0}}, {ID: "D2", Industry: "染整", Point: orb.Point{500, 0}},
		{ID: "F1", Industry: "食品", Point: orb.Point{20000, 0}}, {ID: "F2", Industry: "食品", Point: orb.Point{30000, 0}}}
	var ev []hotspot.Event
	for i := range 4 {
		ev = append(ev, hotspot.Event{Point: orb.Point{250, float64(i) * 100}, Time: time.Unix(int64(i)*3600, 0)})
	}
	got := Industries(fs, ev, Proximity{Radius: 3000})
	if got[0].Industry != "染整" || got[0].Ratio != 2 || got[0].Events != 8 || got[1].Ratio != 0 {
		t.Fatalf("%+v", got)
	}
}
