package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// lastDays writes the course file's rows from 2022-10-27 on (two days,
// about 7,500 rows) to a temporary file: the CLI's plumbing is tested on
// it, the full file's numbers in tracing/adf and api.
func lastDays(t *testing.T) (string, int) {
	b, err := os.ReadFile(realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	keep := []string{lines[0]}
	for _, l := range lines[1:] {
		if f := strings.Split(l, ","); len(f) > 1 && f[1] >= "2022-10-27" {
			keep = append(keep, l)
		}
	}
	path := filepath.Join(t.TempDir(), "lastdays.csv")
	if err := os.WriteFile(path, []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, len(keep) - 1
}

// TestAirCommands runs the contract's commands on two days of the course
// file: import (twice: the second only finds duplicates), anomalies (both
// distances, JSON equal to the library's answer), hotspots, and their
// errors.
func TestAirCommands(t *testing.T) {
	file, rows := lastDays(t)
	dir := filepath.Join(t.TempDir(), "data")
	code, out, errs := runCmd(t, "import", "sensors", "--format", "civiliot", "--out", dir, "--json", file)
	if code != 0 || !strings.Contains(out, fmt.Sprintf(`"readings_added": %d`, 3*rows)) {
		t.Fatalf("import: %d %s %s", code, out, errs)
	}
	code, out, _ = runCmd(t, "import", "sensors", "--format", "civiliot", "--out", dir, "--json", file)
	if code != 0 || !strings.Contains(out, fmt.Sprintf(`"duplicates": %d`, 3*rows)) {
		t.Fatalf("second import: %d %s", code, out)
	}
	from, to := time.Date(2022, 10, 27, 0, 0, 0, 0, sensor.Taipei), time.Date(2022, 10, 29, 0, 0, 0, 0, sensor.Taipei)
	d, err := datadir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := airquery.FromDir(d)
	want, err := airquery.RunAnomalies(context.Background(), src, airquery.Anomalies{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd(t, "air", "anomalies", "--data", dir, "--from", "2022-10-27T00:00:00+08:00", "--to", "2022-10-29T00:00:00+08:00", "--json")
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
	if len(res.Devices) != 20 || len(res.RED) != len(want.RED) || len(res.RED) == 0 {
		t.Fatalf("%d devices, %d RED; the library gives %d RED", len(res.Devices), len(res.RED), len(want.RED))
	}
	for i, d := range res.Devices {
		if w := want.Devices[i]; d.DeviceID != w.DeviceID || d.Class != w.Class || d.MD != w.MD {
			t.Fatalf("device %s %s %v, library %s %s %v", d.DeviceID, d.Class, d.MD, w.DeviceID, w.Class, w.MD)
		}
	}
	code, out, _ = runCmd(t, "air", "anomalies", "--data", dir, "--from", "2022-10-27T00:00:00+08:00", "--to", "2022-10-29T00:00:00+08:00", "--distance", "course")
	if code != 0 || !strings.Contains(out, "course distance") {
		t.Fatalf("course mode: %d\n%s", code, out)
	}
	code, out, errs = runCmd(t, "hotspots", "--data", dir, "--signal", "sensor-exceedances", "--method", "ehsa", "--hex-edge", "1500", "--json")
	if code != 0 || !strings.Contains(out, `"partition": "hex"`) {
		t.Fatalf("hotspots: %d %s %s", code, out, errs)
	}
	for _, bad := range [][]string{
		{"air", "anomalies", "--data", dir, "--from", "2022-10-27T00:00:00+08:00", "--to", "2022-10-29T00:00:00+08:00", "--distance", "manhattan"},
		{"air", "anomalies", "--data", dir, "--from", "2022-10-27T00:00:00", "--to", "2022-10-29T00:00:00+08:00"},
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
