package crs

import "math"

// ellipsoid describes a reference ellipsoid by its semi-major axis a (m) and
// flattening f.
type ellipsoid struct {
	a, f float64
}

// grs80 is the ellipsoid of TWD97 and NAD83. WGS84 differs from it by 0.1 mm
// in the semi-minor axis, which is far below anything this package cares
// about, so geographic WGS84 and NAD83/TWD97 coordinates are used as-is.
var grs80 = ellipsoid{a: 6378137, f: 1 / 298.257222101}

// order of the Krüger series. Six terms give errors of a few nanometres
// within the usable width of a Transverse Mercator zone (Karney 2011).
const order = 6

// transverseMercator holds the precomputed constants of one Transverse
// Mercator projection, so that each point costs only trigonometry.
type transverseMercator struct {
	lon0   float64 // central meridian, radians
	k0     float64 // scale factor on the central meridian
	fe, fn float64 // false easting / northing, metres
	e      float64 // first eccentricity
	e2m    float64 // 1 - e²
	kA     float64 // k0 × rectifying radius A
	alpha  [order + 1]float64
	beta   [order + 1]float64
}

// newTransverseMercator prepares the Krüger n-series for one ellipsoid and
// set of projection parameters (lon0 in degrees).
func newTransverseMercator(el ellipsoid, lon0Deg, k0, fe, fn float64) *transverseMercator {
	f := el.f
	n := f / (2 - f)
	n2 := n * n
	n3 := n2 * n
	n4 := n3 * n
	n5 := n4 * n
	n6 := n5 * n
	e2 := f * (2 - f)
	tm := &transverseMercator{
		lon0: lon0Deg * math.Pi / 180,
		k0:   k0,
		fe:   fe,
		fn:   fn,
		e:    math.Sqrt(e2),
		e2m:  1 - e2,
	}
	// Rectifying radius: the meridian arc length from the equator to the
	// pole is A·π/2.
	A := el.a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	tm.kA = k0 * A

	// Krüger/Karney coefficients for conformal-sphere to ellipsoid (alpha)
	// and back (beta), expanded to sixth order in the third flattening n.
	tm.alpha[1] = n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800
	tm.alpha[2] = 13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360
	tm.alpha[3] = 61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440
	tm.alpha[4] = 49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600
	tm.alpha[5] = 34729*n5/80640 - 3418889*n6/1995840
	tm.alpha[6] = 212378941 * n6 / 319334400

	tm.beta[1] = n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800
	tm.beta[2] = n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720
	tm.beta[3] = 17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720
	tm.beta[4] = 4397*n4/161280 - 11*n5/504 - 830251*n6/7257600
	tm.beta[5] = 4583*n5/161280 - 108847*n6/3991680
	tm.beta[6] = 20648693 * n6 / 638668800
	return tm
}

// krugerSum returns Σ c[j]·sin(2jξ)·cosh(2jη) and Σ c[j]·cos(2jξ)·sinh(2jη)
// for j = 1..order, generating the multiple angles by recurrence instead of
// calling the trigonometric functions 4·order times.
func krugerSum(c *[order + 1]float64, xi, eta float64) (sx, sy float64) {
	s1, c1 := math.Sincos(2 * xi)
	sh1, ch1 := math.Sinh(2*eta), math.Cosh(2*eta)
	// j-1 and j terms of sin/cos(2jξ) and sinh/cosh(2jη).
	sPrev, cPrev := 0.0, 1.0
	shPrev, chPrev := 0.0, 1.0
	s, cc := s1, c1
	sh, ch := sh1, ch1
	for j := 1; j <= order; j++ {
		sx += c[j] * s * ch
		sy += c[j] * cc * sh
		s, sPrev = 2*c1*s-sPrev, s
		cc, cPrev = 2*c1*cc-cPrev, cc
		sh, shPrev = 2*ch1*sh-shPrev, sh
		ch, chPrev = 2*ch1*ch-chPrev, ch
	}
	return sx, sy
}

// forward projects geodetic longitude/latitude (degrees) to easting/northing
// (metres).
func (tm *transverseMercator) forward(lonDeg, latDeg float64) (x, y float64) {
	phi := latDeg * math.Pi / 180
	lam := remainderLon(lonDeg*math.Pi/180 - tm.lon0)

	// Conformal latitude, through its tangent τ' (Karney eq. 7), which
	// stays well conditioned near the poles.
	tau := math.Tan(phi)
	if math.Abs(latDeg) == 90 {
		tau = math.Copysign(math.Inf(1), latDeg)
	}
	var tauP float64
	if math.IsInf(tau, 0) {
		tauP = tau
	} else {
		sig := math.Sinh(tm.e * math.Atanh(tm.e*tau/math.Hypot(1, tau)))
		tauP = tau*math.Hypot(1, sig) - sig*math.Hypot(1, tau)
	}

	sl, cl := math.Sincos(lam)
	var xiP, etaP float64
	if math.IsInf(tauP, 0) {
		xiP = math.Copysign(math.Pi/2, tauP)
		etaP = 0
	} else {
		xiP = math.Atan2(tauP, cl)
		etaP = math.Asinh(sl / math.Hypot(tauP, cl))
	}
	sx, sy := krugerSum(&tm.alpha, xiP, etaP)
	xi := xiP + sx
	eta := etaP + sy
	return tm.fe + tm.kA*eta, tm.fn + tm.kA*xi
}

// inverse converts easting/northing (metres) back to geodetic
// longitude/latitude (degrees).
func (tm *transverseMercator) inverse(x, y float64) (lonDeg, latDeg float64) {
	xi := (y - tm.fn) / tm.kA
	eta := (x - tm.fe) / tm.kA
	sx, sy := krugerSum(&tm.beta, xi, eta)
	xiP := xi - sx
	etaP := eta - sy

	sxi, cxi := math.Sincos(xiP)
	sheta := math.Sinh(etaP)
	tauP := sxi / math.Hypot(sheta, cxi)
	lam := math.Atan2(sheta, cxi)

	tau := tm.tauFromConformal(tauP)
	phi := math.Atan(tau)
	lon := remainderLon(lam+tm.lon0) * 180 / math.Pi
	return lon, phi * 180 / math.Pi
}

// tauFromConformal solves τ'(τ) = tauP for the tangent of the geodetic
// latitude with Newton's method (Karney 2011, eqs. 19–21); it converges to
// machine precision in two or three steps.
func (tm *transverseMercator) tauFromConformal(tauP float64) float64 {
	if math.IsInf(tauP, 0) || math.IsNaN(tauP) {
		return tauP
	}
	tau := tauP / tm.e2m // good first guess
	for i := 0; i < 10; i++ {
		s1 := math.Hypot(1, tau)
		sig := math.Sinh(tm.e * math.Atanh(tm.e*tau/s1))
		tauI := tau*math.Hypot(1, sig) - sig*s1
		d := (tauP - tauI) / math.Hypot(1, tauI) * (1 + tm.e2m*tau*tau) / (tm.e2m * s1)
		tau += d
		if math.Abs(d) <= 1e-15*math.Max(1, math.Abs(tau)) {
			break
		}
	}
	return tau
}

// remainderLon reduces an angle in radians to [-π, π].
func remainderLon(a float64) float64 {
	if a >= -math.Pi && a <= math.Pi {
		return a
	}
	return math.Remainder(a, 2*math.Pi)
}
