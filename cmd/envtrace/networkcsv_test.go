package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/wkt"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/layer"
)

// TestDataDirNetworkCSV replaces the fixture's network.geojson by the same
// network as network.csv (its columns and an EWKT geometry column) and
// traces the README's example in both directories: the data directory
// reads network.csv like the other network formats, and the answer, data
// version included, is the same.
func TestDataDirNetworkCSV(t *testing.T) {
	dir := t.TempDir()
	geo, withCSV := filepath.Join(dir, "geojson"), filepath.Join(dir, "csv")
	for _, d := range []string{geo, withCSV} {
		if err := fixtures.WriteCentral(d); err != nil {
			t.Fatal(err)
		}
	}
	l, err := layer.Read(filepath.Join(withCSV, "network.geojson"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(withCSV, "network.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.Write(append(append([]string{}, l.Fields...), "wkt")); err != nil {
		t.Fatal(err)
	}
	for _, ft := range l.Features {
		var rec []string
		for _, name := range l.Fields {
			s, _ := ft.String(name)
			rec = append(rec, s)
		}
		rec = append(rec, "SRID=3826;"+wkt.MarshalString(ft.Geometry))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	if err := os.Remove(filepath.Join(withCSV, "network.geojson")); err != nil {
		t.Fatal(err)
	}
	args := []string{"trace", "--station", "WQ-C1-01", "--parameter", "Cu", "--value", "1.815", "--unit", "mg/L",
		"--time", "2026-08-14T04:00:00+08:00", "--json", "--data"}
	code, fromGeoJSON, errs := runCmd(t, append(args, geo)...)
	if code != 0 {
		t.Fatalf("network.geojson: exit %d: %s", code, errs)
	}
	code, fromCSV, errs := runCmd(t, append(args, withCSV)...)
	if code != 0 {
		t.Fatalf("network.csv: exit %d: %s", code, errs)
	}
	if !strings.Contains(fromCSV, `"verdict": "explained"`) && !strings.Contains(fromCSV, `"verdict":"explained"`) {
		t.Fatalf("network.csv trace does not explain the README example:\n%s", fromCSV)
	}
	if fromCSV != fromGeoJSON {
		t.Errorf("network.csv and network.geojson give different traces:\n%s\n---\n%s", fromCSV, fromGeoJSON)
	}
}
