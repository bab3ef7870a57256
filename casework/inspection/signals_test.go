package inspection

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/tracing/risk"
)

// termOf returns a facility's term in a ranking.
func termOf(t *testing.T, r *risk.Ranking, id, name string) risk.Term {
	t.Helper()
	for _, f := range r.Facilities {
		if f.FacilityID != id {
			continue
		}
		for _, term := range f.Terms {
			if term.Name == name {
				return term
			}
		}
	}
	t.Fatalf("%s has no %s term", id, name)
	return risk.Term{}
}

// TestDumpingDeskFeedsTheRanking: reports in the dumping desk's repository
// reach the ranking: one beside a facility raises its dumping term, one
// 5 km away does not count for it, and a duplicate of the first is the
// same dump and does not count twice.
func TestDumpingDeskFeedsTheRanking(t *testing.T) {
	base := centralSource(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	f := base.Dir.Water.Facilities[3]
	lon, lat, ok := f.Position()
	if !ok {
		t.Fatalf("%s has no location", f.EmsNo)
	}
	at := asOf.AddDate(0, -2, 0)
	reports := []*dumping.Report{
		{ID: "D-1", Lon: lon + 0.0005, Lat: lat, RequestedAt: at, State: dumping.StateAssigned},
		{ID: "D-2", Lon: lon + 0.0006, Lat: lat, RequestedAt: at.Add(time.Hour), State: dumping.StateDuplicate, DuplicateOf: "D-1"},
		{ID: "D-3", Lon: lon, Lat: lat + 5/111.2, RequestedAt: at, State: dumping.StateClosed},
	}
	repo := dumping.NewMemory()
	err := repo.Update(context.Background(), func(ctx context.Context, tx dumping.Tx) error {
		for _, r := range reports {
			if err := tx.Put(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	without, err := Rank(context.Background(), base, asOf)
	if err != nil {
		t.Fatal(err)
	}
	s := *base
	s.Dumps = repo
	with, err := Rank(context.Background(), &s, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if term := termOf(t, without, f.EmsNo, risk.TermDumping); term.Value != 0 || term.DataDate != nil {
		t.Errorf("without a desk: %+v", term)
	}
	term := termOf(t, with, f.EmsNo, risk.TermDumping)
	if term.Value != 1 || term.DataDate == nil || *term.DataDate != at.Format(time.DateOnly) {
		t.Errorf("a report 50 m away (and its duplicate): %+v, want value 1 dated %s", term, at.Format(time.DateOnly))
	}
	if term.Contribution != term.Weight*term.Value {
		t.Errorf("contribution %v ≠ %v × %v", term.Contribution, term.Weight, term.Value)
	}
}

// TestPortalHidesWaterTraces: the plating shop of the fixture's planted
// night-time copper dump is named by the water traces of its readings
// (the ranking shows a non-zero term), yet its portal shows neither the
// term nor its note.
func TestPortalHidesWaterTraces(t *testing.T) {
	s := centralSource(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	const plating = "N1489153"
	r, err := Rank(context.Background(), s, asOf)
	if err != nil {
		t.Fatal(err)
	}
	term := termOf(t, r, plating, risk.TermWaterTrace)
	if term.Value <= 0 || term.DataDate == nil {
		t.Fatalf("%s's water-trace term %+v: the test needs a named facility", plating, term)
	}
	p, err := FacilityPortal(context.Background(), s, facilityPrincipal(plating), asOf)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	for _, hidden := range []string{risk.TermWaterTrace, "explained water traces", risk.TermDumping} {
		if strings.Contains(string(b), hidden) {
			t.Errorf("%s's portal shows %q", plating, hidden)
		}
	}
}
