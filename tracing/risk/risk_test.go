package risk

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/datadir"
)

// centralDir is the embedded fixture's directory, read in place.
const centralDir = "../../fixtures/central"

func readCentral(t *testing.T) *datadir.Dir {
	t.Helper()
	d, err := datadir.Read(centralDir)
	if err != nil {
		t.Fatalf("read %s: %v", centralDir, err)
	}
	return d
}

// TestTermsSumToScore checks E-T4 on the fixture, with every signal fed
// (the water traces of its readings and a dumping report beside a
// facility): for every facility the listed contributions add up to the
// score, each contribution is weight × value, and the probability is the
// score's logistic.
func TestTermsSumToScore(t *testing.T) {
	td := traced(t)
	d := td.dir
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, taipei)
	lon, lat, _ := d.Water.Facilities[0].Position()
	in := Input{Dir: d, Traces: td.traces, Dumping: []DumpingReport{{ID: "D1", Lon: lon, Lat: lat, Time: asOf.AddDate(0, -1, 0)}}}
	r, err := RankDir(context.Background(), in, asOf)
	if err != nil {
		t.Fatal(err)
	}
	fed := map[string]bool{}
	for _, f := range r.Facilities {
		for _, term := range f.Terms {
			if term.Value != 0 {
				fed[term.Name] = true
			}
		}
	}
	for _, n := range []string{TermWaterTrace, TermDumping, TermOdourAir, TermPetitions, TermWaterPermit, TermCompliance} {
		if !fed[n] {
			t.Errorf("no facility has a non-zero %s term", n)
		}
	}
	if len(r.Facilities) != len(d.Water.Facilities) {
		t.Fatalf("%d facilities ranked, the fixture has %d", len(r.Facilities), len(d.Water.Facilities))
	}
	for i, f := range r.Facilities {
		var sum float64
		for _, term := range f.Terms {
			if math.Abs(term.Contribution-term.Weight*term.Value) > 1e-12 {
				t.Errorf("%s %s: contribution %v ≠ %v × %v", f.FacilityID, term.Name, term.Contribution, term.Weight, term.Value)
			}
			sum += term.Contribution
		}
		if math.Abs(sum-f.Score) > 1e-9 {
			t.Errorf("%s: terms sum to %v, score %v", f.FacilityID, sum, f.Score)
		}
		if p := 1 / (1 + math.Exp(-f.Score)); math.Abs(p-f.Probability) > 1e-12 {
			t.Errorf("%s: probability %v, logistic of the score %v", f.FacilityID, f.Probability, p)
		}
		if f.Rank != i+1 || (i > 0 && f.Score > r.Facilities[i-1].Score) {
			t.Errorf("%s: rank %d out of order", f.FacilityID, f.Rank)
		}
		if len(f.Terms) != len(Names) || f.Terms[0].Name != TermIntercept {
			t.Errorf("%s: terms %d, first %q", f.FacilityID, len(f.Terms), f.Terms[0].Name)
		}
	}
}

