package main

import (
	"encoding/json"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/internal/config"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/datadir"
)

// TestImportWindCODiS imports Wuqi (acceptance test O-T6 through the
// command): 15,360 hours with 137 fault and 2 variable rows flagged, the
// station named from meta.csv beside the file; importing again adds
// nothing.
func TestImportWindCODiS(t *testing.T) {
	file := realdata.Path(t, "air/cwa_hourly/467770.csv")
	out := filepath.Join(t.TempDir(), "data")
	code, stdout, stderr := runCmd(t, "import", "wind", "--format", "codis", "--out", out, file)
	if code != 0 || !strings.Contains(stdout, "1 new monitors, 15360 new wind hours, 0 new readings") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "137 fault, 2 variable") {
		t.Errorf("progress does not report the flags: %s", stderr)
	}
	if code, stdout, _ := runCmd(t, "import", "wind", "--format", "codis", "--out", out, file); code != 0 || !strings.Contains(stdout, "0 new monitors, 0 new wind hours") {
		t.Errorf("a repeated import: exit %d %s", code, stdout)
	}
	d, err := datadir.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	flags := map[atmos.Flag]int{}
	for _, o := range d.Wind {
		flags[o.Flag]++
	}
	if len(d.Wind) != 15360 || flags[atmos.Fault] != 137 || flags[atmos.Variable] != 2 || d.Monitors[0].Name != "梧棲" {
		t.Errorf("%d hours, flags %v, monitors %+v", len(d.Wind), flags, d.Monitors)
	}
}

// TestImportWindCWAObs imports the hand-written O-A0001-001 samples (the
// API form at 14:00 and the file-download form at 15:00, see
// atmos/testdata/cwa/README.md): five stations placed by their WGS84
// entries, seven station-hours, the -99 and -990 hours kept as gaps;
// importing again adds nothing; a bad file is refused naming its station
// and field, and nothing is written.
func TestImportWindCWAObs(t *testing.T) {
	dir := filepath.Join("..", "..", "atmos", "testdata", "cwa")
	api, file := filepath.Join(dir, "O-A0001-001-api.json"), filepath.Join(dir, "O-A0001-001-file.json")
	out := filepath.Join(t.TempDir(), "data")
	code, stdout, stderr := runCmd(t, "import", "wind", "--format", "o-a0001-001", "--out", out, api, file)
	if code != 0 || !strings.Contains(stdout, "5 new monitors, 7 new wind hours, 0 new readings") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "5 stations (2 missing, 1 calm)") {
		t.Errorf("progress does not report the gaps: %s", stderr)
	}
	if code, stdout, _ := runCmd(t, "import", "wind", "--format", "o-a0001-001", "--out", out, file, api); code != 0 || !strings.Contains(stdout, "0 new monitors, 0 new wind hours") {
		t.Errorf("a repeated import: exit %d %s", code, stdout)
	}
	d, err := datadir.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	gaps := 0
	for _, o := range d.Wind {
		if o.Flag == atmos.Missing {
			gaps++
			if !math.IsNaN(o.Speed) || !math.IsNaN(o.Direction) {
				t.Errorf("a missing hour has numbers: %+v", o)
			}
		}
	}
	var first atmos.Monitor
	for _, m := range d.Monitors {
		if m.ID == "C0XA01" {
			first = m
		}
	}
	if len(d.Wind) != 7 || gaps != 2 || len(d.Monitors) != 5 || first.Name != "測站甲" || math.Abs(first.Lon-120.52523) > 1e-6 || math.Abs(first.Lat-24.25617) > 1e-6 {
		t.Errorf("%d hours (%d gaps), monitors %+v", len(d.Wind), gaps, d.Monitors)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"records": {"Station": [{"StationId": "C0XA09", "ObsTime": {"DateTime": "2026-03-02T16:00:00+08:00"},
 "GeoInfo": {"Coordinates": [{"CoordinateName": "WGS84", "StationLatitude": 24.1, "StationLongitude": 120.6}]},
 "WeatherElement": {"WindDirection": 90, "WindSpeed": "calm"}}]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "import", "wind", "--format", "o-a0001-001", "--out", out, bad)
	if code != 1 || !strings.Contains(stderr, "bad.json: station C0XA09: WeatherElement.WindSpeed") {
		t.Errorf("a bad file: exit %d, %s", code, stderr)
	}
	if d, err := datadir.Read(out); err != nil || len(d.Wind) != 7 {
		t.Errorf("the refused file changed the directory: %v", err)
	}
	if code, _, stderr := runCmd(t, "import", "wind", "--format", "o-a0001-001", "--meta", "meta.csv", "--out", out, api); code != 2 || !strings.Contains(stderr, "describe their own stations") {
		t.Errorf("--meta with O-A0001-001: exit %d, %s", code, stderr)
	}
}

