package farmland

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// The hand-made network (TWD97 metres, every velocity 1 m/s):
//
//	R1 (2 km) ─┬─ R2 (2 km, main) ─┬─ R3 (3 km) → sea
//	           │                  T1 (3 km, tributary) joins at C
//	           └─ K1 (3 km, canal) ── K2 (2 km, canal end in the fields)
//
// Mean flows: R1 10, R2 7, K1 3, K2 2.5 (the fields take 0.5), T1 5, R3 12 m³/s.
const y0 = 2650000.0

func line(pts ...[2]float64) orb.LineString {
	var ls orb.LineString
	for _, p := range pts {
		ls = append(ls, orb.Point{p[0], p[1]})
	}
	return ls
}

func handNet(t *testing.T) *hydro.Network {
	t.Helper()
	v := 1 / 0.3048 // 1 m/s in ft/s
	r := func(id, from, to string, div int, g orb.LineString) hydro.Reach {
		return hydro.Reach{ID: id, FromNode: from, ToNode: to, Divergence: div, Geometry: g, LengthKm: hydro.Missing,
			VelocityFps: v, TotDASqKm: hydro.Missing}
	}
	net, err := hydro.Build(context.Background(), []hydro.Reach{
		r("R1", "A", "B", 0, line([2]float64{210000, y0}, [2]float64{208000, y0})),
		r("R2", "B", "C", 1, line([2]float64{208000, y0}, [2]float64{206000, y0})),
		r("R3", "C", "D", 0, line([2]float64{206000, y0}, [2]float64{203000, y0})),
		r("T1", "E", "C", 0, line([2]float64{206000, y0 + 3000}, [2]float64{206000, y0})),
		r("K1", "B", "F", 2, line([2]float64{208000, y0}, [2]float64{208000, y0 - 3000})),
		r("K2", "F", "G", 0, line([2]float64{208000, y0 - 3000}, [2]float64{208000, y0 - 5000})),
	}, hydro.Options{KeepGeometry: true})
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func handData() *Data {
	return &Data{
		Intakes: []Intake{
			{ID: "I-K1", ReachID: "K1", Point: model.Point{X: 208000, Y: y0 - 750}, Office: "K office"},  // 25% down K1
			{ID: "I-K2", ReachID: "K2", Point: model.Point{X: 208000, Y: y0 - 4000}, Office: "K office"}, // half way down K2
			{ID: "I-R3", ReachID: "R3", Point: model.Point{X: 204500, Y: y0}, Office: "R office"},        // half way down R3
		},
		Areas: []Area{
			{ID: "A-K", IntakeIDs: []string{"I-K1", "I-K2"}, AreaHa: 120},
			{ID: "A-R", IntakeIDs: []string{"I-R3"}, AreaHa: 80},
		},
		FlowM3s: map[string]float64{"R1": 10, "R2": 7, "K1": 3, "K2": 2.5, "T1": 5, "R3": 12},
	}
}

func handEngine(t *testing.T, d *Data) *Engine {
	t.Helper()
	ds := &model.Dataset{}
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	b, err := basin.New(handNet(t), ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(b, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func placeAt(t *testing.T, e *Engine, x, y float64) basin.Place {
	t.Helper()
	s, err := e.B.Net.SnapPoint(orb.Point{x, y}, 1, 50)
	if err != nil || len(s) == 0 {
		t.Fatalf("snap (%v, %v): %v", x, y, err)
	}
	return basin.Place{Reach: s[0].Reach, Measure: s[0].Measure}
}

type want struct {
	id         string
	hours, dil float64
	conc       float64
	exceeds    bool
	areaHa     float64
}

func TestForwardHandMade(t *testing.T) {
	t0 := time.Date(2026, 8, 14, 4, 0, 0, 0, time.FixedZone("CST", 8*3600))
	cu := param.MustLookup("Cu")
	// Hours per km at 1 m/s.
	const h = 1000.0 / 3600
	tests := []struct {
		name       string
		x, y       float64
		conc, flow float64
		want       []want
	}{
		{
			// 0.1 m³/s at 2 mg/L into R1 (10 m³/s): 0.02 mg/L in R1; the
			// canal takes 3/10 of the load in 3/10 of the water (no
			// dilution), the fields take 0.5 of K1's 3 m³/s at the same
			// concentration, T1's 5 m³/s dilute R2's 7 to 12 in R3.
			name: "river above the canal intake reaches the canal and the river", x: 209000, y: y0, conc: 2, flow: 0.1,
			want: []want{
				{"I-K1", 1*h + 0.75*h, 100, 0.02, false, 60},
				{"I-R3", 1*h + 2*h + 1.5*h, 2 / (0.02 * 7 / 12), 0.02 * 7 / 12, false, 80},
				{"I-K2", 1*h + 3*h + 1*h, 100, 0.02, false, 60},
			},
		},
		{
			name: "discharge on the canal reaches only the canal's farmland below it", x: 208000, y: y0 - 1500, conc: 30, flow: 0.03,
			want: []want{{"I-K2", 1.5*h + 1*h, 3 / 0.03 * 2.5 / 2.5 * 1, 30 * 0.03 / 3, true, 60}},
		},
		{
			name: "discharge below the canal's intake reaches none of it", x: 207000, y: y0, conc: 14, flow: 0.7,
			want: []want{{"I-R3", 1*h + 1.5*h, 12 / 0.7, 14 * 0.7 / 12, true, 80}},
		},
		{
			name: "discharge on the canal below every intake reaches nothing", x: 208000, y: y0 - 4500, conc: 30, flow: 0.03,
			want: nil,
		},
	}
	e := handEngine(t, handData())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := Source{Place: placeAt(t, e, tt.x, tt.y), Parameter: cu, Conc: tt.conc, FlowM3s: tt.flow, Time: t0}
			im, err := e.Forward(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if len(im.Intakes) != len(tt.want) {
				t.Fatalf("reached %d intakes %+v, want %d", len(im.Intakes), im.Intakes, len(tt.want))
			}
			for i, w := range tt.want {
				g := im.Intakes[i]
				if g.IntakeID != w.id {
					t.Fatalf("intake %d is %s, want %s (nearest in time first)", i, g.IntakeID, w.id)
				}
				near(t, w.id+" travel_hours", g.TravelHours, w.hours, 1e-3)
				near(t, w.id+" dilution", g.Dilution, w.dil, 1e-3)
				near(t, w.id+" concentration", g.Concentration, w.conc, 1e-5)
				near(t, w.id+" area_ha", g.AreaHa, w.areaHa, 1e-9)
				if g.Exceeds != w.exceeds || g.Standard == nil || *g.Standard != 0.2 {
					t.Errorf("%s: exceeds %v standard %v, want %v against 0.2 mg/L", w.id, g.Exceeds, g.Standard, w.exceeds)
				}
				if g.Dilution < 1 {
					t.Errorf("%s: dilution %v < 1", w.id, g.Dilution)
				}
				wantArr := t0.Add(time.Duration(w.hours * float64(time.Hour)))
				if d := g.ArrivalTime.Sub(wantArr); d > 5*time.Second || d < -5*time.Second {
					t.Errorf("%s: arrival %v, want %v", w.id, g.ArrivalTime, wantArr)
				}
			}
		})
	}
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// A braid splits the load and gives it back: no dilution where it rejoins.
func TestBraidRejoinsWithoutDilution(t *testing.T) {
	v := 1 / 0.3048
	r := func(id, from, to string, div int, g orb.LineString) hydro.Reach {
		return hydro.Reach{ID: id, FromNode: from, ToNode: to, Divergence: div, Geometry: g, LengthKm: hydro.Missing, VelocityFps: v, TotDASqKm: hydro.Missing}
	}
	net, err := hydro.Build(context.Background(), []hydro.Reach{
		r("S", "a", "b", 0, line([2]float64{210000, y0}, [2]float64{209000, y0})),
		r("Ba", "b", "c", 1, line([2]float64{209000, y0}, [2]float64{208000, y0})),
		r("Bb", "b", "c", 2, line([2]float64{209000, y0}, [2]float64{208500, y0 - 500}, [2]float64{208000, y0})),
		r("J", "c", "d", 0, line([2]float64{208000, y0}, [2]float64{206000, y0})),
	}, hydro.Options{KeepGeometry: true})
	if err != nil {
		t.Fatal(err)
	}
	ds := &model.Dataset{}
	_ = ds.Index()
	b, err := basin.New(net, ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := &Data{Intakes: []Intake{{ID: "I-J", ReachID: "J", Point: model.Point{X: 207000, Y: y0}}},
		FlowM3s: map[string]float64{"S": 10, "Ba": 6, "Bb": 4, "J": 10}}
	e, err := New(b, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	im, err := e.Forward(context.Background(), Source{Place: placeAt(t, e, 209500, y0), Parameter: param.MustLookup("Zn"), Conc: 3, FlowM3s: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Intakes) != 1 {
		t.Fatalf("got %+v", im.Intakes)
	}
	near(t, "dilution", im.Intakes[0].Dilution, 1, 1e-9)
	near(t, "concentration", im.Intakes[0].Concentration, 3, 1e-9)
	if !im.Intakes[0].Exceeds {
		t.Error("3 mg/L Zn should exceed the 2.0 mg/L irrigation limit")
	}
	divs, err := Diversions(context.Background(), net)
	if err != nil {
		t.Fatal(err)
	}
	if len(divs) != 1 || divs[0].Canal || divs[0].Rejoins != "J" {
		t.Errorf("diversions %+v, want one braid S→Bb rejoining at J", divs)
	}
}

func TestCanalsAreCanals(t *testing.T) {
	divs, err := Diversions(context.Background(), handNet(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(divs) != 1 || divs[0].From != "R1" || divs[0].Minor != "K1" || !divs[0].Canal {
		t.Errorf("diversions %+v, want the canal K1 leaving R1", divs)
	}
}

// Without a mean flow on the way, the answer says so instead of guessing.
func TestMissingFlow(t *testing.T) {
	d := handData()
	delete(d.FlowM3s, "R3")
	e := handEngine(t, d)
	_, err := e.Forward(context.Background(), Source{Place: placeAt(t, e, 209000, y0), Parameter: param.MustLookup("Cu"), Conc: 1, FlowM3s: 0.1})
	if !errors.Is(err, ErrNoFlow) {
		t.Fatalf("err = %v, want ErrNoFlow", err)
	}
	// The canal's farmland does not need R3's flow.
	_, err = e.Forward(context.Background(), Source{Place: placeAt(t, e, 208000, y0-1500), Parameter: param.MustLookup("Cu"), Conc: 1, FlowM3s: 0.1})
	if err != nil {
		t.Fatalf("canal discharge: %v", err)
	}
}
