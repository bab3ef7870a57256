package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/internal/realdata"
)

// TestAirCommands runs the contract's commands on the course file:
// import, anomalies (both distances), hotspots and the permit check, and
// their errors.
func TestAirCommands(t *testing.T) {
	file := realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv")
	dir := filepath.Join(t.TempDir(), "data")
	code, out, errs := runCmd(t, "import", "sensors", "--format", "civiliot", "--out", dir, "--json", file)
	if code != 0 || !strings.Contains(out, `"readings_added": 157569`) {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	code, out, _ = runCmd(t, "import", "sensors", "--format", "civiliot", "--out", dir, "--json", file)
	if code != 0 || !strings.Contains(out, `"duplicates": 157569`) {
		t.Fatalf("second import: %d %s", code, out)
	}
	code, out, errs = runCmd(t, "air", "anomalies", "--data", dir, "--from", "2022-10-15T00:00:00+08:00", "--to", "2022-10-29T00:00:00+08:00", "--json")
	if code != 0 {
		t.Fatalf("anomalies: %d %s", code, errs)
	}
	var res struct {
		Devices []struct {
			DeviceID string  `json:"device_id"`
			Class    string  `json:"class"`
			MD       float64 `json:"md"`
		} `json:"devices"`
		RED []struct {
			DeviceID string  `json:"device_id"`
			Value    float64 `json:"value"`
			Previous float64 `json:"previous"`
		} `json:"red"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	classes := map[string]int{}
	for _, d := range res.Devices {
		classes[d.Class]++
	}
	if classes["indoor"] != 7 || classes["emission"] != 6 || len(res.RED) != 157 {
		t.Fatalf("classes %v, %d RED", classes, len(res.RED))
	}
	code, out, _ = runCmd(t, "air", "anomalies", "--data", dir, "--from", "2022-10-15T00:00:00+08:00", "--to", "2022-10-29T00:00:00+08:00", "--distance", "course")
	if code != 0 || strings.Count(out, " emission ") != 8 || strings.Count(out, " indoor ") != 8 {
		t.Fatalf("course mode: %d\n%s", code, out)
	}
	code, out, errs = runCmd(t, "hotspots", "--data", dir, "--signal", "sensor-exceedances", "--method", "ehsa", "--hex-edge", "1500", "--json")
	if code != 0 || !strings.Contains(out, `"partition": "hex"`) {
		t.Fatalf("hotspots: %d %s %s", code, out, errs)
	}
	for _, bad := range [][]string{
		{"air", "anomalies", "--data", dir, "--from", "2022-10-15T00:00:00+08:00", "--to", "2022-10-29T00:00:00+08:00", "--distance", "manhattan"},
		{"air", "anomalies", "--data", dir, "--from", "2022-10-15T00:00:00", "--to", "2022-10-29T00:00:00+08:00"},
		{"hotspots", "--data", dir, "--signal", "smells", "--method", "gi"},
		{"hotspots", "--data", dir, "--signal", "violations", "--method", "gi", "--hex-edge", "100", "--areas", "x.geojson"},
		{"import", "sensors", "--format", "airbox", "--out", dir, file},
	} {
		if code, _, errs := runCmd(t, bad...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", bad, code, errs)
		}
	}
	if code, _, errs := runCmd(t, "hotspots", "--data", dir, "--signal", "petitions", "--method", "gi"); code != 1 || !strings.Contains(errs, "petition") {
		t.Errorf("petitions: exit %d %q", code, errs)
	}
}

// TestCheckAirPermitsCommand runs the permit rules on the hand-written
// sample.
func TestCheckAirPermitsCommand(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"air_permits.csv", "fuel_declarations.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "tracing", "airpermit", "testdata", "sample", n))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, n), b, 0o644)
	}
	code, out, errs := runCmd(t, "check", "air-permits", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("%d %s", code, errs)
	}
	for _, want := range []string{`"check": "permit-capacity"`, `"check": "fuel-sulphur"`, `"check": "production-peer"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
}
