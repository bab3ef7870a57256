package crs

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// ErrNoPosition is returned by PositionFrom when no coordinate is given at
// all, so that a caller decides whether a location is required.
var ErrNoPosition = errors.New("no position: give x,y (EPSG:3826) or lon,lat (WGS84)")

// PositionFrom reads a point written, as in every envtrace data file, as
// TWD97 / TM2 zone 121 (EPSG:3826) x,y metres or as WGS84 lon,lat degrees,
// or both, and returns it as (lon, lat).
//
// x,y must lie on Taiwan's grid (x 100 000–400 000, y 2 350 000–2 850 000
// m), which catches lon/lat typed into x/y and swapped axes. lon,lat may lie
// anywhere on Earth (odour data from Pittsburgh is lon/lat), but a pair
// that looks like metres is refused. With both, they must agree within
// 10 m. col names the column to blame in an error ("x" or "lon").
func PositionFrom(xs, ys, lons, lats string) (p orb.Point, col string, err error) {
	hasXY, hasLL := xs != "" || ys != "", lons != "" || lats != ""
	if !hasXY && !hasLL {
		return orb.Point{}, "x", ErrNoPosition
	}
	var xy orb.Point
	if hasXY {
		x, y, err := parsePair(xs, ys)
		if err != nil {
			return orb.Point{}, "x", err
		}
		if x < 100_000 || x > 400_000 || y < 2_350_000 || y > 2_850_000 {
			return orb.Point{}, "x", fmt.Errorf("(%.3f, %.3f) is outside Taiwan in TWD97 / TM2 zone 121 metres (x 100000–400000, y 2350000–2850000); lon/lat belong in the lon and lat columns", x, y)
		}
		xy = tm2[TWD97TM2].inverseToPoint(x, y)
		if !hasLL {
			return xy, "", nil
		}
	}
	lon, lat, err := parsePair(lons, lats)
	if err != nil {
		return orb.Point{}, "lon", err
	}
	if math.Abs(lon) > 180 || math.Abs(lat) > 90 {
		return orb.Point{}, "lon", fmt.Errorf("(%g, %g) is not a longitude and latitude in degrees; TWD97 metres belong in the x and y columns", lon, lat)
	}
	ll := orb.Point{lon, lat}
	if hasXY {
		x1, y1 := tm2[TWD97TM2].forward(xy[0], xy[1])
		x2, y2 := tm2[TWD97TM2].forward(lon, lat)
		if d := math.Hypot(x1-x2, y1-y2); d > 10 {
			return orb.Point{}, "lon", fmt.Errorf("lon/lat is %.0f m from x/y; they must describe the same point", d)
		}
	}
	return ll, "", nil
}

func parsePair(a, b string) (float64, float64, error) {
	if a == "" || b == "" {
		return 0, 0, errors.New("coordinates come in pairs: give both or neither")
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return 0, 0, errors.New("coordinates must be finite numbers")
	}
	return x, y, nil
}

func (tm *transverseMercator) inverseToPoint(x, y float64) orb.Point {
	lon, lat := tm.inverse(x, y)
	return orb.Point{lon, lat}
}
