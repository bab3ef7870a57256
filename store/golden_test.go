package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/suspect"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenCase is one navigation or trace whose answer is fixed in a file.
type goldenCase struct {
	name string
	run  func(b *basin.Basin) (any, error)
}

func goldenCases(t *testing.T) []goldenCase {
	scenarios, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, sc := range scenarios {
		cases = append(cases, goldenCase{name: "trace-" + sc.ID, run: func(b *basin.Basin) (any, error) {
			return suspect.New(b, suspect.Options{}).Trace(context.Background(), suspect.Request{
				Station: sc.Station, Parameter: sc.Parameter, Value: sc.Value, Unit: sc.Unit, Time: sc.Time,
			})
		}})
	}
	for _, nv := range []struct {
		mode  hydro.Mode
		start string
		km    float64
	}{{hydro.UT, "R040", 0}, {hydro.UT, "C1-07", 0}, {hydro.UM, "R030", 10}, {hydro.DM, "T2-01", 0}, {hydro.DD, "R010", 25}} {
		cases = append(cases, goldenCase{name: fmt.Sprintf("navigate-%s-%s", nv.mode, nv.start), run: func(b *basin.Basin) (any, error) {
			i, ok := b.Net.Index(nv.start)
			if !ok {
				return nil, fmt.Errorf("no reach %s", nv.start)
			}
			hits, err := b.Net.NavigateAll(context.Background(), hydro.Query{Mode: nv.mode, Start: i, DistanceKm: nv.km, HasDistance: nv.km > 0})
			if err != nil {
				return nil, err
			}
			type row struct {
				ID         string  `json:"id"`
				DistanceKm float64 `json:"distance_km"`
				Hours      float64 `json:"travel_hours"`
			}
			out := make([]row, len(hits))
			for k, h := range hits {
				out[k] = row{b.Net.ID(h.Reach), round6(h.DistanceKm), round6(h.TravelHours)}
			}
			sort.Slice(out, func(a, c int) bool { return out[a].ID < out[c].ID })
			return out, nil
		}})
	}
	return cases
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// TestGoldenBothBackends runs every golden case on the fixture loaded from
// its data directory (memory) and on the same fixture imported into
// PostGIS and built back from the stored geometries and records. Both must
// equal the golden file; `go test ./store -update` rewrites it from memory.
func TestGoldenBothBackends(t *testing.T) {
	ctx := context.Background()
	mem, err := fixtures.LoadCentral(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	pool := migrated(t, postgis.Options{})
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	l, err := layer.Read(filepath.Join(dir, "network.geojson"), layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reaches, src, err := hydro.FromLayer(l, hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.ImportNetwork(ctx, pool, "central", reaches, src.SRID, nil); err != nil {
		t.Fatal(err)
	}
	if err := store.ImportDataset(ctx, pool, mem.DS, nil); err != nil {
		t.Fatal(err)
	}
	net, err := store.BuildNetwork(ctx, pool, "central", hydro.Options{KeepGeometry: true})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := basin.New(net, ds, 0)
	if err != nil {
		t.Fatal(err)
	}

	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			path := filepath.Join("testdata", "golden", gc.name+".json")
			got := map[string][]byte{}
			for name, b := range map[string]*basin.Basin{"memory": mem, "postgis": pg} {
				v, err := gc.run(b)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				js, err := json.MarshalIndent(v, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got[name] = append(js, '\n')
			}
			if *update {
				if err := os.WriteFile(path, got["memory"], 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./store -update)", err)
			}
			for name, js := range got {
				if !bytes.Equal(js, want) {
					t.Errorf("%s backend differs from %s:\n%s", name, path, firstDiff(js, want))
				}
			}
		})
	}
}

func firstDiff(a, b []byte) string {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(al) && i < len(bl); i++ {
		if !bytes.Equal(al[i], bl[i]) {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}
