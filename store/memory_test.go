package store_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/casetest"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/model"
)

// outcome is what a scenario observed through the Store interface.
type outcome struct {
	Ingest     [][2]int
	Errors     []string
	Dataset    *model.Dataset
	Reaches    int
	LoadedSRID int
}

// scenario drives a Store the way the CLI and the server will: import a
// network and a dataset, ingest readings with repeats, try bad data.
func scenario(t *testing.T, s store.Store) outcome {
	t.Helper()
	ctx := context.Background()
	var o outcome
	reaches, srid := readReaches(t, touqian)
	if err := s.ImportNetwork(ctx, touqian.name, reaches, srid, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportNetwork(ctx, touqian.name, reaches, srid, nil); err != nil {
		t.Fatal(err)
	}
	back, gotSRID, err := s.LoadReaches(ctx, touqian.name)
	if err != nil {
		t.Fatal(err)
	}
	for i := range reaches {
		if !store.SameReach(reaches[i], back[i]) {
			t.Fatalf("reach %d changed", i)
		}
	}
	o.Reaches, o.LoadedSRID = len(back), gotSRID
	net, err := hydro.Build(ctx, back, hydro.Options{KeepGeometry: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteLabels(ctx, touqian.name, net); err != nil {
		t.Fatal(err)
	}

	ds := realDataset(t)
	part := *ds
	part.SetReadings(ds.CurrentReadings()[:1000])
	if err := s.ImportDataset(ctx, &part, nil); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]model.Reading{ds.CurrentReadings()[500:1500], ds.CurrentReadings()[1000:2000], ds.CurrentReadings()[2000:2001]} {
		ins, dup, err := s.IngestReadings(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		o.Ingest = append(o.Ingest, [2]int{ins, dup})
	}
	// A stored reading sent again in mS/cm is a duplicate; with another
	// value it is a conflict, naming both, and nothing of its batch stays.
	for i := 1000; i < 2000; i++ {
		if r := ds.CurrentReadings()[i]; r.Unit == "µS/cm" && r.Value > 0 {
			micro := r
			micro.Value, micro.Unit = r.Value/1000, "mS/cm"
			ins, dup, err := s.IngestReadings(ctx, []model.Reading{micro})
			if err != nil {
				t.Fatal(err)
			}
			o.Ingest = append(o.Ingest, [2]int{ins, dup})
			other := r
			other.Value *= 2
			_, _, err = s.IngestReadings(ctx, []model.Reading{ds.CurrentReadings()[2001], other})
			var ce *model.ConflictError
			if !errors.As(err, &ce) || ce.First.Value != r.Value || ce.Second.Value != other.Value {
				t.Fatalf("conflict: %v", err)
			}
			o.Errors = append(o.Errors, err.Error())
			break
		}
	}
	bad := append([]model.Reading(nil), ds.CurrentReadings()[3000:3010]...)
	bad[4].Unit = "furlongs"
	_, _, err = s.IngestReadings(ctx, bad)
	o.Errors = append(o.Errors, err.Error())
	if err := s.ImportDataset(ctx, readingsOnly(bad), nil); err != nil {
		o.Errors = append(o.Errors, err.Error())
	}
	if _, _, err := s.LoadReaches(ctx, "nowhere"); !errors.Is(err, store.ErrUnknownNetwork) {
		t.Fatalf("unknown network: %v", err)
	}
	loaded, err := s.LoadDataset(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o.Dataset = plain(loaded)
	return o
}

// TestMemoryMatchesPostGIS runs one scenario against both implementations
// of Store and requires identical observations: the in-memory store is a
// faithful stand-in, and the PostGIS store does what the reference does.
func TestMemoryMatchesPostGIS(t *testing.T) {
	mem := scenario(t, store.NewMemory())
	pg := scenario(t, store.New(migrated(t, postgis.Options{})))
	if !reflect.DeepEqual(mem.Ingest, pg.Ingest) || len(mem.Ingest) != 4 || mem.Ingest[0] != [2]int{500, 500} || mem.Ingest[2] != [2]int{1, 0} || mem.Ingest[3] != [2]int{0, 1} {
		t.Fatalf("ingest counts: memory %v, PostGIS %v", mem.Ingest, pg.Ingest)
	}
	if !reflect.DeepEqual(mem.Errors, pg.Errors) || len(mem.Errors) != 3 {
		t.Fatalf("errors:\nmemory  %q\nPostGIS %q", mem.Errors, pg.Errors)
	}
	if mem.Reaches != pg.Reaches || mem.LoadedSRID != pg.LoadedSRID {
		t.Fatalf("networks: memory %d reaches SRID %d, PostGIS %d SRID %d", mem.Reaches, mem.LoadedSRID, pg.Reaches, pg.LoadedSRID)
	}
	assertSameDataset(t, mem.Dataset, pg.Dataset)
	if pg.Dataset.NumReadings() != 2001 {
		t.Fatalf("%d readings stored", pg.Dataset.NumReadings())
	}
}

// TestDocsShowTheSQL keeps docs/postgis.md honest: the upstream queries it
// shows are the ones the tests run against the engine.
func TestDocsShowTheSQL(t *testing.T) {
	b, err := os.ReadFile("../docs/postgis.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for name, q := range map[string]string{"UpstreamRangeSQL": store.UpstreamRangeSQL, "UpstreamSQL": store.UpstreamSQL} {
		if !strings.Contains(doc, q) {
			t.Errorf("docs/postgis.md does not show %s verbatim:\n%s", name, q)
		}
	}
}

// TestCaseRepositories runs the casework repository tests on both stores.
func TestCaseRepositories(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		casetest.Run(t, func(*testing.T) casework.Repository { return store.NewMemory() })
	})
	t.Run("postgis", func(t *testing.T) {
		casetest.Run(t, func(t *testing.T) casework.Repository { return store.New(migrated(t, postgis.Options{})) })
	})
}

// TestSampleRecordsRoundTrip ingests readings with and without their
// laboratory record into both stores and reads the records back intact.
func TestSampleRecordsRoundTrip(t *testing.T) {
	ds := realDataset(t)
	lab := model.Sample{ID: "S-0814-01", Method: "NIEA W306.56A", Lab: "中部環境檢驗室", Accreditation: "環境部認可", QA: model.QAValid}
	for name, s := range map[string]store.Store{"memory": store.NewMemory(), "postgis": store.New(migrated(t, postgis.Options{}))} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.ImportDataset(ctx, &model.Dataset{Stations: ds.Stations}, nil); err != nil {
				t.Fatal(err)
			}
			plainBatch := append([]model.Reading(nil), ds.CurrentReadings()[:3]...)
			withLab := append([]model.Reading(nil), ds.CurrentReadings()[3:5]...)
			withLab[0].Sample = lab
			for _, b := range [][]model.Reading{plainBatch, withLab} {
				if _, _, err := s.IngestReadings(ctx, b); err != nil {
					t.Fatal(err)
				}
			}
			bad := append([]model.Reading(nil), ds.CurrentReadings()[5:6]...)
			bad[0].Sample.QA = "ok"
			if _, _, err := s.IngestReadings(ctx, bad); err == nil || !strings.Contains(err.Error(), "qa_flag") {
				t.Errorf("QA flag %q accepted: %v", "ok", err)
			}
			back, err := s.LoadDataset(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if back.NumReadings() != 5 || back.Reading(3).Sample != lab || back.Reading(4).Sample != (model.Sample{}) || back.Reading(0).Sample != (model.Sample{}) {
				t.Errorf("readings back: %d, samples %+v %+v", back.NumReadings(), back.Reading(3).Sample, back.Reading(4).Sample)
			}
		})
	}
}

