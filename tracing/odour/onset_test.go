package odour

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// TestOnsetSeparatesInLineFactories: the wind turns from north to east
// between 05:00 and 06:00, and three sensors due west of factory A rise as A's
// air reaches them, 06:00 plus their distance over the 3 m/s wind. B lies
// between A and the sensors, 1200 m nearer: its air would have arrived
// 400 s earlier, so every onset check of B is that much later than A's
// and B's onset factor is lower. Each sensor is timed by its first event
// only, and the score is the vote sum times the factor.
func TestOnsetSeparatesInLineFactories(t *testing.T) {
	const speed = 3.0
	sc := newScene(t, 0, func(h int) (float64, float64) {
		if h <= 5 {
			return 0, speed
		}
		return 90, speed
	})
	fs := []model.Facility{sc.facility("A", "chemical", 0, 0), sc.facility("B", "chemical", -1200, 0)}
	turn := 6.0
	var ps []Petition
	for i, off := range [][2]float64{{-2500, 0}, {-3500, 0}, {-4500, 0}} {
		d := math.Hypot(off[0], off[1])
		h := turn + d/speed/3600
		id := string(rune('1' + i))
		ps = append(ps, sc.petition("S"+id, h, off[0], off[1], "industrial/chemical", 3),
			sc.petition("S"+id+"-later", h+0.5, off[0], off[1], "industrial/chemical", 3))
	}
	ds := &model.Dataset{Facilities: fs}
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	e, err := NewWithField(ds, ps, sc.grid, sc.field, Options{OnsetSlice: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Rank(context.Background(), sc.start, sc.start.Add(12*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	on := map[string]*OnsetEvidence{}
	for _, c := range res.Candidates {
		if c.Evidence.Onset == nil {
			t.Fatalf("%s has no onset evidence", c.FacilityID)
		}
		on[c.FacilityID] = c.Evidence.Onset
		if want := round(c.Evidence.Onset.VoteSum*c.Evidence.Onset.Factor, 4); c.Score != want {
			t.Errorf("%s: score %v, want vote sum × factor %v", c.FacilityID, c.Score, want)
		}
	}
	a, b := on["A"], on["B"]
	if a == nil || b == nil || len(a.Checks) != 3 || len(b.Checks) != 3 {
		t.Fatalf("onset checks A %+v, B %+v; want one per sensor", a, b)
	}
	travelGap := 1200 / speed / 60
	for i := range a.Checks {
		ca, cb := a.Checks[i], b.Checks[i]
		if ca.PetitionID != cb.PetitionID || len(ca.PetitionID) != 2 {
			t.Errorf("check %d: A times %s, B %s; want the sensor's first event", i, ca.PetitionID, cb.PetitionID)
		}
		// The turn lies between 05:00 and 06:00 and the onset slice starts
		// at 06:00 plus A's travel time.
		if ca.ResidualMinutes < 2.5 || ca.ResidualMinutes > 62.5 {
			t.Errorf("%s: A's residual %.1f min outside [2.5, 62.5]", ca.PetitionID, ca.ResidualMinutes)
		}
		if gap := cb.ResidualMinutes - ca.ResidualMinutes; math.Abs(gap-travelGap) > 1.5 {
			t.Errorf("%s: B's residual exceeds A's by %.1f min, want %.1f ± 1.5", ca.PetitionID, gap, travelGap)
		}
	}
	if !(b.Factor < a.Factor) || a.Factor > 1 || b.Factor <= 0 {
		t.Errorf("onset factors A %.4f, B %.4f; want 0 < B < A ≤ 1", a.Factor, b.Factor)
	}
	// A trace (one petition) and petitions from people carry no onset term.
	tr, err := e.Trace(context.Background(), "S1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tr.Candidates {
		if c.Evidence.Onset != nil {
			t.Errorf("a trace carries an onset term for %s", c.FacilityID)
		}
	}
}