// TestAirCPFCommand imports Liberty's ESDR feed and runs `air cpf` with the
// contract's parameters: the JSON has the contract's fields and the peak
// of acceptance test O-T1.
func TestAirCPFCommand(t *testing.T) {
	feed := realdata.Path(t, "odour/smellpgh_v1/esdr_raw/Feed_28_Liberty_ACHD.csv")
	out := filepath.Join(t.TempDir(), "pgh")
	if code, stdout, stderr := runCmd(t, "import", "air", "--format", "esdr", "--out", out, feed); code != 0 {
		t.Fatalf("import: exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, stderr := runCmd(t, "air", "cpf", "--data", out, "--monitor", "28", "--parameter", "H2S", "--percentile", "90", "--sector-deg", "10", "--min-speed", "0.44704", "--json")
	if code != 0 {
		t.Fatalf("cpf: exit %d: %s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"monitor", "parameter", "threshold", "n", "sectors"} {
		if _, ok := res[k]; !ok {
			t.Errorf("the JSON lacks %q", k)
		}
	}
	sectors := res["sectors"].([]any)
	s20 := sectors[20].(map[string]any)
	for _, k := range []string{"from_deg", "to_deg", "n", "exceed", "cpf"} {
		if _, ok := s20[k]; !ok {
			t.Errorf("a sector lacks %q", k)
		}
	}
	if s20["from_deg"] != 200.0 || math.Abs(s20["cpf"].(float64)-0.494) > 0.005 || res["n"] != 15975.0 {
		t.Errorf("sector [200, 210): %v, n %v", s20, res["n"])
	}
	if code, stdout, _ := runCmd(t, "air", "cpf", "--data", out, "--monitor", "28", "--parameter", "H2S"); code != 0 || !strings.Contains(stdout, "[200, 210)") {
		t.Errorf("text output: exit %d\n%s", code, stdout)
	}
}

// TestOdourCommandsMatchREST runs each new command on the embedded fixture
// and its REST twin on a server over the same fixture: the JSON is the
// same.
func TestOdourCommandsMatchREST(t *testing.T) {
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	srv := fixtureServer(t, dir).srv
	scs, err := fixtures.OdourScenarios()
	if err != nil {
		t.Fatal(err)
	}
	sc := scs[0]
	from, to := sc.From.Format(time.RFC3339), sc.To.Format(time.RFC3339)
	code, stdout, stderr := runCmd(t, "odour", "rank", "--data", dir, "--from", from, "--to", to, "--json")
	if code != 0 {
		t.Fatalf("odour rank: exit %d: %s", code, stderr)
	}
	var cli map[string]any
	if err := json.Unmarshal([]byte(stdout), &cli); err != nil {
		t.Fatal(err)
	}
	first := cli["candidates"].([]any)[0].(map[string]any)
	petition := first["evidence"].(map[string]any)["votes"].([]any)[0].(map[string]any)["petition_id"].(string)
	cases := []struct {
		args []string
		rest string
	}{
		{[]string{"odour", "rank", "--data", dir, "--from", from, "--to", to, "--json"},
			"/api/v1/odour/rank?" + url.Values{"from": {from}, "to": {to}}.Encode()},
		{[]string{"odour", "trace", "--data", dir, "--petition", petition, "--json"},
			"/api/v1/odour/trace?petition=" + url.QueryEscape(petition)},
		{[]string{"air", "cpf", "--data", dir, "--monitor", "WX-DR01", "--parameter", "H2S", "--percentile", "80", "--sector-deg", "20", "--min-speed", "1", "--json"},
			"/api/v1/air/cpf?monitor=WX-DR01&parameter=H2S&percentile=80&sector_deg=20&min_speed=1"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			code, stdout, stderr := runCmd(t, tc.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			sameAsREST(t, srv.Handler(), tc.rest, stdout)
		})
	}
	if code, stdout, _ := runCmd(t, "odour", "rank", "--data", dir, "--from", from, "--to", to); code != 0 || !strings.Contains(stdout, "RANK") || !strings.Contains(stdout, sc.Source) {
		t.Errorf("text output: exit %d\n%s", code, stdout)
	}
}

// fixtureServer serves dir as `envtrace serve --data` does, through the
// command's own constructor, and returns it with the desks' outbox.
func fixtureServer(t *testing.T, dir string) *memoryServe {
	t.Helper()
	e := &env{cfg: config.Default(), stdout: io.Discard, stderr: io.Discard}
	e.cfg.Data = dir
	ms, err := e.memoryServer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ms.cleanup)
	return ms
}

func TestOdourCommandErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"odour"}, 2, "usage"},
		{[]string{"odour", "rank", "--from", "2026-08-20T00:00:00+08:00"}, 2, "--from and --to are required"},
		{[]string{"odour", "rank", "--from", "2026-08-20T00:00:00", "--to", "2026-08-21T00:00:00+08:00"}, 2, "zone"},
		{[]string{"odour", "rank", "--from", "2026-08-21T00:00:00+08:00", "--to", "2026-08-20T00:00:00+08:00"}, 2, "after"},
		{[]string{"odour", "trace"}, 2, "--petition is required"},
		{[]string{"odour", "trace", "--petition", "nope"}, 1, `petition "nope" does not exist`},
		{[]string{"air"}, 2, "usage"},
		{[]string{"air", "cpf", "--parameter", "H2S"}, 2, "--monitor and --parameter are required"},
		{[]string{"air", "cpf", "--monitor", "WX-DR01", "--parameter", "H2S", "--sector-deg", "7"}, 2, "divide 360"},
		{[]string{"air", "cpf", "--monitor", "nope", "--parameter", "H2S"}, 1, "does not exist"},
		{[]string{"air", "cpf", "--monitor", "WX-DR01", "--parameter", "COD"}, 1, "water parameter"},
		{[]string{"import", "wind", "--format", "csv", "--out", "x", "f"}, 2, "--format codis"},
		{[]string{"import", "wind", "--format", "codis", "f"}, 2, "--out DIR is required"},
		{[]string{"import", "wind", "--format", "codis", "--out", "x"}, 2, "give the files"},
		{[]string{"import", "air", "--format", "esdr", "--out", "x", "--meta", "/nonexistent.json", "f"}, 1, "monitor list"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
