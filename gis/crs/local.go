package crs

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Planar projects geographic longitude/latitude (degrees) to a flat grid in
// metres and back, so that distances, bearings and grid cells of point data
// (odour petitions, wind monitors, factories) are plain Euclidean
// arithmetic. Build one with PlanarFor or NewLocalTM; it is immutable and
// safe for concurrent use.
type Planar struct {
	tm *transverseMercator
	// x0, y0 are subtracted after projecting, so that a local grid has its
	// origin at its centre.
	x0, y0 float64
	code   Code
	lon0   float64
	lat0   float64
}

// NewLocalTM is a local Transverse Mercator grid on GRS80 centred on
// (lon0, lat0): central meridian lon0, scale 1 on that meridian, and the
// centre mapped to (0, 0). It serves lon/lat data outside Taiwan (the
// Pittsburgh odour data), where TWD97 / TM2 zone 121 does not apply.
//
// Within 50 km of the centre its scale error is below 3·10⁻⁵ (a 30 mm error
// over a kilometre), since a Transverse Mercator's scale grows as
// 1 + x²/(2R²); grid north differs from true north by the meridian
// convergence, (lon − lon0)·sin(lat), under 0.5° within 50 km at 45°N, which
// is far below the 10° wind sectors and the ±20° direction errors that
// odour tracing works with. Bearings are measured against grid north.
func NewLocalTM(lon0, lat0 float64) (*Planar, error) {
	if math.IsNaN(lon0) || math.IsNaN(lat0) || math.Abs(lon0) > 180 || math.Abs(lat0) > 85 {
		return nil, fmt.Errorf("crs: local grid centre (%g, %g) must be a longitude within ±180° and a latitude within ±85°", lon0, lat0)
	}
	p := &Planar{tm: newTransverseMercator(grs80, lon0, 1, 0, 0), lon0: lon0, lat0: lat0}
	p.x0, p.y0 = p.tm.forward(lon0, lat0)
	return p, nil
}

// taiwanBound is the area TWD97 / TM2 zone 121 serves: Taiwan's main
// island and near islands (the bound model.checkLonLat also uses).
var taiwanBound = orb.Bound{Min: orb.Point{119.9, 21.8}, Max: orb.Point{122.2, 25.4}}

// PlanarFor chooses the grid for points spanning b (lon/lat degrees): TWD97
// / TM2 zone 121 (EPSG:3826) when b lies within Taiwan, so that Taiwanese
// x/y and lon/lat inputs meet on the grid the agencies use, and otherwise a
// local Transverse Mercator centred on b (NewLocalTM). An empty or invalid
// bound is an error.
func PlanarFor(b orb.Bound) (*Planar, error) {
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("crs: bound %v is not finite", b)
		}
	}
	if taiwanBound.Contains(b.Min) && taiwanBound.Contains(b.Max) {
		return &Planar{tm: tm2[TWD97TM2], code: TWD97TM2, lon0: 121}, nil
	}
	c := b.Center()
	return NewLocalTM(c[0], c[1])
}

// Code is the EPSG code of the grid (EPSG:3826), or 0 for a local grid,
// which has none.
func (p *Planar) Code() Code { return p.code }

// String describes the grid for reports: "EPSG:3826", or the local
// Transverse Mercator's centre.
func (p *Planar) String() string {
	if p.code != 0 {
		return p.code.String()
	}
	return fmt.Sprintf("local Transverse Mercator centred on %.6f, %.6f", p.lon0, p.lat0)
}

// Forward projects lon/lat (degrees) to grid metres.
func (p *Planar) Forward(lon, lat float64) (x, y float64) {
	x, y = p.tm.forward(lon, lat)
	return x - p.x0, y - p.y0
}

// Inverse converts grid metres back to lon/lat (degrees).
func (p *Planar) Inverse(x, y float64) (lon, lat float64) {
	return p.tm.inverse(x+p.x0, y+p.y0)
}
