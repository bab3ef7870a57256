package atmos

import (
	"math"
	"time"
)

// Stability is a Pasquill–Gifford stability class, A (very unstable) to F
// (stable).
type Stability byte

// The classes.
const (
	ClassA Stability = 'A'
	ClassB Stability = 'B'
	ClassC Stability = 'C'
	ClassD Stability = 'D'
	ClassE Stability = 'E'
	ClassF Stability = 'F'
)

// String returns the class letter.
func (s Stability) String() string { return string(s) }

// StabilityClass is the screening estimate of the Pasquill–Gifford class
// from the 10 m wind speed and whether the sun is up at the place (Turner's
// table without cloud observations): by day moderate insolation is
// assumed, at night a clear sky (at most 3/8 cloud), and where the table
// gives two classes (A–B, B–C, C–D) the more stable one is taken.
//
//	speed (m/s)   day   night
//	< 2           B     F
//	2–3           B     F
//	3–5           C     E
//	5–6           D     D
//	≥ 6           D     D
func StabilityClass(speed float64, sunUp bool) Stability {
	switch {
	case sunUp && speed < 3:
		return ClassB
	case sunUp && speed < 5:
		return ClassC
	case sunUp:
		return ClassD
	case speed < 3:
		return ClassF
	case speed < 5:
		return ClassE
	}
	return ClassD
}

// SunUp reports whether the sun's centre is above the horizon at lon, lat
// (degrees) and time t, from the solar declination and the equation of
// time (NOAA's low-precision formulas, good to a few minutes), so that
// stability follows the real day length in Taipei and in Pittsburgh alike.
func SunUp(lon, lat float64, t time.Time) bool {
	return SolarElevation(lon, lat, t) > 0
}

// SolarElevation returns the sun's elevation above the horizon in degrees.
func SolarElevation(lon, lat float64, t time.Time) float64 {
	u := t.UTC()
	doy := float64(u.YearDay())
	hour := float64(u.Hour()) + float64(u.Minute())/60 + float64(u.Second())/3600
	g := 2 * math.Pi / 365 * (doy - 1 + (hour-12)/24) // fractional year, radians
	eqTime := 229.18 * (0.000075 + 0.001868*math.Cos(g) - 0.032077*math.Sin(g) -
		0.014615*math.Cos(2*g) - 0.040849*math.Sin(2*g)) // minutes
	decl := 0.006918 - 0.399912*math.Cos(g) + 0.070257*math.Sin(g) - 0.006758*math.Cos(2*g) +
		0.000907*math.Sin(2*g) - 0.002697*math.Cos(3*g) + 0.00148*math.Sin(3*g) // radians
	solarMin := hour*60 + eqTime + 4*lon
	ha := (solarMin/4 - 180) * math.Pi / 180
	phi := lat * math.Pi / 180
	cosZen := math.Sin(phi)*math.Sin(decl) + math.Cos(phi)*math.Cos(decl)*math.Cos(ha)
	return 90 - math.Acos(math.Max(-1, math.Min(1, cosZen)))*180/math.Pi
}
