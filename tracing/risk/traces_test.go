package risk

import (
	"slices"
	"testing"
	"time"
)

// TestTracesWith: appending the traces of later readings keeps the
// readings traced in time order (a late reading dated before others
// included), adds the names and skipped counts, and changes neither
// input, which rankings under way may still be reading.
func TestTracesWith(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 8, 1, h, 0, 0, 0, taipei) }
	old := &Traces{Named: []TraceName{{Facility: "A", Time: at(2), Share: 1}}, Traced: []time.Time{at(1), at(2), at(5)}, Skipped: 1}
	more := &Traces{Named: []TraceName{{Facility: "B", Time: at(3), Share: 0.5}}, Traced: []time.Time{at(3), at(6)}, Skipped: 2}
	oldCopy, moreCopy := *old, *more
	oldTraced := slices.Clone(old.Traced)
	got := old.With(more)
	if want := []time.Time{at(1), at(2), at(3), at(5), at(6)}; !slices.Equal(got.Traced, want) {
		t.Errorf("traced %v, want %v", got.Traced, want)
	}
	if len(got.Named) != 2 || got.Named[0].Facility != "A" || got.Named[1].Facility != "B" || got.Skipped != 3 {
		t.Errorf("merged %+v", got)
	}
	if !slices.Equal(old.Traced, oldTraced) || len(old.Named) != len(oldCopy.Named) || old.Skipped != 1 || more.Skipped != moreCopy.Skipped {
		t.Error("With changed its inputs")
	}
	got.Named[0].Facility = "X"
	if old.Named[0].Facility != "A" {
		t.Error("the result shares its names with the input")
	}
	if n := (*Traces)(nil).With(more); !slices.Equal(n.Traced, more.Traced) {
		t.Errorf("nil with more: %+v", n)
	}
	if n := old.With(nil); n != old {
		t.Error("with nothing: want the traces unchanged")
	}
}
