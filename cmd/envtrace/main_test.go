package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/internal/realdata"
)

// runCmd runs the binary's entry point in-process.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// sameAsREST fails t unless GET rest on h answers 200 with the same JSON
// as the command printed on stdout: each CLI query has a REST twin.
func sameAsREST(t *testing.T, h http.Handler, rest, stdout string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, rest, nil))
	if rec.Code != 200 {
		t.Fatalf("REST %d: %s", rec.Code, rec.Body)
	}
	var a, b any
	if err := json.Unmarshal([]byte(stdout), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the command and %s differ:\n%.600s\n%.600s", rest, stdout, rec.Body)
	}
}

func TestNavigateCommand(t *testing.T) {
	nldi := realdata.Path(t, "nldi/flowlines_921.geojson")
	tests := []struct {
		name  string
		args  []string
		code  int
		check func(t *testing.T, out string)
	}{
		{"ids", []string{"navigate", "--network", nldi, "--start", "13293750", "--mode", "UT"}, 0, func(t *testing.T, out string) {
			lines := strings.Fields(out)
			if len(lines) < 2 || !contains(lines, "13293750") {
				t.Fatalf("UT ids = %v", lines)
			}
		}},
		{"csv", []string{"navigate", "--network", nldi, "--start", "13293750", "--mode", "DM", "--format", "csv", "--distance-km", "5"}, 0, func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "id,distance_km,travel_hours\n13293750,0.0000,0.0000\n") {
				t.Fatalf("csv = %q", out)
			}
		}},
		{"geojson", []string{"navigate", "--network", nldi, "--start", "13293750", "--mode", "UM", "--format", "geojson"}, 0, func(t *testing.T, out string) {
			var fc struct {
				Type     string
				Features []struct {
					Geometry struct{ Coordinates [][2]float64 }
				}
			}
			if err := json.Unmarshal([]byte(out), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
				t.Fatalf("geojson: %v %q", err, out[:min(len(out), 200)])
			}
			c := fc.Features[0].Geometry.Coordinates[0]
			if c[0] > -80 || c[0] < -100 || c[1] < 25 || c[1] > 50 {
				t.Fatalf("coordinates %v are not lon/lat in the US", c)
			}
		}},
		{"start point", []string{"navigate", "--network", nldi, "--start-point", "-89.32869,43.026352", "--mode", "DM", "--format", "ids"}, 0, func(t *testing.T, out string) {
			if len(strings.Fields(out)) == 0 {
				t.Fatal("no reaches")
			}
		}},
		{"unknown reach", []string{"navigate", "--network", nldi, "--start", "42", "--mode", "UT"}, 1, nil},
		{"bad mode", []string{"navigate", "--network", nldi, "--start", "13293750", "--mode", "XX"}, 2, nil},
		{"no network", []string{"navigate", "--start", "1", "--mode", "UT"}, 2, nil},
		{"both starts", []string{"navigate", "--network", nldi, "--start", "1", "--start-point", "1,2", "--mode", "UT"}, 2, nil},
		{"bad format", []string{"navigate", "--network", nldi, "--start", "13293750", "--mode", "UT", "--format", "kml"}, 2, nil},
		{"missing file", []string{"navigate", "--network", "/nonexistent.gpkg", "--start", "1", "--mode", "UT"}, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errs)
			}
			if code != 0 && !strings.Contains(errs, "envtrace navigate:") {
				t.Fatalf("error message does not say where: %q", errs)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestSnapCommand(t *testing.T) {
	gpkg := realdata.Path(t, "nhdplus/sample_natseamless.gpkg")
	// Gage 05428668's official event point lies on reach 13293744.
	code, out, errs := runCmd(t, "snap", "--network", gpkg, "--point", "-89.33324521740178,43.0920139293479", "--k", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		ReachID     string  `json:"reach_id"`
		Measure     float64 `json:"measure"`
		OffsetM     float64 `json:"offset_m"`
		StreamOrder int     `json:"stream_order"`
		ReachCode   string  `json:"reachcode"`
		CodeMeasure float64 `json:"reachcode_measure"`
		Candidates  []struct {
			ReachID string `json:"reach_id"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.ReachID != "13293744" || got.OffsetM > 1 || got.StreamOrder < 1 || len(got.Candidates) != 3 {
		t.Fatalf("snap = %+v", got)
	}
	// The gage table's official reach code and measure on it (Measure
	// 28.85024 on 07090002007743), to the table's half-unit precision.
	if got.ReachCode != "07090002007743" || math.Abs(got.CodeMeasure-28.85024) > 0.5 {
		t.Errorf("reach code %q measure %v, official 07090002007743 at 28.85024", got.ReachCode, got.CodeMeasure)
	}
	// TWD97 input is converted: the Touqian river mouth.
	tq := realdata.Path(t, "taiwan/touqian_streams_order6.epsg3826.geojson")
	code, out, errs = runCmd(t, "snap", "--network", tq, "--point", "120.9331,24.8501", "--crs", "EPSG:4326")
	if code != 0 || !strings.Contains(out, `"reach_id"`) || strings.Contains(out, "reachcode") {
		t.Fatalf("exit %d %s %s (a network without reach codes reports none)", code, out, errs)
	}
	if code, _, _ := runCmd(t, "snap", "--network", tq, "--point", "1,2", "--crs", "EPSG:9999"); code != 2 {
		t.Fatalf("unknown CRS: exit %d, want 2", code)
	}
}

func TestNetworkCheckCommand(t *testing.T) {
	code, out, _ := runCmd(t, "network", "check", "--network", realdata.Path(t, "hydroloom/loop2.csv"))
	if code != 1 || strings.Count(out, "cycle of") != 2 || !strings.Contains(out, "INVALID") {
		t.Fatalf("loop2: exit %d\n%s", code, out)
	}
	code, out, errs := runCmd(t, "network", "check", "--network", realdata.Path(t, "taiwan/touqian_streams_order6.epsg3826.geojson"))
	if code != 0 {
		t.Fatalf("touqian: exit %d %s", code, errs)
	}
	for _, want := range []string{"reaches:     2034", "outlets:     6", "closed ring", "status:      OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("touqian summary lacks %q:\n%s", want, out)
		}
	}
}

func TestTraceCommand(t *testing.T) {
	scenarios, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	sc := scenarios[0]
	code, out, errs := runCmd(t, "trace", "--station", sc.Station, "--parameter", sc.Parameter,
		"--value", ftoa(sc.Value), "--unit", sc.Unit, "--time", sc.Time.Format("2006-01-02T15:04:05Z07:00"), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Station   string `json:"station"`
		Parameter string `json:"parameter"`
		Suspects  []struct {
			FacilityID  string          `json:"facility_id"`
			Name        string          `json:"name"`
			Rank        int             `json:"rank"`
			Score       float64         `json:"score"`
			DistanceKm  float64         `json:"distance_km"`
			TravelHours float64         `json:"travel_hours"`
			Evidence    json.RawMessage `json:"evidence"`
		} `json:"suspects"`
		Unexplained map[string]any `json:"unexplained"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Station != sc.Station || len(res.Suspects) == 0 || res.Suspects[0].FacilityID != sc.Culprit || res.Suspects[0].Rank != 1 || res.Unexplained == nil {
		t.Fatalf("trace = %s", out)
	}
	// The table names the culprit too.
	code, out, _ = runCmd(t, "trace", "--station", sc.Station, "--parameter", sc.Parameter,
		"--value", ftoa(sc.Value), "--unit", sc.Unit, "--time", sc.Time.Format("2006-01-02T15:04:05Z07:00"))
	if code != 0 || !strings.Contains(out, sc.Culprit) || !strings.Contains(out, "RANK") {
		t.Fatalf("table: exit %d\n%s", code, out)
	}
	bad := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"time without zone", []string{"--time", "2026-08-14T04:00:00"}, 2, "zone"},
		{"unknown unit", []string{"--unit", "furlongs"}, 1, "furlongs"},
		{"unknown station", []string{"--station", "NOPE"}, 1, "NOPE"},
		{"unknown parameter", []string{"--parameter", "unobtainium"}, 1, "unobtainium"},
		{"value not a number", []string{"--value", "lots"}, 2, "lots"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			args := map[string]string{"--station": sc.Station, "--parameter": sc.Parameter, "--value": ftoa(sc.Value), "--unit": sc.Unit, "--time": sc.Time.Format("2006-01-02T15:04:05Z07:00")}
			args[tc.args[0]] = tc.args[1]
			argv := []string{"trace"}
			for k, v := range args {
				argv = append(argv, k, v)
			}
			code, _, errs := runCmd(t, argv...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Fatalf("exit %d, want %d; stderr %q should mention %q", code, tc.code, errs, tc.msg)
			}
		})
	}
}

