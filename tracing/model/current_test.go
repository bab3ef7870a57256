package model_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// TestCorrectedReadsOnlyCurrent corrects readings in three chunks of a
// dataset (the first reading, the last of a chunk, the first of the next,
// the last reading, one of them twice) and reads the result back through
// every way the package offers from outside it: each reading, the count,
// the whole list, each station's readings and their indexes, the digest,
// the Datasets made from it by WithRecords, WithReadings and
// AppendReadings, and the data directory WriteDir writes (read with
// ReadDir and ReadReadings). Each must give the corrected values of the
// test's own plain list; the dataset the corrections were made on keeps
// the old ones.
func TestCorrectedReadsOnlyCurrent(t *testing.T) {
	taipei := time.FixedZone("CST", 8*3600)
	stations := []model.Station{
		{ID: "1001", Name: "大度橋", Kind: model.Fixed, Point: model.FromLonLat(120.55, 24.07), River: "烏溪"},
		{ID: "C01", Name: "自動站", Kind: model.Continuous, Point: model.Point{X: 212000, Y: 2670000}},
	}
	const n = 700 // three chunks of corrections, the last partial
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, taipei)
	old := make([]model.Reading, n)
	for i := range old {
		old[i] = model.Reading{Station: stations[i%2].ID, Time: start.Add(time.Duration(i) * time.Hour),
			Parameter: "NH3-N", Value: float64(i%40) / 10, Unit: "mg/L"}
	}
	orig := &model.Dataset{Stations: stations}
	orig.SetReadings(slices.Clone(old))
	if err := orig.Index(); err != nil {
		t.Fatal(err)
	}

	want := slices.Clone(old)
	correct := func(ds *model.Dataset, at ...int) *model.Dataset {
		t.Helper()
		fresh := make([]model.Reading, len(at))
		for k, i := range at {
			want[i].Value = 10 + float64(i)/8 // no reading held has such a value
			fresh[k] = want[i]
		}
		next, err := ds.WithCorrections(at, fresh)
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	cur := correct(correct(orig, 0, 255, 256), 256, n-1)

	check := func(name string, ds *model.Dataset, want []model.Reading) {
		t.Helper()
		if ds.NumReadings() != len(want) {
			t.Fatalf("%s: NumReadings %d, want %d", name, ds.NumReadings(), len(want))
		}
		for i := range want {
			if !same(ds.Reading(i), &want[i]) {
				t.Fatalf("%s: Reading(%d) = %+v, want %+v", name, i, *ds.Reading(i), want[i])
			}
		}
		all := ds.CurrentReadings()
		for i := range want {
			if !same(&all[i], &want[i]) {
				t.Fatalf("%s: CurrentReadings()[%d] = %+v, want %+v", name, i, all[i], want[i])
			}
		}
		for _, s := range stations {
			var own []model.Reading
			for _, r := range want {
				if r.Station == s.ID {
					own = append(own, r)
				}
			}
			at, idx := ds.ReadingsAt(s.ID), ds.ReadingIndexesAt(s.ID)
			if len(at) != len(own) || len(idx) != len(own) {
				t.Fatalf("%s: station %s: ReadingsAt %d, ReadingIndexesAt %d, want %d", name, s.ID, len(at), len(idx), len(own))
			}
			for k := range own {
				if !same(at[k], &own[k]) || !same(ds.Reading(idx[k]), &own[k]) {
					t.Fatalf("%s: station %s, reading %d: ReadingsAt %+v, by index %+v, want %+v", name, s.ID, k, *at[k], *ds.Reading(idx[k]), own[k])
				}
			}
		}
	}

	check("corrected", cur, want)
	check("the dataset corrected", orig, old)

	scratch := &model.Dataset{Stations: stations}
	scratch.SetReadings(slices.Clone(want))
	if err := scratch.Index(); err != nil {
		t.Fatal(err)
	}
	if got, exp := cur.Digest(), scratch.Digest(); got != exp {
		t.Errorf("digest %s, want %s, the digest of the corrected values in a plain list", got, exp)
	}
	if cur.Digest() == orig.Digest() {
		t.Error("the corrected dataset has the digest of the one before the corrections")
	}

	renamed := stations[1]
	renamed.Name = "自動站（新址）"
	recs, err := cur.WithRecords(&model.Dataset{Stations: []model.Station{renamed}})
	if err != nil {
		t.Fatal(err)
	}
	check("WithRecords", recs, want)

	more := model.Reading{Station: "1001", Time: start.Add(n * time.Hour), Parameter: "NH3-N", Value: 0.4, Unit: "mg/L"}
	grown, err := cur.WithReadings([]model.Reading{more})
	if err != nil {
		t.Fatal(err)
	}
	check("WithReadings", grown, append(slices.Clone(want), more))

	built := *cur
	built.AppendReadings(more)
	check("AppendReadings", &built, append(slices.Clone(want), more))
	check("corrected, after AppendReadings on a copy", cur, want)

	dir := filepath.Join(t.TempDir(), "data")
	if err := model.WriteDir(dir, cur); err != nil {
		t.Fatal(err)
	}
	check("corrected, after WriteDir", cur, want)
	check("the dataset corrected, after WriteDir", orig, old)
	back, err := model.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	check("ReadDir", back, want)
	file, err := model.ReadReadings(filepath.Join(dir, model.FileReadings))
	if err != nil {
		t.Fatal(err)
	}
	if len(file) != len(want) {
		t.Fatalf("%s holds %d readings, want %d", model.FileReadings, len(file), len(want))
	}
	for i := range want {
		if !same(&file[i], &want[i]) {
			t.Fatalf("%s row %d: %+v, want %+v", model.FileReadings, i, file[i], want[i])
		}
	}
}

// same reports whether two readings are one measurement with one value:
// the same key, value, unit and censoring.
func same(a, b *model.Reading) bool {
	return model.KeyOf(a) == model.KeyOf(b) && a.Value == b.Value && a.Unit == b.Unit && a.Censored == b.Censored
}
