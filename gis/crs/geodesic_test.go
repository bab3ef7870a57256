package crs

import (
	"math"
	"testing"
)

// TestGeodesicDistance checks Vincenty's formula against distances that
// do not depend on it: a degree of the equator is 2πa/360 on any
// ellipsoid with equatorial radius a, and the WGS84 meridian arc from the
// equator to 1°N is 110,574.389 m (the published meridian-arc table).
func TestGeodesicDistance(t *testing.T) {
	tests := []struct {
		name                   string
		lon1, lat1, lon2, lat2 float64
		want, tol              float64
	}{
		{"one degree of the equator", 120, 0, 121, 0, 2 * math.Pi * wgs84A / 360, 1e-6},
		{"meridian arc 0–1°N", 121, 0, 121, 1, 110574.389, 0.01},
		{"same point", 120.3, 22.6, 120.3, 22.6, 0, 0},
		{"symmetric", 120.35, 22.599, 120.34, 22.603, GeodesicDistance(120.34, 22.603, 120.35, 22.599), 1e-9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := GeodesicDistance(tc.lon1, tc.lat1, tc.lon2, tc.lat2)
			if math.Abs(got-tc.want) > tc.tol {
				t.Fatalf("got %.6f m, want %.6f", got, tc.want)
			}
		})
	}
}
