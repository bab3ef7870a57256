package oxygen

import (
	"math"
	"testing"
)

// The expected values below were worked out with a calculator from the
// formulas in the package doc; each comment shows the arithmetic.
func TestModel(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		// 3.93 × √0.6 / 1^1.5 = 3.93 × 0.774597 = 3.044165
		{"O'Connor–Dobbins u 0.6 m/s, H 1 m", Reaeration20(0.6, 1), 3.0441649101},
		// 3.93 × √0.4 / 0.5^1.5 = 3.93 × 0.632456 / 0.353553 = 7.030198
		{"O'Connor–Dobbins u 0.4 m/s, H 0.5 m", Reaeration20(0.4, 0.5), 7.0301977213},
		// 0.3 × 10^0.4 = 0.3 × 2.511886 = 0.753566
		{"depth at 10 m³/s", DefaultDepth(10), 0.7535659295},
		{"depth clamped low", DefaultDepth(0.01), 0.3},
		{"depth clamped high", DefaultDepth(1e4), 5},
		// 0.23 × 1.047^5 = 0.23 × 1.258153 = 0.289375
		{"k1 at 25 °C", AtTemperature(0.23, 1.047, 25), 0.2893751573},
		{"unknown temperature keeps k20", AtTemperature(0.23, 1.047, math.NaN()), 0.23},
		// 30 / (1 − e^−1.15) = 30 / 0.683363 = 43.900518
		{"BODu of BOD5 30", UltimateBOD(30, 0.23), 43.9005182833},
		// 0.23/(2 − 0.23) × (e^−0.115 − e^−1) = 0.129944 × (0.891366 − 0.367879) = 0.068024
		{"sag k1 0.23 ka 2 after half a day", Sag(0.23, 2, 0.5), 0.0680236958},
		// k = ka: 0.23 × 2 × e^−0.46 = 0.46 × 0.631284 = 0.290390
		{"sag with k = ka", Sag(0.23, 0.23, 2), 0.2903904769},
		{"no travel, no sag", Sag(0.23, 2, 0), 0},
		// 0.01 × (100 × 0.068024 + 4.57 × 20 × 0.086970 + 8 × e^−1)
		// = 0.01 × (6.80237 + 7.94903 + 2.94304) = 0.176944
		{"deficit of a mixed wastewater", Deficit(Demand{CBODu: 100, NH3N: 20, Anoxic: 8}, 0.01, Rates{K1: 0.23, Kn: 0.3, Ka: 2}, 0.5), 0.1769443949},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if math.Abs(tc.got-tc.want) > 1e-9*math.Max(1, math.Abs(tc.want)) {
				t.Fatalf("got %.10g, want %.10g", tc.got, tc.want)
			}
		})
	}
}

// TestSagPeaksDownstream: the deficit of a demand grows, peaks at the
// critical time t_c = ln(ka/k1)/(ka − k1), then recovers.
func TestSagPeaksDownstream(t *testing.T) {
	k1, ka := 0.23, 2.0
	tc := math.Log(ka/k1) / (ka - k1) // 1.2222 days
	peak := Sag(k1, ka, tc)
	for _, d := range []float64{0.2, 0.8, 1.0, 1.5, 3, 6} {
		if Sag(k1, ka, d) > peak+1e-12 {
			t.Errorf("sag at %v d = %v exceeds the critical deficit %v", d, Sag(k1, ka, d), peak)
		}
	}
	if !(Sag(k1, ka, 0.2) < peak && Sag(k1, ka, 6) < peak) {
		t.Error("no peak")
	}
}
