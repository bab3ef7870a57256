package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/store/storetest"
)

// TestDatabaseCommands migrates a fresh PostGIS database, imports the
// fixture twice (the second import changes nothing), ingests a readings
// file twice (stored once), and checks that serve refuses to start when a
// required index is missing, naming it.
func TestDatabaseCommands(t *testing.T) {
	url := storetest.DatabaseURL(t)
	dir := filepath.Join(t.TempDir(), "central")
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCmd(t, "import", "--db", url, "--data", dir); code != 1 || !strings.Contains(errs, "migrate") {
		t.Fatalf("import before migrate: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := runCmd(t, "db", "migrate", "--db", url); code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: exit %d %s %s", code, out, errs)
	}
	for i := 0; i < 2; i++ {
		code, out, errs := runCmd(t, "import", "--db", url, "--data", dir)
		if code != 0 || !strings.Contains(out, `imported network "network": 303 reaches`) || !strings.Contains(out, "18 stations") {
			t.Fatalf("import %d: exit %d\n%s\n%s", i, code, out, errs)
		}
		// The odour and monitor files (migration 0010): new the first
		// time, all held the second; without a contact key the contacts
		// are left out with a warning.
		want := "0 new wind hours, 0 new monitor readings, 0 new petitions"
		if i == 0 {
			want = "1 new monitors"
		}
		if !strings.Contains(out, want) || !strings.Contains(errs, "contacts not stored") {
			t.Fatalf("import %d: the odour and air data: %s\n%s", i, out, errs)
		}
	}
	// Ingest, file by file in order: a batch sent again is all
	// duplicates; the same readings in µg/L are the same readings; another
	// value is a conflict naming both, and nothing of its file is stored.
	const head = "station_id,time,parameter,value,unit\n"
	for _, step := range []struct {
		name, rows string
		code       int
		want       string // in stdout when code is 0, else in stderr
	}{
		{"ingest", "WQ-M06,2026-10-01T08:00:00+08:00,NH3-N,0.31,mg/L\nWQ-M06,2026-10-01T09:00:00+08:00,NH3-N,0.29,mg/L\n", 0, "2 new readings, 0 already stored"},
		{"ingest again", "WQ-M06,2026-10-01T08:00:00+08:00,NH3-N,0.31,mg/L\nWQ-M06,2026-10-01T09:00:00+08:00,NH3-N,0.29,mg/L\n", 0, "0 new readings, 2 already stored"},
		{"ingest in µg/L", "WQ-M06,2026-10-01T00:00:00Z,NH3-N,310,µg/L\n", 0, "0 new readings, 1 already stored"},
		{"conflict", "WQ-M06,2026-10-02T08:00:00+08:00,NH3-N,0.2,mg/L\nWQ-M06,2026-10-01T09:00:00+08:00,NH3-N,0.9,mg/L\n", 1, "0.9 mg/L conflicts with 0.29 mg/L"},
		{"the conflicting file stored none of itself", "WQ-M06,2026-10-02T08:00:00+08:00,NH3-N,0.2,mg/L\n", 0, "1 new readings, 0 already stored"},
		{"bad unit", "WQ-M06,2026-10-01T08:00:00+08:00,NH3-N,0.31,furlongs\n", 1, "furlongs"},
	} {
		file := filepath.Join(t.TempDir(), "readings.csv")
		if err := os.WriteFile(file, []byte(head+step.rows), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCmd(t, "ingest", "--db", url, "--readings", file)
		got := out
		if step.code != 0 {
			got = errs
		}
		if code != step.code || !strings.Contains(got, step.want) {
			t.Fatalf("%s: exit %d, want %d with %q\n%s\n%s", step.name, code, step.code, step.want, out, errs)
		}
	}

	// Fail fast: drop the upstream-interval index, serve refuses to start.
	pool, err := postgis.Open(context.Background(), url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(context.Background(), "drop index reaches_network_idx_lo"); err != nil {
		t.Fatal(err)
	}
	pool.Close()
	code, _, errs := runCmd(t, "serve", "--db", url, "--insecure-demo", "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, "reaches_network_idx_lo") {
		t.Fatalf("serve without its index: exit %d %s", code, errs)
	}
}

// TestImportRealNetworks loads the NHDPlus GeoPackages and the Touqian
// GeoJSON into PostGIS as they are, then imports them again unchanged.
func TestImportRealNetworks(t *testing.T) {
	url := storetest.DatabaseURL(t)
	if code, _, errs := runCmd(t, "db", "migrate", "--db", url); code != 0 {
		t.Fatal(errs)
	}
	tests := []struct {
		file    string
		reaches string
	}{
		{"nhdplus/sample_natseamless.gpkg", "267 reaches (nhdplus"},
		{"nhdplus/new_hope.gpkg", "746 reaches (nhdplus"},
		{"nhdplus/petapsco_flowlines.gpkg", "707 reaches (nhdplus"},
		{"nhdplus/walker.gpkg", "62 reaches (nhdplus"},
		{"taiwan/touqian_streams_order6.epsg3826.geojson", "2034 reaches (fromnode/tonode"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := realdata.Path(t, tc.file)
			for i := 0; i < 2; i++ {
				code, out, errs := runCmd(t, "import", "--db", url, "--network", path)
				if code != 0 || !strings.Contains(out, tc.reaches) {
					t.Fatalf("import %d: exit %d\n%s\n%s", i, code, out, errs)
				}
			}
		})
	}
}
