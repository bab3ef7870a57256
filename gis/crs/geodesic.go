package crs

import "math"

// WGS84 ellipsoid (geopy's default for geodesic distances; GRS80 differs
// in the ninth significant digit of the flattening).
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
)

// GeodesicDistance is the distance in metres between two points given in
// degrees (lon, lat) along the WGS84 ellipsoid, by Vincenty's inverse
// formula (sub-millimetre at the scales envtrace measures). Distances
// between sensors and to facilities are compared with published results
// computed on the ellipsoid, so a projected-plane distance is not enough
// near a threshold. Nearly antipodal points, where the iteration may not
// converge, fall back to the last iterate; they never occur in one region.
func GeodesicDistance(lon1, lat1, lon2, lat2 float64) float64 {
	const a, f = wgs84A, wgs84F
	b := a * (1 - f)
	rad := math.Pi / 180
	L := (lon2 - lon1) * rad
	U1 := math.Atan((1 - f) * math.Tan(lat1*rad))
	U2 := math.Atan((1 - f) * math.Tan(lat2*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	for range 200 {
		sinL, cosL := math.Sincos(lambda)
		sinSigma = math.Hypot(cosU2*sinL, cosU1*sinU2-sinU1*cosU2*cosL)
		if sinSigma == 0 {
			return 0
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosL
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := f / 16 * cos2Alpha * (4 + f*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*f*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-13 {
			break
		}
	}
	u2 := cos2Alpha * (a*a - b*b) / (b * b)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	return b * A * (sigma - deltaSigma)
}
