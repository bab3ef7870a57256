package model

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWithReadings appends batches incrementally and checks every
// station's readings against a dataset indexed from scratch with the same
// readings, while the dataset before the append stays as it was.
func TestWithReadings(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]Reading
	}{
		{"one reading at a known station", [][]Reading{{
			{Station: "1001", Time: time.Date(2024, 6, 1, 9, 30, 0, 0, taipei), Parameter: "Cu", Value: 7, Unit: "µg/L"},
		}}},
		{"a station without readings gets its first", [][]Reading{{
			{Station: "C01", Time: time.Date(2024, 6, 1, 1, 0, 0, 0, time.UTC), Parameter: "TEMP", Value: 21, Unit: "°C"},
		}}},
		{"three batches, two stations", [][]Reading{
			{{Station: "1001", Time: time.Date(2024, 6, 1, 9, 30, 0, 0, taipei), Parameter: "NH3-N", Value: 1.1, Unit: "mg/L"}},
			{{Station: "C01", Time: time.Date(2024, 6, 2, 1, 0, 0, 0, time.UTC), Parameter: "TEMP", Value: 20, Unit: "°C"},
				{Station: "1001", Time: time.Date(2024, 6, 2, 9, 30, 0, 0, taipei), Parameter: "NH3-N", Value: 900, Unit: "µg/L"}},
			{{Station: "1001", Time: time.Date(2024, 6, 3, 9, 30, 0, 0, taipei), Parameter: "NH3-N", Value: 1.3, Unit: "mg/L"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := sample(t)
			if err := base.Index(); err != nil {
				t.Fatal(err)
			}
			before := slices.Clone(base.readings)
			beforeAt := len(base.ReadingsAt("1001"))
			want := sample(t)
			cur := base
			for _, b := range tc.batches {
				next, err := cur.WithReadings(b)
				if err != nil {
					t.Fatal(err)
				}
				cur = next
				want.readings = append(want.readings, b...)
			}
			if err := want.Index(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cur.readings, want.readings) {
				t.Errorf("readings differ from a full index:\n got %v\nwant %v", cur.readings, want.readings)
			}
			for _, st := range want.Stations {
				got, exp := cur.ReadingsAt(st.ID), want.ReadingsAt(st.ID)
				if len(got) != len(exp) {
					t.Fatalf("station %s: %d readings, a full index has %d", st.ID, len(got), len(exp))
				}
				for i := range got {
					if *got[i] != *exp[i] {
						t.Errorf("station %s reading %d: %+v, a full index has %+v", st.ID, i, *got[i], *exp[i])
					}
				}
			}
			if !slices.Equal(base.readings, before) || len(base.ReadingsAt("1001")) != beforeAt {
				t.Error("the dataset before the append changed")
			}
		})
	}
}

// TestWithReadingsRefuses names each bad reading by its index in the
// batch and leaves the dataset unchanged.
func TestWithReadingsRefuses(t *testing.T) {
	base := sample(t)
	if err := base.Index(); err != nil {
		t.Fatal(err)
	}
	n := len(base.readings)
	_, err := base.WithReadings([]Reading{
		{Station: "1001", Time: time.Date(2024, 6, 1, 9, 30, 0, 0, taipei), Parameter: "Cu", Value: 7, Unit: "µg/L"},
		{Station: "NOPE", Time: time.Date(2024, 6, 1, 9, 30, 0, 0, taipei), Parameter: "Cu", Value: 7, Unit: "µg/L"},
		{Station: "1001", Time: time.Date(2024, 6, 1, 9, 30, 0, 0, taipei), Parameter: "NH3-N", Value: 1, Unit: "furlongs"},
	})
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("want field errors, got %v", err)
	}
	for _, want := range []string{"record 1", "NOPE", "record 2", "furlongs"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "record 0") {
		t.Errorf("the good reading is blamed: %v", err)
	}
	if len(base.readings) != n || len(base.ReadingsAt("1001")) != 2 {
		t.Error("a refused batch changed the dataset")
	}
}

// BenchmarkWithReadings appends a batch of 100 readings to a dataset of
// 200,000 against the baseline of the same run: copying the readings and
// indexing the whole dataset again, which is what every ingest into a
// memory backend did before.
func BenchmarkWithReadings(b *testing.B) {
	const stored, batch = 200_000, 100
	base := sample(b)
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range stored {
		st := []string{"1001", "C01"}[i%2]
		base.readings = append(base.readings, Reading{Station: st, Time: t0.Add(time.Duration(i) * time.Hour), Parameter: "NH3-N", Value: 1, Unit: "mg/L"})
	}
	if err := base.Index(); err != nil {
		b.Fatal(err)
	}
	fresh := make([]Reading, batch)
	for i := range fresh {
		fresh[i] = Reading{Station: "1001", Time: t0.Add(time.Duration(stored+i) * time.Hour), Parameter: "NH3-N", Value: 2, Unit: "mg/L"}
	}
	const reps = 5
	start := time.Now()
	for range reps {
		next := *base
		next.readings = slices.Concat(base.readings, fresh)
		if err := next.Index(); err != nil {
			b.Fatal(err)
		}
	}
	full := time.Since(start) / reps
	var n int
	for b.Loop() {
		next, err := base.WithReadings(fresh)
		if err != nil {
			b.Fatal(err)
		}
		n = len(next.readings)
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(n), "readings")
	b.ReportMetric(float64(full)/float64(per), "x_faster_than_full_index")
}