// TestImportCorrectedDataset imports a dataset that WithCorrections made
// (its corrected values held apart from the readings it shares) into both
// stores and loads it back: every reading must hold the corrected value of
// the test's own list, none the value before.
func TestImportCorrectedDataset(t *testing.T) {
	taipei := time.FixedZone("", 8*3600)
	stations := []model.Station{
		{ID: "S-A", Name: "上游站", Kind: model.Fixed, Point: model.Point{X: 212000, Y: 2670000}},
		{ID: "S-B", Name: "下游站", Kind: model.Fixed, Point: model.Point{X: 212500, Y: 2669000}},
	}
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, taipei)
	want := make([]model.Reading, 600)
	for i := range want {
		want[i] = model.Reading{Station: stations[i%2].ID, Time: start.Add(time.Duration(i) * time.Hour),
			Parameter: "NH3-N", Value: float64(i%30) / 10, Unit: "mg/L"}
	}
	orig := &model.Dataset{Stations: stations}
	orig.SetReadings(slices.Clone(want))
	if err := orig.Index(); err != nil {
		t.Fatal(err)
	}
	at := []int{0, 255, 256, 599} // three chunks of corrected copies
	fresh := make([]model.Reading, len(at))
	for k, i := range at {
		want[i].Value = 50 + float64(i) // no reading held has such a value
		fresh[k] = want[i]
	}
	corrected, err := orig.WithCorrections(at, fresh)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]store.Store{"memory": store.NewMemory(), "postgis": store.New(migrated(t, postgis.Options{}))} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.ImportDataset(ctx, corrected, nil); err != nil {
				t.Fatal(err)
			}
			back, err := s.LoadDataset(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := back.CurrentReadings()
			if len(got) != len(want) {
				t.Fatalf("%d readings loaded, want %d", len(got), len(want))
			}
			for i := range want {
				if model.KeyOf(&got[i]) != model.KeyOf(&want[i]) || got[i].Value != want[i].Value {
					t.Fatalf("reading %d loaded as %s %v, want %s %v", i, got[i].Station, got[i].Value, want[i].Station, want[i].Value)
				}
			}
		})
	}
}
