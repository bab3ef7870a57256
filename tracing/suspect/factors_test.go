package suspect

import (
	"math"
	"testing"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/industry"
	"github.com/envtrace/envtrace/tracing/param"
)

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want)) }

// TestFactors checks every score factor against values worked out by hand
// from the formulas in factors.go (the comment shows the arithmetic).
func TestFactors(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"coverage: permit limits it", coverageFactor(true, true), 1},
		{"coverage: permit alone", coverageFactor(true, false), 1},
		{"coverage: profile only", coverageFactor(false, true), 0.8},
		{"coverage: neither", coverageFactor(false, false), 0},
		{"load ratio unknown", loadRatioFactor(0), 1},
		{"load ratio within the permit", loadRatioFactor(0.6), 1},
		// 1 / (1 + 0.5 × log10 2.7) = 1 / (1 + 0.5 × 0.431364) = 0.822584
		{"load ratio 2.7", loadRatioFactor(2.7), 0.8225836173},
		// 1 / (1 + 0.5 × 1) = 2/3
		{"load ratio 10", loadRatioFactor(10), 2.0 / 3},
		{"load ratio 100", loadRatioFactor(100), 0.5},
		{"history none", historyFactor(0, 0), 1},
		// 1 + 0.25 × 2 + 0.05 × 1
		{"history 2 and 1", historyFactor(2, 1), 1.55},
		// capped at 4 each: 1 + 1 + 0.2
		{"history capped", historyFactor(7, 9), 2.2},
		{"proximity at the station", proximityFactor(0), 1},
		// 1 / (1 + 6/24)
		{"proximity 6 h", proximityFactor(6), 0.8},
		{"proximity 24 h", proximityFactor(24), 0.5},
		{"clean at the centre clears", cleanFactor(1), 0},
		{"clean at weight ½ clears", cleanFactor(0.5), 0},
		{"clean off-centre lowers", cleanFactor(0.3), 0.7},
		{"no clean sample", cleanFactor(0), 1},
		// 1 × 0.8 × 1.5 × 0.5 × 1.5 / 3.3 = 0.9 / 3.3
		{"score", score(Factors{Coverage: 1, LoadRatio: 0.8, History: 1.5, Proximity: 0.5, Bracketing: 1.5}), 0.9 / 3.3},
		{"best score is 1", score(Factors{Coverage: 1, LoadRatio: 1, History: 2.2, Proximity: 1, Bracketing: 1.5}), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !near(tc.got, tc.want) {
				t.Fatalf("got %.10g, want %.10g", tc.got, tc.want)
			}
		})
	}
}

// TestFeasibilityOrdersByPermitRatio: at the same distance and history, a
// facility that would need 10× its permit ranks below one that would need
// 2.7×, and both stay suspects (the ratio is a score term, not a gate).
func TestFeasibilityOrdersByPermitRatio(t *testing.T) {
	base := Factors{Coverage: 1, History: 1, Proximity: proximityFactor(3), Bracketing: 1}
	a, b := base, base
	a.LoadRatio, b.LoadRatio = loadRatioFactor(2.7), loadRatioFactor(10)
	if !(score(a) > score(b)) || place(b, true) != asSuspect {
		t.Fatalf("2.7×: %v, 10×: %v (%v)", score(a), score(b), place(b, true))
	}
	if place(a, false) != asInsufficient || place(Factors{Coverage: 1, Bracketing: 0}, true) != asRuledOut ||
		place(Factors{Coverage: 0, Bracketing: 1}, true) != asRuledOut {
		t.Fatal("placement by capacity, bracketing and coverage")
	}
}

// TestPlumeWindow checks the window's σ and the weights of samples in it.
func TestPlumeWindow(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"σ at the station itself", plumeSigma(0, 0), 0.5},
		// u = 3 600 m / 7 200 s = 0.5 m/s; σ_D = √(2·30·3 600)/0.5/3 600 = 464.758/1 800 = 0.258199 h;
		// σ = √(0.5² + (0.25·2)² + 0.258199²) = √0.566667 = 0.752773 h
		{"σ 2 h and 3.6 km up", plumeSigma(2, 3.6), 0.7527726527},
		{"weight at the centre", sampleWeight(0, 1), 1},
		{"weight at 1 σ", sampleWeight(1, 1), math.Exp(-0.5)},
		{"weight at the edge (2 σ)", sampleWeight(-2, 1), math.Exp(-2)},
		{"weight outside", sampleWeight(2.01, 1), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !near(tc.got, tc.want) {
				t.Fatalf("got %.10g, want %.10g", tc.got, tc.want)
			}
		})
	}
}

