package hotspot

import (
	"math"
	"testing"
)

// TestMannKendallEsdaCases are esda's test_emerging cases, plus one value
// computed by hand: for 1..5, S = 10, Var S = 5·4·15/18 = 16.667, z =
// (10 − 1)/4.0825 = 2.2045, p = 0.0275.
func TestMannKendallEsdaCases(t *testing.T) {
	z, p := MannKendall([]float64{1, 2, 3, 4, 5})
	if math.Abs(z-9/math.Sqrt(50.0/3)) > 1e-12 || math.Abs(p-0.027486) > 1e-6 {
		t.Fatalf("increasing: z=%v p=%v", z, p)
	}
	if z, p := MannKendall([]float64{5, 4, 3, 2, 1}); !(z < 0 && p < 0.05) {
		t.Fatalf("decreasing: z=%v p=%v", z, p)
	}
	if z, p := MannKendall([]float64{1, 1, 1, 1}); !(math.Abs(z) < 0.1 && p > 0.05) {
		t.Fatalf("no trend: z=%v p=%v", z, p)
	}
	if z, p := MannKendall([]float64{1, 2}); !math.IsNaN(z) || !math.IsNaN(p) {
		t.Fatalf("short series: z=%v p=%v", z, p)
	}
}

// TestClassify walks hand-made significance histories through the
// ArcGIS rules (H hot, C cold, . not significant; 10 steps).
func TestClassify(t *testing.T) {
	tests := []struct {
		hist     string
		mkZ, mkP float64
		want     string
	}{
		{"........H", 0, 1, "new hot spot"},
		{"......HHH", 0, 1, "consecutive hot spot"},
		{"HHHHHHHHHH", 3, 0.001, "intensifying hot spot"},
		{"HHHHHHHHHH", 0.2, 0.8, "persistent hot spot"},
		{".HHHHHHHHHH", -3, 0.001, "diminishing hot spot"},
		{"H..H...H.H", 0, 1, "sporadic hot spot"},
		{"C....H...H", 0, 1, "oscillating hot spot"},
		{"HHHHHHHHHHHHHHHHHHH.", 0, 1, "historical hot spot"},
		{"....CC", 0, 1, "consecutive cold spot"},
		{"..........", 0, 1, "no pattern"},
		{"H.........", 0, 1, "no pattern"},
	}
	for _, tc := range tests {
		t.Run(tc.hist, func(t *testing.T) {
			z := make([]float64, len(tc.hist))
			sig := make([]bool, len(tc.hist))
			for i, c := range tc.hist {
				switch c {
				case 'H':
					z[i], sig[i] = 3, true
				case 'C':
					z[i], sig[i] = -3, true
				}
			}
			if got := Classify(z, sig, tc.mkZ, tc.mkP, 0.05).String(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEmergingByHand is an end-to-end case checked by hand: a 5×5 lattice
// (rook neighbours, band 1) with one event per cell in every step (no
// variance: z is undefined and nothing is significant), and in the final
// step ten events in the centre cell (12) and its four neighbours. Then
// Σy = 70, ȳ = 2.8, s² = 520/25 − 2.8² = 12.96 (s = 3.6). The centre's
// Gi* sums its 5-cell neighbourhood, 50: z = (50 − 2.8·5) / (3.6·√((25·5 −
// 25)/24)) = 36/7.34847 = 4.8990, p = 9.6·10⁻⁷. Its neighbour cell 7 sums
// 10+1+1+1+10 = 23: z = 9/7.34847 = 1.2247, p = 0.22. Under BH over 25
// units only the centre passes (9.6·10⁻⁷ ≤ 0.05/25, and the next p, 0.22,
// exceeds 2·0.05/25), so the centre is a new hot spot and nothing else has
// a pattern.
func TestEmergingByHand(t *testing.T) {
	var units []Unit
	for r := range 5 {
		for c := range 5 {
			units = append(units, Unit{X: float64(c), Y: float64(r)})
		}
	}
	nb := DistanceBand(units, 1)
	y := make([][]float64, 6)
	for s := range y {
		y[s] = make([]float64, 25)
		for i := range y[s] {
			y[s][i] = 1
		}
	}
	for _, i := range []int{12, 7, 11, 13, 17} {
		y[5][i] = 10
	}
	e := EmergingHotSpots(y, nb, 0.05)
	if z := e.Z[5][12]; math.Abs(z-36/7.348469228) > 1e-6 {
		t.Fatalf("centre z = %v, want 4.8990", z)
	}
	if z := e.Z[5][7]; math.Abs(z-9/7.348469228) > 1e-6 {
		t.Fatalf("cell 7 z = %v, want 1.2247", z)
	}
	for i, c := range e.Class {
		want := NoPattern
		if i == 12 {
			want = New
		}
		if c.Pattern != want {
			t.Fatalf("unit %d classed %v, want %v", i, c, want)
		}
	}
	if e.Class[12].Kind != "hot" {
		t.Fatalf("centre is a %s spot", e.Class[12].Kind)
	}
}
