package farmland

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// accumulationEngine is the hand-made network with two stations, three
// facilities and four irrigated areas.
func accumulationEngine(t *testing.T) *Engine {
	t.Helper()
	tz := time.FixedZone("CST", 8*3600)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, tz) }
	rd := func(st string, d int, p string, v float64, cens bool) model.Reading {
		return model.Reading{Station: st, Time: day(d), Parameter: p, Value: v, Unit: "mg/L", Censored: cens}
	}
	ds := &model.Dataset{
		Facilities: []model.Facility{{EmsNo: "F1", Name: "river plater"}, {EmsNo: "F2", Name: "canal tail shop"}, {EmsNo: "F3", Name: "tributary mill"}},
		Outfalls: []model.Outfall{
			{Facility: "F1", ID: "D01", Point: model.Point{X: 209000, Y: y0}},        // R1, above the canal
			{Facility: "F2", ID: "D01", Point: model.Point{X: 208000, Y: y0 - 4500}}, // K2, below every intake
			{Facility: "F3", ID: "D01", Point: model.Point{X: 206000, Y: y0 + 1500}}, // T1
		},
		Stations: []model.Station{
			{ID: "S-K", Name: "canal", Kind: model.Continuous, Point: model.Point{X: 208000, Y: y0 - 300}}, // K1, above I-K1
			{ID: "S-R", Name: "river", Kind: model.Fixed, Point: model.Point{X: 205500, Y: y0}},            // R3, above I-R3
		},
	}
	ds.SetReadings([]model.Reading{
		// The seeded canal series: Cu 0.10, 0.20, 0.30 → 0.2 mg/L; Zn
		// 1.0, <0.2 (0.1), 0.9 → 2/3 mg/L; the 5.0 of 1 April is outside
		// the screened period.
		rd("S-K", 1, "Cu", 0.10, false), rd("S-K", 2, "Cu", 0.20, false), rd("S-K", 3, "Cu", 0.30, false),
		rd("S-K", 1, "Zn", 1.0, false), rd("S-K", 2, "Zn", 0.2, true), rd("S-K", 3, "Zn", 0.9, false),
		{Station: "S-K", Time: time.Date(2026, 4, 1, 9, 0, 0, 0, tz), Parameter: "Cu", Value: 5, Unit: "mg/L"},
		rd("S-R", 1, "Cu", 0.05, false), rd("S-R", 2, "Cu", 0.05, false),
	})
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	b, err := basin.New(handNet(t), ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := handData()
	d.Areas = []Area{
		{ID: "A-K1", IntakeIDs: []string{"I-K1"}, AreaHa: 50, DepthM: 0.15, BulkDensity: 1.3, IrrigationM3HaY: 20000, Soil: map[string]float64{"Cu": 100, "Zn": 210}},
		{ID: "A-K2", IntakeIDs: []string{"I-K2"}, AreaHa: 70, DepthM: 0.2, BulkDensity: 1.25, IrrigationM3HaY: 10000, Soil: map[string]float64{"Cu": 40, "Zn": 100}},
		{ID: "A-R", IntakeIDs: []string{"I-R3"}, AreaHa: 80, DepthM: 0.15, BulkDensity: 1.3, IrrigationM3HaY: 20000, Soil: map[string]float64{"Cu": 130}},
		{ID: "A-X", IntakeIDs: []string{"I-R3"}, AreaHa: 10},
	}
	e, err := New(b, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAccumulationRanking(t *testing.T) {
	e := accumulationEngine(t)
	tz := time.FixedZone("CST", 8*3600)
	res, err := e.Accumulate(context.Background(), time.Date(2026, 3, 1, 0, 0, 0, 0, tz), time.Date(2026, 4, 1, 0, 0, 0, 0, tz))
	if err != nil {
		t.Fatal(err)
	}
	// The answer key, by hand. Soil per hectare: 0.15 m × 10⁴ m² × 1.3 t/m³
	// = 1.95·10⁶ kg (A-K1, A-R); 0.2 × 10⁴ × 1.25 = 2.5·10⁶ kg (A-K2).
	//  A-R:  Cu 0.05 mg/L × 20000 m³ = 1000 g/ha/y → 0.5128 mg/kg/y; soil 130
	//        is already above the monitoring 120 → 0 y; control (200−130)/0.5128 = 136.5 y.
	//  A-K1: Cu 0.2 × 20000 = 4000 g → 2.0513 mg/kg/y: (120−100)/2.0513 = 9.75 y,
	//        (200−100)/2.0513 = 48.75 y; Zn 2/3 × 20000 = 13333 g → 6.8376 mg/kg/y:
	//        (260−210)/6.8376 = 7.31 y, (600−210)/6.8376 = 57.04 y → 7.31 (Zn), 48.75.
	//  A-K2: Cu 0.2 × 10000 = 2000 g → 0.8 mg/kg/y: 100 y, 200 y; Zn 6667 g →
	//        2.6667 mg/kg/y: (260−100)/2.6667 = 60 y, (600−100)/2.6667 = 187.5 y → 60 (Zn), 187.5.
	//  A-X:  no depth, density or irrigation volume: unscreened, last.
	want := []struct {
		id, station, limiting string
		mon, ctl              float64
		suspects              []string
	}{
		{"A-R", "S-R", "Cu", 0, 136.5, []string{"F1", "F3"}},
		{"A-K1", "S-K", "Zn", 7.31, 48.75, []string{"F1"}},
		{"A-K2", "S-K", "Zn", 60, 187.5, []string{"F1"}},
		{"A-X", "", "", -1, -1, []string{"F1", "F3"}},
	}
	if len(res.Areas) != len(want) {
		t.Fatalf("%d areas, want %d", len(res.Areas), len(want))
	}
	for i, w := range want {
		g := res.Areas[i]
		if g.AreaID != w.id || g.Rank != i+1 {
			t.Fatalf("rank %d is %s (rank field %d), want %s", i+1, g.AreaID, g.Rank, w.id)
		}
		if g.Station != w.station || g.Limiting != w.limiting {
			t.Errorf("%s: station %q limiting %q, want %q %q", w.id, g.Station, g.Limiting, w.station, w.limiting)
		}
		if w.mon < 0 {
			if g.YearsToMonitoring != nil || g.Missing == "" {
				t.Errorf("%s: want unscreened with a reason, got %v %q", w.id, g.YearsToMonitoring, g.Missing)
			}
		} else {
			if g.YearsToMonitoring == nil || g.YearsToControl == nil {
				t.Fatalf("%s: years nil (%s)", w.id, g.Missing)
			}
			near(t, w.id+" years to monitoring", *g.YearsToMonitoring, w.mon, 1e-3)
			near(t, w.id+" years to control", *g.YearsToControl, w.ctl, 1e-3)
		}
		var ids []string
		for _, s := range g.Suspects {
			ids = append(ids, s.FacilityID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, w.suspects) {
			t.Errorf("%s: suspects %v, want %v", w.id, ids, w.suspects)
		}
	}
}

// The alert lists exactly the intakes whose estimated concentration
// exceeds the irrigation standard.
func TestAlertListsExactlyTheExceedingIntakes(t *testing.T) {
	e := handEngine(t, handData())
	at := time.Date(2026, 8, 14, 4, 0, 0, 0, time.FixedZone("CST", 8*3600))
	// 0.4 mg/L Cu at R1 (the source's own water): 0.4 in the canal (no
	// dilution) exceeds 0.2 at I-K1 and I-K2; R3 gets 0.4 × 7/12 = 0.233,
	// also over. At 0.3: the canal 0.3 is over, R3 0.175 is not.
	for _, tt := range []struct {
		name string
		v    float64
		want []string
	}{
		{"all three", 0.4, []string{"I-K1", "I-R3", "I-K2"}},
		{"canal only", 0.3, []string{"I-K1", "I-K2"}},
		{"none", 0.1, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := Source{Place: placeAt(t, e, 209000, y0), Parameter: paramCu(), Conc: tt.v, FlowM3s: 10, Time: at}
			im, err := e.Forward(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			a, ok := e.Alert(Request{Station: "S", Parameter: "Cu", Time: at}, im, at)
			var got []string
			if ok {
				for _, in := range a.Intakes {
					got = append(got, in.IntakeID)
					if in.Office == "" || !in.CloseBy.After(at) || in.HoursLeft <= 0 {
						t.Errorf("%s: office %q close by %v (%v h left)", in.IntakeID, in.Office, in.CloseBy, in.HoursLeft)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("alert intakes %v, want %v", got, tt.want)
			}
		})
	}
}

func paramCu() param.Parameter { return param.MustLookup("Cu") }
