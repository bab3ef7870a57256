package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/store/storetest"
)

// writeAirPermitFiles adds to dir the hand-written permit and declaration
// sample of tracing/airpermit and, after MOENV's CEMS and fee fields, a
// CEMS file (a flat-lined day of E0005 with status 10, a shutdown day of
// E0006, a week of E0008 with night excess), a rainfall file and a
// bureau's emission factor that replaces the built-in residual-oil SO2
// factor: every table of migration 0014 holds rows.
func writeAirPermitFiles(t *testing.T, dir string) {
	t.Helper()
	for _, n := range []string{"air_permits.csv", "fuel_declarations.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "tracing", "airpermit", "testdata", "sample", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tw := time.FixedZone("+08", 8*3600)
	day := time.Date(2024, 5, 6, 0, 0, 0, 0, tw) // a Monday
	var cems strings.Builder
	cems.WriteString("ems_no,stack_id,time,parameter,value,unit,status,basis,o2_ref_pct\n")
	rec := func(ems, param string, at time.Time, v float64, unit string, status int, o2ref string) {
		fmt.Fprintf(&cems, "%s,P001,%s,%s,%g,%s,%d,dry,%s\n", ems, at.Format(time.RFC3339), param, v, unit, status, o2ref)
	}
	for k := range 7 * 96 {
		at := day.Add(time.Duration(k) * 15 * time.Minute)
		if k < 96 {
			rec("E0005", "SO2", at, 42, "ppm", 10, "")
			rec("E0006", "SO2", at, 0, "ppm", 40, "")
			rec("E0001", "SO2", at, 120+float64(k%5), "mg/Nm3", 10, "6")
			rec("E0001", "O2", at, 8+float64(k%3)/2, "%vol", 10, "")
			rec("E0001", "STACK_FLOW", at, 20000+float64(10*(k%7)), "Nm3/h", 10, "")
		}
		v := 40.0 + float64(k%3)
		if h := at.Hour(); h >= 22 || h < 6 {
			v = 100 + float64(k%3)
		}
		rec("E0008", "SO2", at, v, "ppm", 10, "")
	}
	files := map[string]string{
		"cems.csv":             cems.String(),
		"rainfall.csv":         "time,rain_mm,station_id\n2024-05-07T14:00:00+08:00,3.5,C0F9A0\n2024-05-07T15:00:00+08:00,0.2,C0F9A0\n2024-05-08T10:00:00+08:00,12,C0F9A0\n",
		"emission_factors.csv": "fuel,base_unit,pollutant,factor,factor_unit,per_sulphur_pct,source\n重油,m3,SO2,20,kg/kL,yes,a bureau's table (test)\n",
	}
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAirPermitsRoundTrip: `envtrace import --db` stores a directory's air
// permits, fuel declarations, CEMS records, rainy hours and emission
// factors (migration 0014), a second import adds nothing, and `serve --db`
// answers GET /api/v1/checks/air-permits with the same JSON as `envtrace
// check air-permits --data` on the directory.
func TestAirPermitsRoundTrip(t *testing.T) {
	dbURL := storetest.DatabaseURL(t)
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	writeAirPermitFiles(t, dir)
	if code, _, errs := runCmd(t, "db", "migrate", "--db", dbURL); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	for i, want := range []string{
		"imported air permits: 4 new permits, 5 new fuel declarations, 1152 new CEMS records, 2 new rainy hours, 1 emission factors",
		"imported air permits: 0 new permits, 0 new fuel declarations, 0 new CEMS records, 0 new rainy hours, 0 emission factors"} {
		code, out, errs := runCmd(t, "import", "--db", dbURL, "--data", dir)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("import %d: exit %d, want %q\n%s\n%s", i, code, want, out, errs)
		}
	}
	code, cli, errs := runCmd(t, "check", "air-permits", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("check air-permits: %s", errs)
	}
	for _, rule := range []string{"permit-capacity", "fuel-sulphur", "cems-flat-line", "stealth-emission", "production-peer"} {
		if !strings.Contains(cli, `"check": "`+rule+`"`) {
			t.Errorf("the directory's report lacks %s: the round trip would not cover it", rule)
		}
	}
	if !strings.Contains(cli, "a bureau's table (test)") {
		t.Error("the report does not cite the bureau's factor: the round trip would not cover emission_factors")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := startReplica(ctx, t, dbURL)
	resp, err := http.Get(r.base + "/api/v1/checks/air-permits")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/checks/air-permits: %d %s", resp.StatusCode, body)
	}
	var a, b any
	if err := json.Unmarshal([]byte(cli), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		var ind bytes.Buffer
		json.Indent(&ind, body, "", "  ")
		t.Fatalf("serve --db answers differently from the directory:\n%.2000s\n---\n%.2000s", cli, ind.String())
	}
}
