package model

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/dmr"
)

// TestWithRecords merges changed records into an indexed dataset: a
// changed one replaces its key in place, a new one is appended, limits
// come out in their canonical unit, the readings are shared, and a record
// that breaks a rule is refused whole with d as it was.
func TestWithRecords(t *testing.T) {
	d := sample(t)
	if err := d.Index(); err != nil {
		t.Fatal(err)
	}
	facilities, limits := slices.Clone(d.Facilities), slices.Clone(d.Limits)
	renamed := d.Facilities[1]
	renamed.Name = "Plating, Ltd."
	added := Facility{EmsNo: "N1", Name: "new plant"}
	out := Outfall{Facility: "N1", ID: "D01", Point: d.Outfalls[1].Point}
	pm := d.Permits[1]
	pm.PerNo, pm.Facility = "P-N1", "N1"
	lim := PermitLimit{Permit: "P-N1", Outfall: "D01", Limit: dmr.Limit{Parameter: "Cu", Value: 1500, Unit: "µg/L", StatBase: dmr.SingleSample}}
	next, err := d.WithRecords(&Dataset{Facilities: []Facility{added, renamed}, Outfalls: []Outfall{out}, Permits: []Permit{pm}, Limits: []PermitLimit{lim}})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Facilities) != len(facilities)+1 || next.Facilities[1].Name != renamed.Name || next.Facilities[len(facilities)].EmsNo != "N1" {
		t.Errorf("facilities %+v: want the second renamed in place and N1 appended", next.Facilities)
	}
	if got := next.LimitsOf("P-N1"); len(got) != 1 || got[0].Value != 1.5 || got[0].Unit != "mg/L" {
		t.Errorf("the new permit's limits are %+v, want Cu 1.5 mg/L", got)
	}
	if os := next.OutfallsOf("N1"); len(os) != 1 || os[0].ID != "D01" {
		t.Errorf("N1's outfalls are %+v", os)
	}
	if len(next.readings) != len(d.readings) || len(next.ReadingsAt("1001")) != len(d.ReadingsAt("1001")) {
		t.Error("the readings changed")
	}
	if !reflect.DeepEqual(d.Facilities, facilities) || !reflect.DeepEqual(d.Limits, limits) {
		t.Error("WithRecords changed the dataset it was called on")
	}
	if _, ok := d.Facility("N1"); ok {
		t.Error("the old dataset finds the new facility")
	}

	orphan := Outfall{Facility: "NOBODY", ID: "D01", Point: out.Point}
	_, err = next.WithRecords(&Dataset{Facilities: []Facility{{EmsNo: "N2", Name: "fine"}}, Outfalls: []Outfall{orphan}})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.File != FileOutfalls {
		t.Fatalf("an outfall of no facility: %v, want a FieldError of %s", err, FileOutfalls)
	}
	if _, ok := next.Facility("N2"); ok {
		t.Error("a refused change left its facility behind")
	}
}

// TestWithCorrections replaces a reading's value, converted to the
// canonical unit, and refuses a correction whose key is not the reading's.
func TestWithCorrections(t *testing.T) {
	d := sample(t)
	if err := d.Index(); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(d.readings, func(r Reading) bool { return r.Parameter == "Cu" })
	if i < 0 {
		t.Fatal("the sample has no Cu reading")
	}
	old := d.readings[i]
	fixed := old
	fixed.Value, fixed.Unit = 500, "µg/L"
	next, err := d.WithCorrections([]int{i}, []Reading{fixed})
	if err != nil {
		t.Fatal(err)
	}
	if r := next.Reading(i); r.Value != 0.5 || r.Unit != "mg/L" {
		t.Errorf("corrected to %g %s, want 0.5 mg/L", r.Value, r.Unit)
	}
	if d.readings[i] != old {
		t.Error("WithCorrections changed the dataset it was called on")
	}
	other := fixed
	other.Time = other.Time.Add(time.Hour)
	if _, err := d.WithCorrections([]int{i}, []Reading{other}); err == nil {
		t.Error("a correction of another instant was accepted")
	}
}