func ftoa(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCheckPermitsCommand(t *testing.T) {
	code, out, errs := runCmd(t, "check", "permits")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Permit rationality", "constant-flow", "water-balance", "capacity", "limit", "effluent-stuck", "effluent-shift"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestUsage(t *testing.T) {
	if code, out, _ := runCmd(t, "help"); code != 0 || !strings.Contains(out, "envtrace navigate") {
		t.Fatalf("help: %d %s", code, out)
	}
	if code, _, errs := runCmd(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown command: %d %s", code, errs)
	}
	// Collector settings are checked before anything is loaded.
	if code, _, errs := runCmd(t, "serve", "--gc-percent", "-1"); code != 2 || !strings.Contains(errs, "needs a memory limit") {
		t.Fatalf("serve with the collector off and no limit: %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, "serve", "--memory-limit", "lots"); code != 2 || !strings.Contains(errs, "lots") {
		t.Fatalf("serve with an unreadable memory limit: %d %s", code, errs)
	}
}

// TestBalanceCommand balances ammonia over the hour of the fixture's
// unpermitted release: the gain between WQ-M05 and WQ-M06 is the planted
// source load (within 15 %: decay and background), flagged as exceeding
// what the permits there allow.
func TestBalanceCommand(t *testing.T) {
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	var src float64
	for _, sc := range scs {
		if sc.ID == "unpermitted-ammonia" {
			src = sc.SourceLoadKgDay
		}
	}
	code, out, errs := runCmd(t, "balance", "--parameter", "NH3-N", "--from", "2026-09-05T02:30:00+08:00", "--to", "2026-09-05T03:30:00+08:00", "--json")
	var rep struct {
		Segments []struct {
			Station          string  `json:"station"`
			GainKgDay        float64 `json:"gain_kg_day"`
			ExceedsPermitted bool    `json:"exceeds_permitted"`
		} `json:"segments"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || src == 0 {
		t.Fatalf("exit %d, %v, source %v\n%s\n%s", code, err, src, out, errs)
	}
	found := false
	for _, s := range rep.Segments {
		if s.Station == "WQ-M06" {
			found = true
			if math.Abs(s.GainKgDay-src) > 0.15*src || !s.ExceedsPermitted {
				t.Errorf("WQ-M06 gains %.1f kg/day (exceeds permitted: %v), the planted source %.1f", s.GainKgDay, s.ExceedsPermitted, src)
			}
		}
	}
	if !found {
		t.Fatalf("no WQ-M06 segment:\n%s", out)
	}
	if code, out, _ := runCmd(t, "balance", "--parameter", "NH3-N", "--from", "2026-09-05T02:30:00+08:00", "--to", "2026-09-05T03:30:00+08:00"); code != 0 || !strings.Contains(out, "WQ-M06") || !strings.Contains(out, " !") {
		t.Fatalf("table: exit %d\n%s", code, out)
	}
	if code, _, errs := runCmd(t, "balance", "--parameter", "pH", "--from", "2026-09-05T02:30:00+08:00", "--to", "2026-09-05T03:30:00+08:00"); code != 1 || !strings.Contains(errs, "pH") {
		t.Fatalf("pH: exit %d %s", code, errs)
	}
}

// A data directory given as a relative path is read where it is, not
// joined to itself.
func TestRelativeDataDir(t *testing.T) {
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir + "/central"); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	code, out, errs := runCmd(t, "balance", "--data", "central", "--parameter", "NH3-N", "--from", "2026-09-05T02:30:00+08:00", "--to", "2026-09-05T03:30:00+08:00")
	if code != 0 || !strings.Contains(out, "WQ-M06") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}
