package suspect

import "math"

// The score of a suspect is the product of the factors below divided by
// maxScore, so it lies in 0–1. Each factor is one small function with its
// formula, tested with hand-computed values; docs/tracing.md lists them.

// Coverage values: a permit that limits the parameter says the plant
// handles it; an industry profile that lists it says a plant of its kind
// usually does.
const (
	coveragePermit  = 1.0
	coverageProfile = 0.8
)

// coverageFactor is 1 when the permit limits the parameter, 0.8 when only
// the industry profile emits it, 0 when neither (the facility is then not
// a suspect at all).
func coverageFactor(permitCovers, profileCovers bool) float64 {
	switch {
	case permitCovers:
		return coveragePermit
	case profileCovers:
		return coverageProfile
	}
	return 0
}

// loadRatioFactor turns the ratio of required to permitted load into a
// score term, never a gate: 1 up to the permitted load, then
// 1 / (1 + ½·log₁₀ r), so a facility that would need 10× its permit
// (0.667) ranks below one that would need 2.7× (0.823) at the same
// distance, and one that would need 100× keeps half its score. An unknown
// permitted load (ratio 0) leaves the score unchanged.
func loadRatioFactor(ratio float64) float64 {
	if ratio <= 1 {
		return 1
	}
	return 1 / (1 + 0.5*math.Log10(ratio))
}

// historyFactor rewards a compliance history of the same kind: +0.25 per
// reported exceedance of this parameter in the year before the reading
// (at most 4 count) and +0.05 per exceedance of another parameter (at most
// 4).
func historyFactor(sameParam, otherParams int) float64 {
	return 1 + 0.25*float64(min(sameParam, 4)) + 0.05*float64(min(otherParams, 4))
}

// proximityFactor is 1 / (1 + t/24 h): uncertainty grows with the travel
// time t, so a nearer outfall is likelier at equal evidence.
func proximityFactor(travelHours float64) float64 {
	return 1 / (1 + travelHours/24)
}

// Bracketing by upstream stations (see bracket.go).
const (
	// dirtyBelowFactor: a station between the outfall and the reading was
	// already dirty when the water passed it, so the excess entered above
	// it, where this outfall is.
	dirtyBelowFactor = 1.5
	// dirtyAboveFactor: the excess was already present upstream of this
	// outfall.
	dirtyAboveFactor = 0.5
	// clearWeight: a clean sample this close to the centre of its window
	// (weight ≥ ½, within 1.18 σ) clears the outfall outright; one further
	// out only lowers the score by (1 − weight).
	clearWeight = 0.5
)

// cleanFactor is what a clean sample between the outfall and the reading
// leaves of the score: 1 − w, for the sample's weight w (1 at the centre
// of the window, e^(−2) ≈ 0.135 at its edge). Zero means cleared.
func cleanFactor(weight float64) float64 {
	if weight >= clearWeight {
		return 0
	}
	return 1 - weight
}

// maxScore is the largest product of the factors: coverage 1, load ratio
// 1, history 2.2, proximity 1, bracketing 1.5.
const maxScore = 1 * 1 * 2.2 * 1 * 1.5

// score combines the factors into 0–1.
func score(f Factors) float64 {
	return f.Coverage * f.LoadRatio * f.History * f.Proximity * f.Bracketing / maxScore
}
