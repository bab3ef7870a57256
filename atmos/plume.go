package atmos

import "math"

// BriggsSigmas returns Briggs' rural dispersion coefficients σy and σz
// (metres) at downwind distance x (metres) for a stability class (Briggs
// 1973, as tabulated by Hanna, Briggs and Hosker 1982):
//
//	class  σy                      σz
//	A      0.22x(1+0.0001x)^−½     0.20x
//	B      0.16x(1+0.0001x)^−½     0.12x
//	C      0.11x(1+0.0001x)^−½     0.08x(1+0.0002x)^−½
//	D      0.08x(1+0.0001x)^−½     0.06x(1+0.0015x)^−½
//	E      0.06x(1+0.0001x)^−½     0.03x(1+0.0003x)^−1
//	F      0.04x(1+0.0001x)^−½     0.016x(1+0.0003x)^−1
//
// A non-positive x gives zeros.
func BriggsSigmas(class Stability, x float64) (sy, sz float64) {
	if x <= 0 {
		return 0, 0
	}
	ry := 1 / math.Sqrt(1+0.0001*x)
	switch class {
	case ClassA:
		return 0.22 * x * ry, 0.20 * x
	case ClassB:
		return 0.16 * x * ry, 0.12 * x
	case ClassC:
		return 0.11 * x * ry, 0.08 * x / math.Sqrt(1+0.0002*x)
	case ClassE:
		return 0.06 * x * ry, 0.03 * x / (1 + 0.0003*x)
	case ClassF:
		return 0.04 * x * ry, 0.016 * x / (1 + 0.0003*x)
	}
	return 0.08 * x * ry, 0.06 * x / math.Sqrt(1+0.0015*x)
}

// MinPlumeSpeed floors the wind speed in the plume formula, which divides
// by it: below about 1 m/s a steady plume is not a valid model, and
// dividing by a calm's 0.2 m/s would make concentrations explode.
const MinPlumeSpeed = 1.0

// Plume is the steady-state Gaussian plume with ground reflection from one
// point source (see the package documentation).
type Plume struct {
	// HeightM is the effective release height H (stack plus rise), metres.
	HeightM float64
	// ReceptorM is the receptor height z, metres (1.5 m: a nose).
	ReceptorM float64
}

// Geometry splits the offset (dx, dy) from source to receptor into the
// downwind distance x and the crosswind distance y for a wind blowing from
// fromDeg.
func Geometry(dx, dy, fromDeg float64) (x, y float64) {
	// The unit vector the air moves along.
	s, c := math.Sincos((fromDeg + 180) * math.Pi / 180)
	return dx*s + dy*c, -dx*c + dy*s
}

// Concentration returns the concentration at a receptor offset (dx, dy)
// metres from a source emitting q per second (g/s gives g/m³, odour units
// per second give OU/m³), under wind w with stability class.
//
// σy is widened for the uncertainty of the wind direction:
// σy² = σy,Briggs(x)² + (x·sin spreadDeg)², so that a direction known only
// to ±spreadDeg spreads the plume over the corresponding sector. A receptor
// upwind of the source (x ≤ 0) or a calm wind gives 0.
func (p Plume) Concentration(q, dx, dy float64, w Sample, class Stability, spreadDeg float64) float64 {
	if w.Calm {
		return 0
	}
	x, y := Geometry(dx, dy, w.FromDirection())
	return p.at(q, x, y, w, class, spreadDeg)
}

// Centreline is the concentration on the plume's axis at downwind distance
// x, the same formula with y = 0: the reference a crosswind receptor is
// compared with.
func (p Plume) Centreline(q, x float64, w Sample, class Stability, spreadDeg float64) float64 {
	if w.Calm {
		return 0
	}
	return p.at(q, x, 0, w, class, spreadDeg)
}

// at evaluates the plume at downwind x and crosswind y.
func (p Plume) at(q, x, y float64, w Sample, class Stability, spreadDeg float64) float64 {
	if x <= 0 {
		return 0
	}
	sy, sz := BriggsSigmas(class, x)
	sy = math.Hypot(sy, x*math.Sin(math.Min(spreadDeg, 89)*math.Pi/180))
	u := math.Max(w.Speed, MinPlumeSpeed)
	return q / (2 * math.Pi * u * sy * sz) * math.Exp(-y*y/(2*sy*sy)) * p.vertical(sz)
}

// vertical is the reflected vertical Gaussian term at the receptor height.
func (p Plume) vertical(sz float64) float64 {
	a := p.ReceptorM - p.HeightM
	b := p.ReceptorM + p.HeightM
	return math.Exp(-a*a/(2*sz*sz)) + math.Exp(-b*b/(2*sz*sz))
}

// Ratio is Concentration over Centreline at refX for the same source,
// wind, class and spread: the source strength and the wind speed cancel,
// leaving how much of a reference plume's strength at refX reaches the
// receptor. It is what attribution compares, since no source strength is
// known.
func (p Plume) Ratio(dx, dy float64, w Sample, class Stability, spreadDeg, refX float64) float64 {
	if w.Calm {
		return 0
	}
	x, y := Geometry(dx, dy, w.FromDirection())
	ref := p.at(1, refX, 0, w, class, spreadDeg)
	if x <= 0 || ref <= 0 {
		return 0
	}
	return p.at(1, x, y, w, class, spreadDeg) / ref
}
