package privacy_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/gis/crs"
)

// TestPublicShift measures the public shift on the ellipsoid (geodesic
// distances along the parallel and the meridian) over 5,000 random points
// in Taiwan and 5,000 in Pittsburgh: at most 0.1 mile (FuzzBoxM) on each
// geographic axis, the same public point for the same location on every
// call, never the exact point, and far enough on average to hide a home.
func TestPublicShift(t *testing.T) {
	secret, _ := privacy.ParseSecret([]byte(strings.Repeat("3d", 32)))
	f := privacy.NewFuzzer(secret)
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct {
		name     string
		lon, lat float64
	}{{"Taiwan", 120.0, 21.9}, {"Pittsburgh", -80.5, 40.0}} {
		t.Run(c.name, func(t *testing.T) {
			var maxX, maxY, sum float64
			const n = 5000
			for range n {
				lon, lat := c.lon+2*r.Float64(), c.lat+3*r.Float64()
				flon, flat, err := f.Fuzz(lon, lat)
				if err != nil {
					t.Fatal(err)
				}
				dx := crs.GeodesicDistance(lon, lat, flon, lat)
				dy := crs.GeodesicDistance(flon, lat, flon, flat)
				if dx > privacy.FuzzBoxM || dy > privacy.FuzzBoxM {
					t.Fatalf("(%.6f, %.6f) shifted %.2f m east-west and %.2f m north-south, over ±%.4f m", lon, lat, dx, dy, privacy.FuzzBoxM)
				}
				if dx+dy < 1e-3 {
					t.Fatalf("(%.6f, %.6f) published at its exact location", lon, lat)
				}
				if a, b, _ := f.Fuzz(lon, lat); a != flon || b != flat {
					t.Fatal("the shift is not stable")
				}
				maxX, maxY, sum = math.Max(maxX, dx), math.Max(maxY, dy), sum+math.Hypot(dx, dy)
			}
			t.Logf("%s: largest shift %.2f m east-west, %.2f m north-south; mean distance %.1f m", c.name, maxX, maxY, sum/n)
			if maxX < 120 || maxY < 120 || sum/n < 50 {
				t.Errorf("shifts up to (%.0f, %.0f) m, mean %.0f m: too small to hide a home", maxX, maxY, sum/n)
			}
		})
	}
}