// TestWithCorrectionsAgainstScratch corrects readings in batches, with
// readings appended in between, across several chunks of corrected
// copies (the last one partial when corrected, then grown), and checks
// every Dataset made on the way against a from-scratch Dataset holding
// the same readings in a plain slice, with the corrected values written
// in by the test: each reading, each station's readings, the whole list
// and the digest. The earlier Datasets must keep their own values.
func TestWithCorrectionsAgainstScratch(t *testing.T) {
	base := sample(t)
	records := *base
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, taipei)
	for h := range 2*correctionChunk + 300 {
		st := []string{"1001", "C01"}[h%2]
		base.readings = append(base.readings, Reading{Station: st, Time: start.Add(time.Duration(h) * time.Hour),
			Parameter: "NH3-N", Value: float64(h%50) / 10, Unit: "mg/L"})
	}
	if err := base.Index(); err != nil {
		t.Fatal(err)
	}
	n := len(base.readings)
	// want is the test's own list: canonical readings, by plain index.
	want := slices.Clone(base.readings)
	first := base.readings[3]
	type step struct {
		name    string
		correct []int // indexes corrected to index/8 mg/L
		append  int   // readings appended after the corrections
	}
	steps := []step{
		{name: "first and last chunk, the last partial", correct: []int{3, correctionChunk - 1, 2*correctionChunk + 5, n - 1}, append: correctionChunk},
		{name: "a reading appended after the copy, one corrected twice, a new chunk", correct: []int{n + 2, 3, correctionChunk + 7}},
		{name: "the chunks copied before, again", correct: []int{4, 2*correctionChunk + 6, n + correctionChunk - 1}},
	}
	type held struct {
		ds   *Dataset
		want []Reading
	}
	var seen []held
	cur := base
	for _, st := range steps {
		var at []int
		var fresh []Reading
		for _, i := range st.correct {
			want[i].Value = float64(i) / 8
			at, fresh = append(at, i), append(fresh, want[i])
		}
		next, err := cur.WithCorrections(at, fresh)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		seen = append(seen, held{next, slices.Clone(want)})
		if st.append > 0 {
			var more []Reading
			for k := range st.append {
				h := 2*correctionChunk + 300 + k
				more = append(more, Reading{Station: "1001", Time: start.Add(time.Duration(h) * time.Hour), Parameter: "NH3-N", Value: 0.5, Unit: "mg/L"})
			}
			if next, err = next.WithReadings(more); err != nil {
				t.Fatalf("%s: append: %v", st.name, err)
			}
			want = append(want, more...)
			seen = append(seen, held{next, slices.Clone(want)})
		}
		cur = next
	}
	for k, h := range seen {
		scratch := records
		scratch.readings = slices.Clone(h.want)
		if err := scratch.Index(); err != nil {
			t.Fatal(err)
		}
		for i := range h.want {
			if got := *h.ds.Reading(i); got != h.want[i] {
				t.Fatalf("dataset %d, reading %d: %+v, want %+v", k, i, got, h.want[i])
			}
		}
		if !slices.Equal(h.ds.CurrentReadings(), h.want) {
			t.Errorf("dataset %d: CurrentReadings differs from the plain list", k)
		}
		for _, s := range []string{"1001", "C01"} {
			got, exp := h.ds.ReadingsAt(s), scratch.ReadingsAt(s)
			if len(got) != len(exp) {
				t.Fatalf("dataset %d, station %s: %d readings, want %d", k, s, len(got), len(exp))
			}
			for j := range got {
				if *got[j] != *exp[j] {
					t.Fatalf("dataset %d, station %s, reading %d: %+v, want %+v", k, s, j, *got[j], *exp[j])
				}
			}
		}
		if got, exp := h.ds.Digest(), scratch.Digest(); got != exp {
			t.Errorf("dataset %d: digest %s, want the from-scratch %s", k, got, exp)
		}
	}
	if *base.Reading(3) != first || base.readings[3] != first {
		t.Errorf("the first dataset changed: %+v, was %+v", *base.Reading(3), first)
	}
	// A corrected dataset written out holds the corrected values.
	last := seen[len(seen)-1]
	dir := t.TempDir()
	if err := WriteDir(dir, last.ds); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.readings) != len(last.want) {
		t.Fatalf("%d readings written back, want %d", len(back.readings), len(last.want))
	}
	for i := range last.want {
		if back.readings[i].Value != last.want[i].Value {
			t.Fatalf("reading %d written as %v, want the corrected %v", i, back.readings[i].Value, last.want[i].Value)
		}
	}
}

