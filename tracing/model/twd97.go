package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// Point is a location in TWD97 / TM2 zone 121 (EPSG:3826), metres. One
// projected CRS for every geometry in a Dataset keeps distance and
// snapping arithmetic in the network engine free of reprojection.
type Point struct {
	X, Y float64
}

var (
	toTM2, _   = crs.NewTransformer(crs.Code(4326), crs.Code(3826))
	fromTM2, _ = crs.NewTransformer(crs.Code(3826), crs.Code(4326))
)

// FromLonLat projects WGS84/TWD97 geographic coordinates (degrees) to
// EPSG:3826. TWD97 and WGS84 agree to within a metre, so lon/lat from a
// phone or MOENV's let_east/let_north can be used directly.
func FromLonLat(lon, lat float64) Point {
	p := toTM2.Point(orb.Point{lon, lat})
	return Point{X: p[0], Y: p[1]}
}

// LonLat returns the point's geographic coordinates in degrees, for maps
// and for exchanging positions with systems that do not speak EPSG:3826.
func (p Point) LonLat() (lon, lat float64) {
	q := fromTM2.Point(orb.Point{p.X, p.Y})
	return q[0], q[1]
}

// checkXY rejects coordinates that cannot be TWD97 TM2 zone 121 metres on
// Taiwan's main island and its near islands: lon/lat typed into x/y,
// swapped axes, or non-finite values.
func checkXY(p Point) error {
	if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
		return errors.New("coordinates must be finite numbers")
	}
	if p.X < 100_000 || p.X > 400_000 || p.Y < 2_350_000 || p.Y > 2_850_000 {
		return fmt.Errorf("(%.3f, %.3f) is outside Taiwan in TWD97 / TM2 zone 121 metres (x 100000–400000, y 2350000–2850000); lon/lat belong in the lon and lat columns", p.X, p.Y)
	}
	return nil
}

// checkLonLat rejects geographic coordinates outside the area TM2 zone 121
// serves (Taiwan and its near islands), and x/y typed into lon/lat.
func checkLonLat(lon, lat float64) error {
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return errors.New("coordinates must be finite numbers")
	}
	if lon < 119.9 || lon > 122.2 || lat < 21.8 || lat > 25.4 {
		return fmt.Errorf("(%.6f, %.6f) is outside Taiwan (lon 119.9–122.2, lat 21.8–25.4); TWD97 metres belong in the x and y columns", lon, lat)
	}
	return nil
}
