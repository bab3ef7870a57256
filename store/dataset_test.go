package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/model"
)

func TestDatasetRoundTrip(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	ds := realDataset(t)
	var last [2]int
	calls := 0
	err := store.ImportDataset(ctx, pool, ds, func(d, n int) {
		if d < last[0] || (calls > 0 && n != last[1]) {
			t.Errorf("progress went from %v to %d/%d", last, d, n)
		}
		last = [2]int{d, n}
		calls++
	})
	if err != nil {
		t.Fatal(err)
	}
	total := len(ds.Facilities) + len(ds.Outfalls) + len(ds.Permits) + len(ds.Limits) + len(ds.Reports) + len(ds.Stations) + ds.NumReadings()
	if last != [2]int{total, total} || calls < 10 {
		t.Fatalf("progress ended at %v after %d calls, want %d/%d", last, calls, total, total)
	}
	t.Logf("imported %d facilities, %d outfalls, %d permits, %d limits, %d reports, %d stations, %d readings",
		len(ds.Facilities), len(ds.Outfalls), len(ds.Permits), len(ds.Limits), len(ds.Reports), len(ds.Stations), ds.NumReadings())

	back, err := store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	want, got := canonical(ds), plain(back)
	assertSameDataset(t, want, got)

	// Offsets survive: 09:00 Taiwan time, not 01:00 UTC.
	if r := back.Reading(0); r.Time.Hour() != 9 {
		t.Fatalf("reading time came back as %v", r.Time)
	}

	before := takeSnapshot(t, pool)
	if err := store.ImportDataset(ctx, pool, ds, nil); err != nil {
		t.Fatal(err)
	}
	if after := takeSnapshot(t, pool); !equalSnapshots(before, after) {
		for k := range before {
			if before[k] != after[k] {
				t.Errorf("re-import changed %s: %v → %v", k, before[k], after[k])
			}
		}
		t.FailNow()
	}

	// A correction updates that record in place; order is kept.
	fixed := &model.Dataset{Stations: ds.Stations[:1]}
	fixed.Stations = append([]model.Station(nil), fixed.Stations...)
	fixed.Stations[0].Note = "moved upstream of the weir"
	if err := store.ImportDataset(ctx, pool, fixed, nil); err != nil {
		t.Fatal(err)
	}
	back, err = store.LoadDataset(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if back.Stations[0].Note != "moved upstream of the weir" || len(back.Stations) != len(ds.Stations) || back.NumReadings() != ds.NumReadings() {
		t.Fatalf("after a correction: %d stations, first %+v", len(back.Stations), back.Stations[0])
	}
}

// assertSameDataset compares two datasets record by record: each exported
// kind, and the readings through CurrentReadings.
func assertSameDataset(t *testing.T, want, got *model.Dataset) {
	t.Helper()
	a, b := want.CurrentReadings(), got.CurrentReadings()
	if len(a) != len(b) {
		t.Fatalf("Readings: %d stored, %d loaded", len(a), len(b))
	}
	for k := range a {
		if !reflect.DeepEqual(a[k], b[k]) {
			t.Fatalf("Readings[%d]:\nimported %+v\nloaded   %+v", k, a[k], b[k])
		}
	}
	v, g := reflect.ValueOf(*want), reflect.ValueOf(*got)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		a, b := v.Field(i), g.Field(i)
		if a.Kind() != reflect.Slice {
			continue
		}
		if a.Len() != b.Len() {
			t.Fatalf("%s: %d stored, %d loaded", f.Name, a.Len(), b.Len())
		}
		for k := 0; k < a.Len(); k++ {
			if !reflect.DeepEqual(a.Index(k).Interface(), b.Index(k).Interface()) {
				t.Fatalf("%s[%d]:\nimported %+v\nloaded   %+v", f.Name, k, a.Index(k).Interface(), b.Index(k).Interface())
			}
		}
	}
}