// TestRemovingASignalChangesOnlyItsTerm: dropping the petitions from the
// input changes the petitions term and nothing else (E-T4).
func TestRemovingASignalChangesOnlyItsTerm(t *testing.T) {
	d := readCentral(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, taipei)
	m := Prior()
	with, err := Compute(context.Background(), Input{Dir: d}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for id, f := range with {
		g := Features{}
		for k, v := range f {
			g[k] = v
		}
		delete(g, TermPetitions)
		a, b := m.Score(id, f), m.Score(id, g)
		for i := range a.Terms {
			same := a.Terms[i].Contribution == b.Terms[i].Contribution
			if a.Terms[i].Name != TermPetitions && !same {
				t.Errorf("%s: removing petitions changed %s", id, a.Terms[i].Name)
			}
			if a.Terms[i].Name == TermPetitions && !same {
				changed++
				if math.Abs((a.Score-b.Score)-a.Terms[i].Contribution) > 1e-9 {
					t.Errorf("%s: score moved by %v, the term was %v", id, a.Score-b.Score, a.Terms[i].Contribution)
				}
			}
		}
	}
	if changed == 0 {
		t.Fatal("no facility had a petitions term to remove: the test proves nothing")
	}
}

// TestNoDataIsZeroWithANote: a signal the caller does not bring (no
// dumping desk, no network to trace the readings on) is value 0, a null
// data date and a "no data" note.
func TestNoDataIsZeroWithANote(t *testing.T) {
	d := readCentral(t)
	fs, err := Compute(context.Background(), Input{Dir: d}, time.Date(2026, 9, 1, 0, 0, 0, 0, taipei))
	if err != nil {
		t.Fatal(err)
	}
	for id, f := range fs {
		s := Prior().Score(id, f)
		for _, term := range s.Terms {
			if term.Name != TermDumping && term.Name != TermWaterTrace {
				continue
			}
			if term.Value != 0 || term.DataDate != nil || len(term.Note) < 7 || term.Note[:7] != "no data" {
				t.Errorf("%s %s: value %v date %v note %q", id, term.Name, term.Value, term.DataDate, term.Note)
			}
		}
	}
}

// TestFitRecoversWeights draws outcomes from known weights (chosen here,
// not by the code under test) and checks the calibration finds them.
func TestFitRecoversWeights(t *testing.T) {
	truth := map[string]float64{TermIntercept: -2, TermIndustry: 0.5, TermCompliance: 0.4, TermPetitions: 0.2}
	rng := rand.New(rand.NewPCG(7, 11))
	var ex []Example
	for range 20000 {
		f := Features{
			TermIndustry:   {V: float64(1 + rng.IntN(3)), Date: time.Now()},
			TermCompliance: {V: float64(rng.IntN(6)), Date: time.Now()},
			TermPetitions:  {V: float64(rng.IntN(10)), Date: time.Now()},
		}
		z := truth[TermIntercept]
		for n, v := range f {
			z += truth[n] * v.V
		}
		ex = append(ex, Example{Features: f, Violation: rng.Float64() < Sigmoid(z), Weight: 1})
	}
	m, err := Fit(ex, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for n, w := range truth {
		if math.Abs(m.Weights[n]-w) > 0.1 {
			t.Errorf("%s: fitted %.3f, true %.3f", n, m.Weights[n], w)
		}
	}
	if m.Weights[TermDumping] != Prior().Weights[TermDumping] {
		t.Errorf("a term without data moved from its prior: %v", m.Weights[TermDumping])
	}
}

// TestIPWCorrectsSelection: violators are over-sampled by a biased
// selection; weighting outcomes by 1/propensity restores the population
// intercept, unweighted fitting does not.
func TestIPWCorrectsSelection(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	const base = -2.0 // 11.9 % violate
	var weighted, naive []Example
	for range 40000 {
		v := rng.Float64() < Sigmoid(base)
		p := 0.1 // a violator is picked with 0.5 (tips), others with 0.1
		if v {
			p = 0.5
		}
		if rng.Float64() >= p {
			continue
		}
		o := Outcome{Violation: v, Propensity: p}
		weighted = append(weighted, Example{Features: Features{}, Violation: v, Weight: o.IPW()})
		naive = append(naive, Example{Features: Features{}, Violation: v, Weight: 1})
	}
	opt := FitOptions{PriorSD: 100}
	mw, err := Fit(weighted, opt)
	if err != nil {
		t.Fatal(err)
	}
	mn, err := Fit(naive, opt)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(mw.Weights[TermIntercept]-base) > 0.1 {
		t.Errorf("weighted intercept %.3f, want %.1f", mw.Weights[TermIntercept], base)
	}
	if math.Abs(mn.Weights[TermIntercept]-base) < 0.5 {
		t.Errorf("unweighted intercept %.3f should be biased away from %.1f", mn.Weights[TermIntercept], base)
	}
}

func TestFitErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		ex   []Example
	}{
		{"none", nil},
		{"zero weight", []Example{{Features: Features{}, Weight: 0}}},
		{"NaN weight", []Example{{Features: Features{}, Weight: math.NaN()}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Fit(tc.ex, FitOptions{}); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestQuotas(t *testing.T) {
	for _, tc := range []struct {
		name string
		size map[string]int
		k    int
		want map[string]int
	}{
		{"proportional", map[string]int{"a": 50, "b": 30, "c": 20}, 10, map[string]int{"a": 5, "b": 3, "c": 2}},
		{"largest remainder", map[string]int{"a": 1, "b": 1, "c": 1}, 2, map[string]int{"a": 1, "b": 1, "c": 0}},
		{"capped by size", map[string]int{"a": 1, "b": 9}, 10, map[string]int{"a": 1, "b": 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Quotas(tc.size, tc.k)
			for g, w := range tc.want {
				if got[g] != w {
					t.Errorf("%s: %d, want %d (all %v)", g, got[g], w, got)
				}
			}
		})
	}
}

func TestAllocateMinimumProbability(t *testing.T) {
	ranked := make([]string, 100)
	area := map[string]string{}
	for i := range ranked {
		ranked[i] = string(rune('A'+i%26)) + string(rune('a'+i/26))
		area[ranked[i]] = []string{"n", "s"}[i%2]
	}
	a, err := Allocate(ranked, 20, Constraints{MinProbability: 0.05, Area: area}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Targeted)+len(a.Random) != 20 || len(a.Random) != 5 {
		t.Fatalf("targeted %d random %d", len(a.Targeted), len(a.Random))
	}
	for id, p := range a.Probability {
		if p < 0.05 {
			t.Errorf("%s: probability %v below the minimum", id, p)
		}
	}
	if _, err := Allocate(ranked, 5, Constraints{MinProbability: 2}, rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Error("a minimum probability of 2 was accepted")
	}
}