// A dataset loaded from the store has no effluent series; WithEffluent
// gives a copy the data directory's, found by facility, and leaves the
// original without them.
func TestWithEffluent(t *testing.T) {
	d := &Dataset{Facilities: []Facility{{EmsNo: "F1"}, {EmsNo: "F2"}}}
	e := []EffluentReading{{Facility: "F2", Parameter: "pH", Value: 7.1}, {Facility: "F1", Parameter: "COD", Value: 40}, {Facility: "F2", Parameter: "pH", Value: 7.3}}
	got := d.WithEffluent(e)
	if f2 := got.EffluentOf("F2"); len(f2) != 2 || f2[0].Value != 7.1 || f2[1].Value != 7.3 {
		t.Fatalf("F2's effluent = %+v, want the two pH values in file order", f2)
	}
	if f1 := got.EffluentOf("F1"); len(f1) != 1 || f1[0].Value != 40 {
		t.Fatalf("F1's effluent = %+v, want COD 40", f1)
	}
	if n := len(d.EffluentOf("F2")); n != 0 || len(d.Effluent) != 0 {
		t.Fatalf("the original dataset gained effluent: %d readings", n)
	}
	if _, ok := got.Facility("F1"); !ok {
		t.Fatal("the copy lost its facilities")
	}
}

// A change without reports or limits shares d's arrays of them, which a
// request may be reading while a replica applies the change: WithRecords
// must not write to them (the race detector watches the reader).
func TestWithRecordsLeavesSharedKindsAlone(t *testing.T) {
	d := sample(t)
	if err := d.Index(); err != nil {
		t.Fatal(err)
	}
	if len(d.Reports) == 0 || len(d.Limits) == 0 {
		t.Fatal("the sample needs reports and limits")
	}
	renamed := d.Facilities[0]
	renamed.Name = "Renamed, Ltd."
	done := make(chan struct{})
	var seen float64
	go func() {
		defer close(done)
		for range 200 {
			seen += d.Reports[0].Value + d.Limits[0].Value
		}
	}()
	next, err := d.WithRecords(&Dataset{Facilities: []Facility{renamed}})
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if &next.Reports[0] != &d.Reports[0] || &next.Limits[0] != &d.Limits[0] {
		t.Error("unchanged reports and limits were copied, want them shared")
	}
	if next.Facilities[0].Name != renamed.Name || d.Facilities[0].Name == renamed.Name {
		t.Errorf("facility names: next %q, d %q", next.Facilities[0].Name, d.Facilities[0].Name)
	}
	_ = seen
}

// BenchmarkCorrectReadings corrects a batch of 100 readings of a dataset
// of 500,000 against the baseline of the same run: the full copy of the
// readings that every correction made before (slices.Clone, then the
// corrected values written in), timed before and after the new path.
// "clustered" corrects 100 neighbouring readings (one sample's values
// re-issued), "scattered" 100 readings each in a chunk of its own, the
// worst case of the chunk copies.
func BenchmarkCorrectReadings(b *testing.B) {
	const stored, batch = 500_000, 100
	base := sample(b)
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range stored {
		st := []string{"1001", "C01"}[i%2]
		base.readings = append(base.readings, Reading{Station: st, Time: t0.Add(time.Duration(i) * time.Hour), Parameter: "NH3-N", Value: 1, Unit: "mg/L"})
	}
	if err := base.Index(); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		step int
	}{{"clustered", 1}, {"scattered", stored / batch}} {
		b.Run(tc.name, func(b *testing.B) {
			at := make([]int, batch)
			fresh := make([]Reading, batch)
			for k := range at {
				at[k] = 1000 + k*tc.step
				fresh[k] = base.readings[at[k]]
				fresh[k].Value = 2
			}
			fullCopy := func() time.Duration {
				start := time.Now()
				next := *base
				next.readings = slices.Clone(base.readings)
				for k, i := range at {
					next.readings[i] = fresh[k]
				}
				return time.Since(start)
			}
			const reps = 3
			var full time.Duration
			for range reps {
				full += fullCopy()
			}
			var n int
			for b.Loop() {
				next, err := base.WithCorrections(at, fresh)
				if err != nil {
					b.Fatal(err)
				}
				n = len(next.readings)
			}
			per := b.Elapsed() / time.Duration(b.N)
			for range reps {
				full += fullCopy()
			}
			full /= 2 * reps
			b.ReportMetric(float64(n), "readings")
			b.ReportMetric(batch, "corrected")
			b.ReportMetric(float64(full)/float64(per), "x_faster_than_full_copy")
		})
	}
}
