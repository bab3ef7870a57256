package privacy

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/gis/crs"
)

// TestShiftWorstCase bounds the shift where random points seldom land:
// from every corner of a cell to its published point, on the ellipsoid,
// for 5,000 random cells in Taiwan, in Pittsburgh and near the equator and
// the 60th parallel. A cell's corners are as far as any of its points can
// be from the published point, so this is the largest shift there is.
func TestShiftWorstCase(t *testing.T) {
	secret, _ := ParseSecret([]byte(strings.Repeat("9e", 32)))
	f := NewFuzzer(secret)
	r := rand.New(rand.NewPCG(5, 6))
	for _, area := range []struct {
		name     string
		lon, lat float64
	}{{"Taiwan", 119.3, 21.8}, {"Pittsburgh", -80.5, 40.0}, {"equator", 30, -1.5}, {"60N", 10, 59}} {
		var worst float64
		for range 5000 {
			lon, lat := area.lon+2*r.Float64(), area.lat+3*r.Float64()
			c := cellOf(lon, lat)
			plon, plat, _ := f.Fuzz(lon, lat)
			const in = 1e-12
			for _, corner := range [][2]float64{{c.lon0 + in, c.lat0 + in}, {c.lon0 + c.dLon - in, c.lat0 + in},
				{c.lon0 + in, c.lat0 + c.dLat - in}, {c.lon0 + c.dLon - in, c.lat0 + c.dLat - in}} {
				if cellOf(corner[0], corner[1]) != c {
					t.Fatalf("%s: corner %v is not in its cell", area.name, corner)
				}
				dx := crs.GeodesicDistance(corner[0], corner[1], plon, corner[1])
				dy := crs.GeodesicDistance(plon, corner[1], plon, plat)
				if dx > FuzzBoxM || dy > FuzzBoxM {
					t.Fatalf("%s: corner %v shifted (%.3f, %.3f) m, over %.4f m", area.name, corner, dx, dy, FuzzBoxM)
				}
				worst = max(worst, dx, dy)
			}
		}
		t.Logf("%s: the largest shift of any cell corner is %.2f m (bound %.2f m)", area.name, worst, FuzzBoxM)
	}
}
