package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/internal/config"
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

// TestRouteTwins checks that `envtrace route --json` and GET
// /api/v1/dumping/route give the same JSON for the same points, wired the
// way serve wires them.
func TestRouteTwins(t *testing.T) {
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: io.Discard, stderr: io.Discard, cfg: config.Default(), lookup: func(string) (string, bool) { return "", false }}
	land, err := dumping.ReadLand(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	repo := dumping.NewMemory()
	area, err := e.dumpingArea(ctx, land, repo, repo.Outbox, true)
	if err != nil {
		t.Fatal(err)
	}
	b, cleanup, err := e.dataBasin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	mb, err := newMemoryBackend(b, true)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, &dumpingBackend{MemoryBackend: mb, area: area})
	if err != nil {
		t.Fatal(err)
	}
	points := []string{"120.5654,24.0330", "120.60,24.10", "120.45,23.98", "121.5654,25.033"}
	for _, pc := range land.Parcels[:400] { // berm land and a few blocks: inside parcels
		if ll, err := crs.Transform(crs.TWD97TM2, crs.WGS84, pc.Geometry.Bound().Center()); err == nil && len(points) < 12 {
			points = append(points, strconv.FormatFloat(ll[0], 'f', 7, 64)+","+strconv.FormatFloat(ll[1], 'f', 7, 64))
		}
	}
	parcels := 0
	for _, p := range points {
		code, cli, errs := runCmd(t, "route", "--point", p, "--json")
		if code != 0 {
			t.Fatalf("route %s: %s", p, errs)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/dumping/route?point="+p, nil))
		var a, b map[string]any
		if err := json.Unmarshal([]byte(cli), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		delete(a, "owner") // a private owner's name is for agencies, not the public caller
		if !reflect.DeepEqual(a, b) {
			t.Errorf("point %s:\nCLI  %v\nREST %v", p, a, b)
		}
		if a["parcel_id"] != "" {
			parcels++
		}
	}
	if parcels < 4 {
		t.Errorf("only %d of the points fell on parcels", parcels)
	}
}