// TestCapacity checks the three balances a candidate is weighed by.
func TestCapacity(t *testing.T) {
	plating, _ := industry.Lookup("electroplating")
	limit := 3.0
	cu := &candidate{profile: plating, limit: &limit, perWater: 900, maxVolume: 1100}
	cu.sig, cu.emits = plating.Emits("Cu")
	d := &demand{p: param.MustLookup("Cu"), method: param.MethodLoad, excess: 1.8, flow: 0.64}
	cp := d.capacityOf(cu, 2, 3.6)
	// required 1.8 × 0.64 × 86.4 = 99.5328 kg/day; permitted 3 × 900 / 1000 = 2.7;
	// the most it can release 150 × 1 100 / 1 000 = 165; effluent 99.5328 / 1.1 = 90.4844 mg/L.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"required", cp.requiredKgDay, 99.5328}, {"permitted", cp.permittedKgDay, 2.7}, {"max", cp.maxKgDay, 165},
		{"ratio", cp.loadRatio, 36.864}, {"capacity ratio", cp.capacityRatio, 0.6032290909}, {"effluent", cp.requiredConc, 90.4843636364},
	} {
		if !near(c.got, c.want) {
			t.Errorf("load %s: %.10g, want %.10g", c.name, c.got, c.want)
		}
	}
	if !cp.canCarry {
		t.Error("165 kg/day can carry 99.5")
	}
	// A decaying load is grown back: 10 mg/L × 1 m³/s × 86.4 × e^(0.24 × 24/24) = 1 098.3593 kg/day.
	cod := &demand{p: param.MustLookup("COD"), method: param.MethodLoad, excess: 10, flow: 1, k: 0.24}
	if got := cod.capacityOf(cu, 24, 40).requiredKgDay; !near(got, 1098.3592658777) {
		t.Errorf("decay: %v", got)
	}
	// Conductivity mixes: 300 µS/cm over a background of 400 in 2 m³/s needs
	// 300 × 2 × 86 400 / 1 000 = 51 840 µS/cm above background from 1 000 m³/day:
	// 1.75× the 29 600 of headroom a plater's 30 000 ceiling leaves; from
	// 5 000 m³/day, 10 368 (0.35×).
	cond := &demand{p: param.MustLookup("COND"), method: param.MethodMixing, excess: 300, flow: 2, background: 400}
	small := &candidate{profile: plating, maxVolume: 1000}
	small.sig, small.emits = plating.Emits("COND")
	if cp := cond.capacityOf(small, 1, 1); !near(cp.capacityRatio, 1.7513513514) || cp.canCarry || !near(cp.requiredConc, 52240) {
		t.Errorf("mixing, small: %+v", cp)
	}
	big := *small
	big.maxVolume = 5000
	if cp := cond.capacityOf(&big, 1, 1); !near(cp.capacityRatio, 0.3502702703) || !cp.canCarry {
		t.Errorf("mixing, big: %+v", cp)
	}
}