// TestBadRowRejected: one reading in furlongs rejects the import, naming the
// file, the record and the unit, and nothing of the file is written.
func TestBadRowRejected(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	ds := realDataset(t)
	stationsOnly := &model.Dataset{Stations: ds.Stations}
	if err := store.ImportDataset(ctx, pool, stationsOnly, nil); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, pool)

	badRs := slices.Clone(ds.CurrentReadings()[:5000])
	badRs[1234].Unit = "furlongs"
	bad := readingsOnly(badRs)
	err := store.ImportDataset(ctx, pool, bad, nil)
	var inv *store.InvalidError
	var fe *model.FieldError
	if !errors.As(err, &inv) || !errors.As(err, &fe) || !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("import with a reading in furlongs = %v", err)
	}
	if fe.File != model.FileReadings || fe.Record != 1234 || fe.Column != "unit" || fe.Value != "furlongs" {
		t.Fatalf("error does not locate the bad row: %+v", fe)
	}
	if !strings.Contains(err.Error(), "readings.csv record 1234") || !strings.Contains(err.Error(), "furlongs") {
		t.Fatalf("message: %v", err)
	}
	t.Log(err)
	if after := takeSnapshot(t, pool); !equalSnapshots(before, after) {
		t.Fatal("a rejected import wrote something")
	}

	// Readings naming a station neither in the dataset nor in the store.
	orphanRs := slices.Clone(ds.CurrentReadings()[:10])
	orphanRs[3].Station = "no such station"
	orphan := readingsOnly(orphanRs)
	err = store.ImportDataset(ctx, pool, orphan, nil)
	if !errors.As(err, &fe) || fe.Record != 3 || fe.Column != "station_id" {
		t.Fatalf("orphan reading: %v", err)
	}
	// Two values for one station, instant and parameter.
	dupRs := slices.Clone(ds.CurrentReadings()[:10])
	dupRs[7] = dupRs[2]
	dupRs[7].Value++
	dup := readingsOnly(dupRs)
	err = store.ImportDataset(ctx, pool, dup, nil)
	if !errors.As(err, &fe) || fe.Record != 7 || !strings.Contains(err.Error(), "record 2") {
		t.Fatalf("duplicate reading: %v", err)
	}
	if after := takeSnapshot(t, pool); !equalSnapshots(before, after) {
		t.Fatal("a rejected import wrote something")
	}
	// The same readings without the bad row import, resolving their
	// stations in the store.
	good := readingsOnly(ds.CurrentReadings()[:5000])
	if err := store.ImportDataset(ctx, pool, good, nil); err != nil {
		t.Fatal(err)
	}
	n, _, _ := tableChecksum(t, pool, "readings", "seq")
	if n != 5000 {
		t.Fatalf("%d readings stored", n)
	}
}

func TestIngestReadings(t *testing.T) {
	pool := migrated(t, postgis.Options{})
	ctx := context.Background()
	ds := realDataset(t)
	if err := store.ImportDataset(ctx, pool, &model.Dataset{Stations: ds.Stations}, nil); err != nil {
		t.Fatal(err)
	}
	batch := ds.CurrentReadings()[:3000]
	ins, dup, err := store.IngestReadings(ctx, pool, batch)
	if err != nil || ins != 3000 || dup != 0 {
		t.Fatalf("first ingest: %d inserted, %d duplicates, %v", ins, dup, err)
	}
	before := takeSnapshot(t, pool)
	ins, dup, err = store.IngestReadings(ctx, pool, batch)
	if err != nil || ins != 0 || dup != 3000 {
		t.Fatalf("second ingest: %d inserted, %d duplicates, %v", ins, dup, err)
	}
	if after := takeSnapshot(t, pool); !equalSnapshots(before, after) {
		t.Fatal("re-sent readings changed the store")
	}
	// Overlapping batch with an alias spelling and a repeat inside the call:
	// the alias keys the same row, the repeat counts as a duplicate.
	more := append([]model.Reading(nil), ds.CurrentReadings()[2990:3010]...)
	for i := range 10 {
		if more[i].Parameter == "COND" {
			more[i].Parameter = "conductivity" // an alias; this reading is stored already
			break
		}
	}
	more = append(more, more[len(more)-1])
	ins, dup, err = store.IngestReadings(ctx, pool, more)
	if err != nil || ins != 10 || dup != 11 {
		t.Fatalf("overlapping ingest: %d inserted, %d duplicates, %v", ins, dup, err)
	}

	// All or nothing: one bad unit rejects the call.
	bad := append([]model.Reading(nil), ds.CurrentReadings()[5000:5100]...)
	bad[42].Unit = "furlongs"
	_, _, err = store.IngestReadings(ctx, pool, bad)
	var fe *model.FieldError
	if !errors.As(err, &fe) || fe.Record != 42 || fe.Value != "furlongs" {
		t.Fatalf("bad unit: %v", err)
	}
	bad[42].Unit = ds.CurrentReadings()[5042].Unit
	bad[50].Station = "ghost"
	if _, _, err = store.IngestReadings(ctx, pool, bad); !errors.As(err, &fe) || fe.Record != 50 || fe.Column != "station_id" {
		t.Fatalf("unknown station: %v", err)
	}
	bad[50].Station = ds.CurrentReadings()[5050].Station
	bad[60].Time = bad[60].Time.Add(time.Nanosecond)
	if _, _, err = store.IngestReadings(ctx, pool, bad); !errors.As(err, &fe) || fe.Record != 60 || fe.Column != "time" {
		t.Fatalf("nanosecond time: %v", err)
	}
	n, _, _ := tableChecksum(t, pool, "readings", "seq")
	if n != 3010 {
		t.Fatalf("%d readings stored after rejected calls, want 3010", n)
	}
}
