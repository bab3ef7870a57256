package calibrate

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// colocation is the documented synthetic co-location (there is no
// reference-station data in shared/data): 12 days of hourly values. The
// station reads ref = 25 + 10·sin(2π·h/24) + AR(1) noise; humidity is
// 70 + 20·sin(2π·(h − 6)/24) + noise; the micro-sensor over-reads with
// humidity, as optical sensors do:
//
//	sensor = 1.4·ref − 3 + 0.15·(RH − 60) + N(0, 1)
//
// so the true correction is linear in P and R, and a model without R
// leaves the humidity bias in.
func colocation(seed uint64) []Pair {
	rng := rand.New(rand.NewPCG(seed, 7))
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, sensor.Taipei)
	var out []Pair
	ar := 0.0
	for h := range 12 * 24 {
		t := start.Add(time.Duration(h) * time.Hour)
		ar = 0.8*ar + rng.NormFloat64()*2
		ref := 25 + 10*math.Sin(2*math.Pi*float64(h%24)/24) + ar
		rh := 70 + 20*math.Sin(2*math.Pi*float64(h%24-6)/24) + rng.NormFloat64()*3
		temp := 25 + 4*math.Sin(2*math.Pi*float64(h%24-9)/24)
		s := 1.4*ref - 3 + 0.15*(rh-60) + rng.NormFloat64()
		out = append(out, Pair{Time: t, PM25: s, Temp: temp, RH: rh, Ref: ref, HasTemp: true, HasRH: true})
	}
	return out
}

// TestDailySelection checks the rule on the synthetic co-location: day 11
// is calibrated by the candidate that scored best on day 10, the chosen
// features include humidity, and the calibrated day's error is a fraction
// of the raw one.
func TestDailySelection(t *testing.T) {
	pairs := colocation(1)
	day := time.Date(2024, 3, 11, 0, 0, 0, 0, sensor.Taipei)
	sel, err := Select(pairs, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(sel.Candidates) != len(Methods)*len(Lengths)*len(FeatureSets) {
		t.Fatalf("%d candidates, want %d", len(sel.Candidates), len(Methods)*len(Lengths)*len(FeatureSets))
	}
	best := sel.Candidates[0]
	if sel.Chosen.Spec != best.Spec {
		t.Fatalf("chose %+v, but the least test MSE is %+v", sel.Chosen.Spec, best.Spec)
	}
	if !strings.Contains(sel.Chosen.Features, "R") {
		t.Fatalf("the chosen features %s ignore humidity, which drives the bias", sel.Chosen.Features)
	}
	raw, cal := 0.0, 0.0
	n := 0
	for _, p := range window(pairs, day, day.AddDate(0, 0, 1)) {
		raw += math.Abs(p.PM25 - p.Ref)
		cal += math.Abs(sel.Chosen.Predict(p) - p.Ref)
		n++
	}
	raw, cal = raw/float64(n), cal/float64(n)
	t.Logf("day %s: %+v, raw MAE %.2f → calibrated %.2f µg/m³", day.Format("2006-01-02"), sel.Chosen.Spec, raw, cal)
	if cal > 0.2*raw {
		t.Fatalf("calibrated MAE %.2f is not under a fifth of the raw %.2f", cal, raw)
	}
}

// TestOLSRecoversBias: on noiseless data the linear fit of PR inverts the
// bias model exactly: ref = (sensor + 3 − 0.15·(RH − 60))/1.4.
func TestOLSRecoversBias(t *testing.T) {
	var pairs []Pair
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, sensor.Taipei)
	for h := range 48 {
		ref := 10 + float64(h%17)
		rh := 50 + float64(h%11)*4
		pairs = append(pairs, Pair{Time: start.Add(time.Duration(h) * time.Hour), PM25: 1.4*ref - 3 + 0.15*(rh-60), RH: rh, HasRH: true, Ref: ref})
	}
	m, err := Fit(pairs, Spec{Method: "linear", Days: 3, Features: "PR"})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{(3 + 9) / 1.4, 1 / 1.4, -0.15 / 1.4}
	for i := range want {
		if math.Abs(m.Coef[i]-want[i]) > 1e-9 {
			t.Fatalf("coef %v, want %v", m.Coef, want)
		}
	}
}

func TestSelectNeedsHistory(t *testing.T) {
	pairs := colocation(2)
	if _, err := Select(pairs, time.Date(2024, 3, 1, 0, 0, 0, 0, sensor.Taipei)); err == nil {
		t.Fatal("the first day has no test day before it")
	}
}

// TestHourlyPairs pairs a sensor with a reference device of the data.
func TestHourlyPairs(t *testing.T) {
	at := time.Date(2024, 3, 1, 9, 0, 0, 0, sensor.Taipei)
	d := &sensor.Data{
		Sensors: []sensor.Sensor{{ID: "S", Point: model.FromLonLat(120.3, 22.6)}, {ID: "R", Point: model.FromLonLat(120.3, 22.6), Kind: sensor.KindReference}},
		Readings: []sensor.Reading{
			{Device: "S", Time: at, Parameter: "PM2.5", Value: 10}, {Device: "S", Time: at.Add(30 * time.Minute), Parameter: "PM2.5", Value: 20},
			{Device: "S", Time: at, Parameter: "RH", Value: 80}, {Device: "R", Time: at, Parameter: "PM2.5", Value: 12},
			{Device: "S", Time: at.Add(2 * time.Hour), Parameter: "PM2.5", Value: 30},
		},
	}
	ps := HourlyPairs(d, "S", "R")
	if len(ps) != 1 || ps[0].PM25 != 15 || ps[0].Ref != 12 || !ps[0].HasRH || ps[0].HasTemp {
		t.Fatalf("%+v", ps)
	}
}
