package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/store/storetest"
)

func TestRouteCommand(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		code  int
		check func(t *testing.T, out, errs string)
	}{
		{"outside the fixture: the centre, exact JSON keys", []string{"route", "--point", "121.5654,25.033", "--crs", "EPSG:4326", "--json"}, 0, func(t *testing.T, out, _ string) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"agency_id", "agency", "parcel_id", "candidates"} {
				if _, ok := m[k]; !ok {
					t.Errorf("JSON lacks %q: %s", k, out)
				}
			}
			if string(m["agency_id"]) != `"centre"` || string(m["candidates"]) != "[]" {
				t.Errorf("Taipei 101: %s", out)
			}
		}},
		{"Changhua township fallback as text", []string{"route", "--point", "205000,2650000", "--crs", "EPSG:3826"}, 0, func(t *testing.T, out, _ string) {
			if !strings.Contains(out, "rule township-fallback") && !strings.Contains(out, "rule parcel") && !strings.Contains(out, "rule private-land") {
				t.Errorf("output %q", out)
			}
		}},
		{"point is required", []string{"route"}, 2, func(t *testing.T, _, errs string) {
			if !strings.Contains(errs, "--point") {
				t.Errorf("stderr %q", errs)
			}
		}},
		{"bad CRS", []string{"route", "--point", "1,2", "--crs", "EPSG:9999"}, 2, func(t *testing.T, _, errs string) {
			if !strings.Contains(errs, "--crs") {
				t.Errorf("stderr %q", errs)
			}
		}},
		{"lon/lat out of range", []string{"route", "--point", "200,95", "--crs", "EPSG:4326"}, 2, func(t *testing.T, _, errs string) {
			if !strings.Contains(errs, "lon,lat") {
				t.Errorf("stderr %q", errs)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errs)
			}
			tc.check(t, out, errs)
		})
	}
}

// TestImportParcelsCommand imports the real industrial parks with TYPE as
// the manager field: the damaged record is reported and left out.
func TestImportParcelsCommand(t *testing.T) {
	parks := realdata.Path(t, "taiwan/industrial_parks_2021.shp")
	db := storetest.DatabaseURL(t)
	if code, _, errs := runCmd(t, "db", "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	code, out, errs := runCmd(t, "import", "parcels", "--db", db, "--manager-field", "TYPE", parks)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "imported 248 parcels") {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(errs, `row 73: field "TYPE"`) || !strings.Contains(errs, "1 features left out") {
		t.Errorf("stderr does not report the damaged record: %q", errs)
	}
	if code, _, errs := runCmd(t, "import", "parcels", "--db", db, parks); code != 2 || !strings.Contains(errs, "--manager-field") {
		t.Errorf("without --manager-field: exit %d, %q", code, errs)
	}
	if code, _, errs := runCmd(t, "import", "parcels", "--db", db, "--manager-field", "NOPE", parks); code != 1 || !strings.Contains(errs, `no field "NOPE"`) {
		t.Errorf("unknown field: exit %d, %q", code, errs)
	}
}
