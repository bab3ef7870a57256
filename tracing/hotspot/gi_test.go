package hotspot

import (
	"math"
	"testing"
)

// esdaPoints is the example of esda's test_getisord.py: six points, y, and
// a distance band of 15.
var (
	esdaUnits = []Unit{{ID: "0", X: 10, Y: 10}, {ID: "1", X: 20, Y: 10}, {ID: "2", X: 40, Y: 10}, {ID: "3", X: 15, Y: 20}, {ID: "4", X: 30, Y: 20}, {ID: "5", X: 30, Y: 30}}
	esdaY     = []float64{2, 3, 3.2, 5, 8, 7}
)

// TestEsdaOracle reproduces esda's published values within 1e-6
// (wave2-reference §4.2, and the arrays in G_Local's docstring).
func TestEsdaOracle(t *testing.T) {
	nb := DistanceBand(esdaUnits, 15)
	tests := []struct {
		name string
		star bool
		wt   Weighting
		want []float64
	}{
		{"Gi binary", false, Binary, []float64{-1.0136729, -0.04361589, 1.31558703, -0.31412676, 1.15373986, 1.77833941}},
		{"Gi* binary", true, Binary, []float64{-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331}},
		{"Gi row-standardised", false, RowStandardised, []float64{-0.62074534, -0.01780611, 1.31558703, -0.12824171, 0.28843496, 1.77833941}},
		{"Gi* row-standardised", true, RowStandardised, []float64{-0.62488094, -0.09144599, 0.41150696, -0.09144599, 0.24690418, 1.28024388}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := GiZ(esdaY, nb, tc.star, tc.wt)
			for i := range z {
				if math.Abs(z[i]-tc.want[i]) > 1e-6 {
					t.Errorf("z[%d] = %.8f, want %.8f", i, z[i], tc.want[i])
				}
			}
		})
	}
	g := GlobalG(esdaY, nb)
	if math.Abs(g.G-0.55709779) > 1e-6 || math.Abs(g.PNorm-0.172936) > 1e-6 {
		t.Errorf("global G = %.8f p_norm = %.6f, want 0.55709779 and 0.172936", g.G, g.PNorm)
	}
}

// TestBH checks Benjamini–Hochberg against a hand-computed case: with
// m = 8 and α = 0.05 the thresholds k·α/m are 0.00625, 0.0125, 0.01875,
// 0.025, ...; the sorted p-values 0.001, 0.008, 0.039, 0.041, 0.042,
// 0.06, 0.074, 0.205 pass at ranks 1 and 2 only (0.039 > 0.01875 and no
// later p_(k) ≤ k·α/m: 0.041 > 0.025, 0.042 > 0.03125, 0.06 > 0.0375,
// 0.074 > 0.04375, 0.205 > 0.05), so k = 2 although four p-values are
// below 0.05.
func TestBH(t *testing.T) {
	p := []float64{0.039, 0.001, 0.205, 0.041, 0.008, 0.06, 0.042, 0.074}
	got := BH(p, 0.05)
	want := []bool{false, true, false, false, true, false, false, false}
	for i := range p {
		if got[i] != want[i] {
			t.Fatalf("BH kept %v, want %v", got, want)
		}
	}
	// A later p-value under its threshold rescues the earlier ones: with
	// 0.01, 0.02, 0.03 and m = 3 every test passes (0.03 ≤ 3·0.05/3).
	if got := BH([]float64{0.03, 0.01, 0.02}, 0.05); !(got[0] && got[1] && got[2]) {
		t.Fatalf("step-up failed: %v", got)
	}
	if got := BH([]float64{math.NaN(), 0.001}, 0.05); got[0] || !got[1] {
		t.Fatalf("NaN handling: %v", got)
	}
}

func TestDefaultBand(t *testing.T) {
	// The farthest nearest neighbour is (40,10) to (30,20): √200.
	if got := DefaultBand(esdaUnits); math.Abs(got-math.Sqrt(200)) > 1e-12 {
		t.Fatalf("default band %v", got)
	}
}
