package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

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

// area is one part of Taiwan a data point may lie in, as a lon/lat box.
type area struct {
	name                           string
	minLon, maxLon, minLat, maxLat float64
}

// areas are where envtrace accepts points: the main island with its near
// islands (Green Island, Orchid Island, Xiaoliuqiu, Guishan), which use TM2
// zone 121, and the outlying islands that use zone 119 (EPSG:3825). Every
// point is stored in EPSG:3826 whatever zone it was written in: zone 121's
// Transverse Mercator stays exact to the millimetre 3° from its meridian,
// so Kinmen (118.3°E, x ≈ −22 km) needs no second grid.
var areas = []area{
	{"Taiwan and its near islands", 119.9, 122.2, 21.8, 25.4},
	{"Penghu", 119.25, 119.9, 23.1, 23.9},
	{"Kinmen", 118.1, 118.55, 24.35, 24.56},
	{"Matsu", 119.85, 120.55, 25.9, 26.45},
}

// areaOf names the area holding (lon, lat), "" when none does.
func areaOf(lon, lat float64) string {
	for _, a := range areas {
		if lon >= a.minLon && lon <= a.maxLon && lat >= a.minLat && lat <= a.maxLat {
			return a.name
		}
	}
	return ""
}

// areaList describes the accepted areas for error messages.
func areaList() string {
	var b strings.Builder
	for i, a := range areas {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s lon %g–%g, lat %g–%g", a.name, a.minLon, a.maxLon, a.minLat, a.maxLat)
	}
	return b.String()
}

// checkXY rejects EPSG:3826 coordinates that lie in none of the areas:
// lon/lat typed into x/y, swapped axes, a wrong zone, or non-finite values.
func checkXY(p Point) error {
	if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
		return errors.New("coordinates must be finite numbers")
	}
	if math.Abs(p.X) <= 180 && math.Abs(p.Y) <= 90 {
		return fmt.Errorf("x=%g y=%g look like lon/lat degrees; write them in the lon and lat columns", p.X, p.Y)
	}
	lon, lat := p.LonLat()
	if areaOf(lon, lat) == "" {
		return fmt.Errorf("(%.3f, %.3f) in TWD97 / TM2 zone 121 metres is at lon %.4f, lat %.4f, outside Taiwan (%s); "+
			"give zone 119 metres (Penghu, Kinmen, Matsu) with crs EPSG:3825, and lon/lat in the lon and lat columns",
			p.X, p.Y, lon, lat, areaList())
	}
	return nil
}

// checkLonLat rejects geographic coordinates that lie in none of the
// areas, and x/y typed into lon/lat.
func checkLonLat(lon, lat float64) error {
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) {
		return errors.New("coordinates must be finite numbers")
	}
	if areaOf(lon, lat) == "" {
		return fmt.Errorf("(%.6f, %.6f) is outside Taiwan (%s); TWD97 metres belong in the x and y columns", lon, lat, areaList())
	}
	return nil
}

// Grids accepted in the crs column for x and y: TM2 zone 121, the
// default, and zone 119, which Penghu, Kinmen and Matsu use. Zone 119
// metres are converted to zone 121 where they enter.
var xyCRS = []crs.Code{crs.TWD97TM2, crs.TWD97TM2Zone119}

// parseXYCRS reads a crs column value; empty means EPSG:3826.
func parseXYCRS(s string) (crs.Code, error) {
	if strings.TrimSpace(s) == "" {
		return crs.TWD97TM2, nil
	}
	c, err := crs.Parse(s)
	if err != nil || !slices.Contains(xyCRS, c) {
		return 0, errors.New("x and y must be in EPSG:3826 (TWD97 / TM2 zone 121, the default) or EPSG:3825 (TWD97 / TM2 zone 119: Penghu, Kinmen, Matsu)")
	}
	return c, nil
}

// fromXY converts x, y written in c (one of xyCRS) to EPSG:3826.
func fromXY(x, y float64, c crs.Code) (Point, error) {
	if c == crs.TWD97TM2 {
		return Point{x, y}, nil
	}
	q, err := crs.Transform(c, crs.TWD97TM2, orb.Point{x, y})
	if err != nil {
		return Point{}, fmt.Errorf("(%g, %g) cannot be converted from %s: %w", x, y, c, err)
	}
	return Point{q[0], q[1]}, nil
}
