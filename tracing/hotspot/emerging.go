package hotspot

import (
	"math"
)

// MannKendall is the Mann–Kendall trend test as esda's emerging module
// computes it: S = Σ_{i<j} sign(x_j − x_i), its variance with the tie
// correction, the continuity-corrected z and the two-sided normal p. A
// series shorter than 3 gives NaN for both.
func MannKendall(x []float64) (z, p float64) {
	n := len(x)
	if n < 3 {
		return math.NaN(), math.NaN()
	}
	s := 0.0
	for i := 0; i < n-1; i++ {
		for j := i + 1; j < n; j++ {
			s += sign(x[j] - x[i])
		}
	}
	fn := float64(n)
	v := fn * (fn - 1) * (2*fn + 5)
	ties := map[float64]float64{}
	for _, a := range x {
		ties[a]++
	}
	for _, t := range ties {
		v -= t * (t - 1) * (2*t + 5)
	}
	v /= 18
	switch {
	case s > 0:
		z = (s - 1) / math.Sqrt(v)
	case s < 0:
		z = (s + 1) / math.Sqrt(v)
	}
	return z, TwoSided(z)
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// Pattern is an emerging hot spot class (ArcGIS's definitions).
type Pattern string

// The patterns. Each hot class has its cold mirror.
const (
	NoPattern    Pattern = "no pattern"
	New          Pattern = "new"
	Consecutive  Pattern = "consecutive"
	Intensifying Pattern = "intensifying"
	Persistent   Pattern = "persistent"
	Diminishing  Pattern = "diminishing"
	Sporadic     Pattern = "sporadic"
	Oscillating  Pattern = "oscillating"
	Historical   Pattern = "historical"
)

// Class is a unit's emerging hot spot class: the pattern and whether it
// is about hot or cold spots.
type Class struct {
	Pattern Pattern `json:"pattern"`
	// Kind is "hot", "cold" or "" for no pattern.
	Kind string `json:"kind,omitempty"`
}

// String names the class as ArcGIS does ("intensifying hot spot").
func (c Class) String() string {
	if c.Pattern == NoPattern {
		return string(NoPattern)
	}
	return string(c.Pattern) + " " + c.Kind + " spot"
}

// Classify assigns the emerging hot spot class of one unit from its Gi*
// z-scores per time step, which steps were significant (after FDR), and
// the Mann–Kendall trend of the z-scores, at level alpha. The rules are
// ArcGIS's (Emerging Hot Spot Analysis, "how it works"), with a share of
// 90 % of the steps, for hot spots (cold spots mirror them):
//
//   - new: hot in the final step and never before;
//   - consecutive: a single run of ≥ 2 hot steps ending with the final
//     step, never hot before the run, and hot in < 90 % of the steps;
//   - intensifying / diminishing: hot in ≥ 90 % of the steps including the
//     final one, with a significant increasing / decreasing trend;
//   - persistent: hot in ≥ 90 % of the steps including the final one,
//     with no significant trend;
//   - sporadic: hot in the final step and on and off before, in < 90 % of
//     the steps, never cold;
//   - oscillating: hot in the final step, in < 90 % of the steps, and cold
//     in some earlier step;
//   - historical: not hot in the final step but hot in ≥ 90 % of the steps.
func Classify(z []float64, sig []bool, mkZ, mkP, alpha float64) Class {
	if c := classifySide(z, sig, mkZ, mkP, alpha, 1); c != NoPattern {
		return Class{Pattern: c, Kind: "hot"}
	}
	if c := classifySide(z, sig, mkZ, mkP, alpha, -1); c != NoPattern {
		return Class{Pattern: c, Kind: "cold"}
	}
	return Class{Pattern: NoPattern}
}

// classifySide applies the rules for hot spots (dir = 1) or cold spots
// (dir = −1, where "increasing" means ever colder).
func classifySide(z []float64, sig []bool, mkZ, mkP, alpha float64, dir float64) Pattern {
	n := len(z)
	if n == 0 {
		return NoPattern
	}
	on := make([]bool, n)
	opposite := false
	count := 0
	for t := range z {
		on[t] = sig[t] && z[t]*dir > 0
		if on[t] {
			count++
		}
		if sig[t] && z[t]*dir < 0 {
			opposite = true
		}
	}
	share := float64(count) / float64(n)
	trend := !math.IsNaN(mkP) && mkP < alpha
	final := on[n-1]
	switch {
	case !final && share >= 0.9:
		return Historical
	case !final:
		return NoPattern
	case count == 1:
		return New
	case share >= 0.9 && trend && mkZ*dir > 0:
		return Intensifying
	case share >= 0.9 && trend && mkZ*dir < 0:
		return Diminishing
	case share >= 0.9:
		return Persistent
	}
	run := 0
	for t := n - 1; t >= 0 && on[t]; t-- {
		run++
	}
	if run >= 2 && run == count {
		return Consecutive
	}
	if opposite {
		return Oscillating
	}
	return Sporadic
}

// Emerging is the emerging hot spot analysis of one series of counts per
// unit and time step: Gi* (binary weights) per step, BH at alpha within
// each step, Mann–Kendall on each unit's z-scores, then Classify.
type Emerging struct {
	Z     [][]float64 `json:"-"` // [step][unit]
	Sig   [][]bool    `json:"-"` // [step][unit]
	MKZ   []float64   `json:"-"`
	MKP   []float64   `json:"-"`
	Class []Class     `json:"-"`
}

// EmergingHotSpots runs the analysis on y[step][unit] with neighbours nb.
// A step whose values are all equal gives z = NaN (no variance) and no
// significant unit.
func EmergingHotSpots(y [][]float64, nb [][]int, alpha float64) *Emerging {
	e := &Emerging{}
	for _, yt := range y {
		z := GiZ(yt, nb, true, Binary)
		p := make([]float64, len(z))
		for i := range z {
			p[i] = TwoSided(z[i])
		}
		e.Z = append(e.Z, z)
		e.Sig = append(e.Sig, BH(p, alpha))
	}
	units := 0
	if len(y) > 0 {
		units = len(y[0])
	}
	for i := range units {
		series := make([]float64, 0, len(y))
		zs := make([]float64, len(y))
		sig := make([]bool, len(y))
		for t := range y {
			zs[t], sig[t] = e.Z[t][i], e.Sig[t][i]
			if !math.IsNaN(zs[t]) {
				series = append(series, zs[t])
			}
		}
		mz, mp := MannKendall(series)
		e.MKZ = append(e.MKZ, mz)
		e.MKP = append(e.MKP, mp)
		e.Class = append(e.Class, Classify(zs, sig, mz, mp, alpha))
	}
	return e
}
