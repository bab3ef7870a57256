package odour

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// TestFitSource checks the fit's algebra on hand-computed cases. With
// σ = ln 2 / 0.6745 (SourceModelSigma), receptors implying 2 and 8 g/s
// with equal votes fit 4 g/s, each off by a factor of two, so each fit is
// exp(−0.6745² / 2) = 0.79653.
func TestFitSource(t *testing.T) {
	measured := func(excess, noise, perUnit, vote float64) link {
		return link{p: &pet{Petition: &Petition{Measured: &Measured{ExcessUgm3: excess, NoiseUgm3: noise}}}, k: coupling{perUnit: perUnit}, vote: vote}
	}
	petition := link{p: &pet{Petition: &Petition{}}, k: coupling{perUnit: 3}, vote: 0.7}
	tests := []struct {
		name      string
		links     []link
		rate      float64 // 0: no fit
		votes     []float64
		receptors int
	}{
		{"one rate explains both", []link{measured(30, 0, 10, 1), measured(3, 0, 1, 0.5)}, 3, []float64{1, 0.5}, 2},
		{"a factor of two either way", []link{measured(2, 0, 1, 1), measured(8, 0, 1, 1)}, 4, []float64{0.79653, 0.79653}, 2},
		// noise 2 on an excess of 2 adds 1 to the variance of ln q: s² =
		// 1.0561 + 1 = 2.0561; weights 1/2.0561 and 1/1.0561 put ln Q at
		// (0.4864·ln 2 + 0.9469·ln 8) / 1.4333 = 1.6090 (Q = 4.998); the
		// noisy receptor is 0.9159 off (fit exp(−0.8388/4.1122) = 0.8155),
		// the clean one 0.4704 (fit exp(−0.2213/2.1122) = 0.9005).
		{"noise widens a small excess", []link{measured(2, 2, 1, 1), measured(8, 0, 1, 1)}, 4.998, []float64{0.8155, 0.9005}, 2},
		{"petitions keep their votes", []link{petition}, 0, []float64{0.7}, 0},
		{"no excess, no fit", []link{measured(-1, 1, 2, 0.4), petition}, 0, []float64{0.4, 0.7}, 0},
		{"no plume, no fit", []link{measured(5, 1, 0, 0.4)}, 0, []float64{0.4}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := fitSource(tt.links)
			switch {
			case tt.rate == 0 && st != nil:
				t.Fatalf("fit %+v, want none", st)
			case tt.rate != 0 && (st == nil || math.Abs(st.RateGs-tt.rate) > 1e-3 || st.Receptors != tt.receptors):
				t.Fatalf("fit %+v, want %v g/s from %d receptors", st, tt.rate, tt.receptors)
			}
			for i, l := range tt.links {
				if math.Abs(l.vote-tt.votes[i]) > 1e-4 {
					t.Errorf("vote %d: %v, want %v", i, l.vote, tt.votes[i])
				}
			}
		})
	}
}

// TestRankSourceTerm: factory A and factory B, 1.5 km behind it along a
// steady north wind, are both upwind of four sensors 1–4 km south of A,
// and B's plume reaches them nearly as strongly by the votes alone. The
// sensors measured what a 5 g/s source at A brings them (the plume per g/s
// the evidence reports, times 5): A's fit recovers 5 g/s with every fit 1,
// while B needs a different rate for each sensor, loses votes, and falls
// behind A by more than the votes alone put it.
func TestRankSourceTerm(t *testing.T) {
	sc := newScene(t, 0, nil)
	fs := []model.Facility{sc.facility("A", "petrochemical", 0, 0), sc.facility("B", "petrochemical", 0, 1500)}
	offsets := []float64{-1000, -2000, -3000, -4000}
	receptors := func(excess []float64) []Petition {
		var ps []Petition
		for i, dy := range offsets {
			p := sc.petition("S"+string(rune('1'+i)), 5, 60, dy, "other", 1)
			if excess != nil {
				p.Measured = &Measured{ExcessUgm3: excess[i], NoiseUgm3: 1.5}
			}
			ps = append(ps, p)
		}
		return ps
	}
	ctx := context.Background()
	day := sc.start.Add(24 * time.Hour)
	plain, err := sc.engine(t, fs, receptors(nil)).Rank(ctx, sc.start, day)
	if err != nil {
		t.Fatal(err)
	}
	// A first run with any excess reports A's plume per g/s at each sensor.
	probe, err := sc.engine(t, fs, receptors([]float64{50, 50, 50, 50})).Rank(ctx, sc.start, day)
	if err != nil {
		t.Fatal(err)
	}
	perUnit := map[string]float64{}
	for _, c := range probe.Candidates {
		if c.FacilityID == "A" {
			for _, v := range c.Evidence.Votes {
				perUnit[v.PetitionID] = v.Source.PerUnitUgm3
			}
		}
	}
	var excess []float64
	for i := range offsets {
		excess = append(excess, 5*perUnit["S"+string(rune('1'+i))])
	}
	res, err := sc.engine(t, fs, receptors(excess)).Rank(ctx, sc.start, day)
	if err != nil {
		t.Fatal(err)
	}
	checkVotesAddUp(t, res)
	score := func(r *Result, id string) Candidate {
		for _, c := range r.Candidates {
			if c.FacilityID == id {
				return c
			}
		}
		t.Fatalf("no candidate %s in %v", id, ids(r.Candidates))
		return Candidate{}
	}
	a, b := score(res, "A"), score(res, "B")
	if a.Evidence.Source == nil || math.Abs(a.Evidence.Source.RateGs-5)/5 > 0.01 || a.Evidence.Source.Receptors != 4 {
		t.Fatalf("A's source term %+v, want 5 g/s from 4 sensors", a.Evidence.Source)
	}
	for _, v := range a.Evidence.Votes {
		if v.Source == nil || v.Source.Fit < 0.999 {
			t.Errorf("A's vote %s fits %+v, want 1", v.PetitionID, v.Source)
		}
	}
	pa, pb := score(plain, "A"), score(plain, "B")
	if pb.Score < 0.5*pa.Score {
		t.Fatalf("the scene is too easy: without measurements B scores %v against A's %v", pb.Score, pa.Score)
	}
	if b.Evidence.Source == nil || b.Evidence.Source.SpreadLn < 0.1 {
		t.Errorf("B's source term %+v: its implied rates should scatter", b.Evidence.Source)
	}
	if b.Score/a.Score >= 0.95*pb.Score/pa.Score {
		t.Errorf("B/A: %v with the source term, %v from the votes alone; want B to fall behind", b.Score/a.Score, pb.Score/pa.Score)
	}
	if plain.Candidates[0].Evidence.Source != nil || plain.Candidates[0].Evidence.Votes[0].Source != nil {
		t.Errorf("petitions without measurements carry a source term: %+v", plain.Candidates[0].Evidence)
	}
}
