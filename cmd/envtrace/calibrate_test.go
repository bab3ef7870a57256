package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/calibrate"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// colocated is 12 days of hourly readings of a reference station and a
// low-cost sensor beside it that reads 1.4·ref − 3 + 0.15·(RH − 60) plus
// noise (σ 1 µg/m³), humidity following its own daily cycle.
func colocated() *sensor.Data {
	r := rand.New(rand.NewPCG(7, 11))
	at := model.FromLonLat(120.68, 24.15)
	d := &sensor.Data{Sensors: []sensor.Sensor{
		{ID: "LCS01", Point: at, Lon: 120.68, Lat: 24.15, Kind: sensor.KindLowCost},
		{ID: "REF01", Point: at, Lon: 120.68, Lat: 24.15, Kind: sensor.KindReference},
	}}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, sensor.Taipei)
	for h := range 12 * 24 {
		t := start.Add(time.Duration(h) * time.Hour)
		ref := 25 + 10*math.Sin(2*math.Pi*float64(h%24)/24) + 2*r.NormFloat64()
		rh := 65 + 15*math.Sin(2*math.Pi*float64((h+6)%24)/24)
		pm := 1.4*ref - 3 + 0.15*(rh-60) + r.NormFloat64()
		round := func(v float64) float64 { return math.Round(v*10) / 10 }
		d.Readings = append(d.Readings,
			sensor.Reading{Device: "LCS01", Time: t, Parameter: "AIR_TEMP", Value: 24, Unit: "°C"},
			sensor.Reading{Device: "LCS01", Time: t, Parameter: "PM2.5", Value: round(pm), Unit: "µg/m³"},
			sensor.Reading{Device: "LCS01", Time: t, Parameter: "RH", Value: round(rh), Unit: "%RH"},
			sensor.Reading{Device: "REF01", Time: t, Parameter: "PM2.5", Value: round(ref), Unit: "µg/m³"})
	}
	return d
}

// TestAirCalibrateMatchesREST: `envtrace air calibrate --json` and GET
// /api/v1/air/calibration give the same selection; the chosen model
// brings the sensor much closer to the reference on the calibrated day
// than its raw readings; bad queries name the flag or parameter.
func TestAirCalibrateMatchesREST(t *testing.T) {
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	data := colocated()
	if err := sensor.WriteDir(dir, data); err != nil {
		t.Fatal(err)
	}
	srv := fixtureServer(t, dir).srv
	code, stdout, stderr := runCmd(t, "air", "calibrate", "--data", dir, "--sensor", "LCS01", "--reference", "REF01", "--day", "2026-03-11", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sameAsREST(t, srv.Handler(), "/api/v1/air/calibration?sensor=LCS01&reference=REF01&day=2026-03-11", stdout)
	var sel calibrate.Selection
	if err := json.Unmarshal([]byte(stdout), &sel); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 11, 0, 0, 0, 0, sensor.Taipei)
	var raw, cal float64
	var n int
	for _, p := range calibrate.HourlyPairs(data, "LCS01", "REF01") {
		if p.Time.Before(day) || !p.Time.Before(day.AddDate(0, 0, 1)) {
			continue
		}
		raw += math.Abs(p.PM25 - p.Ref)
		cal += math.Abs(sel.Chosen.Predict(p) - p.Ref)
		n++
	}
	if n != 24 || cal/float64(n) > 0.25*raw/float64(n) {
		t.Errorf("%d hours: MAE raw %.2f, calibrated %.2f (model %+v)", n, raw/float64(n), cal/float64(n), sel.Chosen)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--sensor", "LCS01", "--reference", "LCS01", "--day", "2026-03-11"}, 2, "--reference"},
		{[]string{"--sensor", "NOPE", "--reference", "REF01", "--day", "2026-03-11"}, 2, "--sensor"},
		{[]string{"--sensor", "LCS01", "--reference", "REF01", "--day", "11/03/2026"}, 2, "--day"},
		{[]string{"--sensor", "LCS01", "--reference", "REF01", "--day", "2026-01-01"}, 1, "not enough"},
	} {
		code, _, stderr := runCmd(t, append([]string{"air", "calibrate", "--data", dir}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, code, stderr)
		}
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/air/calibration?sensor=LCS01&reference=REF01&day=2026-01-01", nil))
	if rec.Code != 422 {
		t.Errorf("a day without data: %d %s", rec.Code, rec.Body)
	}
}
