// Package hotspot finds where and when events cluster: Getis–Ord Gi and
// Gi* with binary distance-band weights and Benjamini–Hochberg control of
// the false discovery rate, emerging hot spot classes from Mann–Kendall
// trends of Gi* over time steps, and Kulldorff's space-time permutation
// scan for case-only data. It works on spatial units (points, areas by
// their centroids, or hexagons) in a projected CRS in metres; what the
// events are (sensor exceedances, violations, petitions) is the caller's.
//
// The formulas follow esda (PySAL) so that its published test values are
// reproduced exactly: see GiZ and GlobalG.
package hotspot

import (
	"errors"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/spatial"
)

// Unit is one spatial unit: a point, an area's centroid or a hexagon's
// centre, in metres.
type Unit struct {
	ID   string  `json:"id"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	Name string  `json:"name,omitempty"`
}

// ErrTooFew is returned when fewer than three units or time steps leave
// nothing to test.
var ErrTooFew = errors.New("hotspot: fewer than three units")

// DistanceBand returns binary distance-band neighbours: j is a neighbour of
// i when their distance is at most band (i itself excluded), as libpysal's
// DistanceBand builds them.
func DistanceBand(units []Unit, band float64) [][]int {
	pts := make([]orb.Point, len(units))
	for i, u := range units {
		pts[i] = orb.Point{u.X, u.Y}
	}
	ix := spatial.NewPointIndex(pts)
	out := make([][]int, len(units))
	for i := range units {
		for _, j := range ix.Within(pts[i], band) {
			if j != i {
				out[i] = append(out[i], j)
			}
		}
	}
	return out
}

// DefaultBand is the smallest distance band that gives every unit at least
// one neighbour (the largest nearest-neighbour distance), the default
// ArcGIS's hot spot analysis documents.
func DefaultBand(units []Unit) float64 {
	pts := make([]orb.Point, len(units))
	for i, u := range units {
		pts[i] = orb.Point{u.X, u.Y}
	}
	worst := 0.0
	for i, p := range pts {
		best := math.Inf(1)
		for j, q := range pts {
			if j != i {
				best = math.Min(best, math.Hypot(p[0]-q[0], p[1]-q[1]))
			}
		}
		if !math.IsInf(best, 1) {
			worst = math.Max(worst, best)
		}
	}
	return worst
}

// Weighting selects binary or row-standardised weights.
type Weighting int

// The weightings.
const (
	Binary Weighting = iota
	RowStandardised
)

// GiZ returns the local G z-scores of y (esda's G_Local.Zs). With star the
// unit itself is in its own neighbourhood (Gi*, self-weight 1 before any
// row standardisation); without it the unit is left out of its own sums
// and of the mean and variance it is compared with (Gi).
//
//	G_i = Σ_j w_ij y_j / (Σy − y_i·[not star])
//	E[G_i] = W_i / N,  Var[G_i] = W_i (N − W_i) / (N − 1) / N² · s²/ȳ²
//
// where N is n (star) or n − 1, W_i the row sum of the weights, and ȳ and
// s² the mean and variance over the N values considered.
func GiZ(y []float64, nb [][]int, star bool, wt Weighting) []float64 {
	n := len(y)
	sum, sum2 := 0.0, 0.0
	for _, v := range y {
		sum += v
		sum2 += v * v
	}
	remove := 1.0
	N := float64(n) - 1
	if star {
		remove, N = 0, float64(n)
	}
	z := make([]float64, n)
	for i := range y {
		ws, wsum := rowWeights(i, nb[i], star, wt)
		lag := 0.0
		for k, j := range ws {
			lag += wsum[k] * y[j]
		}
		card := 0.0
		for _, w := range wsum {
			card += w
		}
		stat := lag / (sum - y[i]*remove)
		mean := (sum - y[i]*remove) / N
		meanSq := (sum2 - y[i]*y[i]*remove) / N
		variance := meanSq - mean*mean
		ev := card / N
		vv := card * (N - card) / (N - 1) / (N * N) * variance / (mean * mean)
		z[i] = (stat - ev) / math.Sqrt(vv)
	}
	return z
}

// rowWeights lists unit i's neighbourhood (itself first under star) and
// the weight of each.
func rowWeights(i int, nb []int, star bool, wt Weighting) ([]int, []float64) {
	idx := append([]int(nil), nb...)
	if star {
		idx = append([]int{i}, idx...)
	}
	w := make([]float64, len(idx))
	for k := range w {
		w[k] = 1
		if wt == RowStandardised {
			w[k] = 1 / float64(len(idx))
		}
	}
	return idx, w
}

// GiStarTest is the hot spot test of the values y over the neighbourhoods
// nb: Gi* z-scores with binary weights, their two-sided p-values, and which
// of them are significant under a Benjamini–Hochberg false discovery rate
// of alpha. Undefined z-scores (no variance) give NaN p-values that are
// never significant.
func GiStarTest(y []float64, nb [][]int, alpha float64) (z, p []float64, significant []bool) {
	z = GiZ(y, nb, true, Binary)
	p = make([]float64, len(z))
	for i := range z {
		p[i] = TwoSided(z[i])
	}
	return z, p, BH(p, alpha)
}

// TwoSided is the two-sided normal p-value of z, 2·(1 − Φ(|z|)).
func TwoSided(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// BH applies the Benjamini–Hochberg procedure at level alpha: it keeps the
// tests of rank ≤ k, k the largest rank with p_(k) ≤ k·alpha/m. NaN
// p-values are never kept and do not count in m.
func BH(p []float64, alpha float64) []bool {
	var order []int
	for i, v := range p {
		if !math.IsNaN(v) {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] < p[order[b]] })
	m := float64(len(order))
	k := 0
	for r, i := range order {
		if p[i] <= float64(r+1)/m*alpha {
			k = r + 1
		}
	}
	keep := make([]bool, len(p))
	for _, i := range order[:k] {
		keep[i] = true
	}
	return keep
}

// Global is the general G statistic with its normal-approximation test.
type Global struct {
	G, EG, VG, Z float64
	// PNorm is one-sided, 1 − Φ(|z|), as esda reports it.
	PNorm float64
}

// GlobalG computes Getis and Ord's general G with binary weights and its
// moments under normality (esda's G; Getis & Ord 1992).
func GlobalG(y []float64, nb [][]int) Global {
	n := float64(len(y))
	var s0, s1, s2 float64
	for i := range nb {
		k := float64(len(nb[i]))
		s0 += k
		s1 += 4 * k / 2 // ½ Σ (w_ij + w_ji)² with symmetric binary weights
		s2 += (2 * k) * (2 * k)
	}
	var sy, sy2, sy3, sy4 float64
	for _, v := range y {
		sy += v
		sy2 += v * v
		sy3 += v * v * v
		sy4 += v * v * v * v
	}
	num := 0.0
	for i := range y {
		for _, j := range nb[i] {
			num += y[i] * y[j]
		}
	}
	g := Global{G: num / (sy*sy - sy2), EG: s0 / (n * (n - 1))}
	n2, s02 := n*n, s0*s0
	b0 := (n2-3*n+3)*s1 - n*s2 + 3*s02
	b1 := -((n2-n)*s1 - 2*n*s2 + 6*s02)
	b2 := -(2*n*s1 - (n+3)*s2 + 6*s02)
	b3 := 4*(n-1)*s1 - 2*(n+1)*s2 + 8*s02
	b4 := s1 - s2 + s02
	eg2 := b0*sy2*sy2 + b1*sy4 + b2*sy*sy*sy2 + b3*sy*sy3 + b4*sy*sy*sy*sy
	eg2 /= (sy*sy - sy2) * (sy*sy - sy2) * n * (n - 1) * (n - 2) * (n - 3)
	g.VG = eg2 - g.EG*g.EG
	g.Z = (g.G - g.EG) / math.Sqrt(g.VG)
	g.PNorm = 0.5 * math.Erfc(math.Abs(g.Z)/math.Sqrt2)
	return g
}