// TestDeficitCapacity checks the Streeter–Phelps balance of one piggery 12
// h (21.6 km, 0.5 m/s) above a 10 m³/s river at 20 °C that lost 2 mg/L of
// DO below its background of 7.5.
//
// Depth 0.3 × 10^0.4 = 0.753566 m; k_a = 3.93 × √0.5 / 0.753566^1.5 =
// 4.248109 /day; after 0.5 day the sag of 1 mg/L of demand is 0.044180 for
// k₁ 0.23 and 0.056318 for k_n 0.30. Raw slurry: BODu = 5 000 / (1 −
// e^−1.15) = 7 316.75, NH3-N 1 500, no oxygen (7.5 lacking), at 500 m³/day
// = 0.000578704 of the river: deficit 0.410999 mg/L, so 2 mg/L needs 4.866×
// what it can do. Its permit (BOD5 80, NH3-N 75 at 400 m³/day) allows
// 0.011331 mg/L: 176.5×. As carbonaceous demand, 2 mg/L needs 2 / 0.044180
// × 10 × 86.4 = 39 113 kg/day.
func TestDeficitCapacity(t *testing.T) {
	pig, _ := industry.Lookup("livestock")
	c := &candidate{profile: pig, perWater: 400, maxVolume: 500, limits: map[string]float64{"BOD5": 80, "NH3-N": 75}}
	d := &demand{p: param.MustLookup("DO"), method: param.MethodDeficit, excess: 2, flow: 10, tempC: 20, background: 7.5}
	cp := d.capacityOf(c, 12, 21.6)
	for _, x := range []struct {
		name      string
		got, want float64
	}{
		{"capacity ratio", cp.capacityRatio, 4.8661915650}, {"permit ratio", cp.loadRatio, 176.5071241092},
		{"required kg/day", cp.requiredKgDay, 39113.0325931856}, {"max kg/day", cp.maxKgDay, 7085.8765236071},
		{"permitted kg/day", cp.permittedKgDay, 183.9272195022},
	} {
		if math.Abs(x.got-x.want) > 1e-6*x.want {
			t.Errorf("%s: %.10g, want %.10g", x.name, x.got, x.want)
		}
	}
	if cp.canCarry {
		t.Error("0.41 mg/L of capacity cannot carry a 2 mg/L deficit")
	}
	if cov, prof := c.covers(d, false); !cov || !prof {
		t.Error("a piggery's BOD5 and NH3-N limits cover a DO deficit")
	}
}

// TestJudge checks the abnormality decision on its own: the baseline when
// the history suffices, else the class standard, else nothing.
func TestJudge(t *testing.T) {
	lo, hi := 3.6, 20.4
	sufficient := baselineOf(12, 1, 5, &lo, &hi)
	short := baselineOf(7, 0.5, 3, nil, nil)
	cod, do := param.MustLookup("COD"), param.MustLookup("DO")
	doC := standardCheck("丙", do, 3.2) // DO ≥ 4.5
	doOK := standardCheck("丙", do, 6.0)
	tests := []struct {
		name    string
		p       param.Parameter
		v       float64
		b       baselineT
		std     *StandardCheck
		verdict Verdict
		excess  float64
	}{
		{"high is abnormal", cod, 25, sufficient, nil, "", 13},
		{"within the range", cod, 19, sufficient, nil, VerdictWithinNormalRange, 0},
		{"low is fine for COD", cod, 1, sufficient, nil, VerdictWithinNormalRange, 0},
		{"low DO is abnormal", do, 3, sufficient, nil, "", 9},
		{"high DO is fine", do, 25, sufficient, nil, VerdictWithinNormalRange, 0},
		{"short history, standard broken", do, 3.2, short, doC, "", 1.3},
		{"short history, standard met", do, 6.0, short, doOK, VerdictWithinNormalRange, 0},
		{"short history, no standard", cod, 400, short, nil, VerdictNotTraceable, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := judge(tc.p, tc.v, tc.b, tc.std)
			if j.verdict != tc.verdict || !near(j.excess, tc.excess) || j.reason == "" {
				t.Fatalf("verdict %q excess %v (%s), want %q %v", j.verdict, j.excess, j.reason, tc.verdict, tc.excess)
			}
		})
	}
}

type baselineT = baseline.Baseline

func baselineOf(median, mad float64, n int, lo, hi *float64) baseline.Baseline {
	return baseline.Baseline{Median: median, MAD: mad, N: n, Lower: lo, Upper: hi}
}

// TestPow10 checks that round's table holds exactly the powers of ten
// math.Pow gives, so that no rounded figure changes.
func TestPow10(t *testing.T) {
	for i, p := range pow10 {
		if want := math.Pow(10, float64(i)); p != want {
			t.Errorf("pow10[%d] = %v, math.Pow gives %v", i, p, want)
		}
	}
}
