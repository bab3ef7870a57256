package hydro

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
)

// geographicSRIDs are the EPSG codes whose coordinates are lon/lat degrees.
var geographicSRIDs = map[int]bool{4326: true, 4269: true, 4267: true, 4283: true, 4258: true, 3824: true}

// CRSError refuses a network whose coordinates contradict its coordinate
// reference system: metres read as degrees (a TWD97 GeoJSON without a "crs"
// member is WGS 84 by RFC 7946) or projected coordinates with no CRS at
// all. Building either would report plausible-looking lengths, snaps and
// travel times that are all wrong, so the file is refused with a hint.
type CRSError struct {
	Path string
	// SRID is the CRS the file declares (or, for GeoJSON, the RFC 7946
	// default), 0 when it declares none.
	SRID int
	// ID and Row name the first reach whose coordinates are not degrees.
	ID   string
	Row  int
	X, Y float64
}

// Error implements error, naming the reach and coordinate, and a fix.
func (e *CRSError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "reach %s (row %d): coordinate (%.1f, %.1f) is not longitude/latitude", e.ID, e.Row, e.X, e.Y)
	if e.SRID != 0 {
		fmt.Fprintf(&b, ", yet the file is read as EPSG:%d", e.SRID)
		if strings.EqualFold(filepath.Ext(e.Path), ".geojson") || strings.EqualFold(filepath.Ext(e.Path), ".json") {
			b.WriteString(` (GeoJSON without a "crs" member is WGS 84 longitude/latitude, RFC 7946)`)
		}
	} else {
		b.WriteString(", and the file names no coordinate reference system: a projected network needs one")
	}
	if looksTWD97(e.X, e.Y) {
		b.WriteString("; these look like TWD97 / TM2 metres (EPSG:3826 on Taiwan's main island, EPSG:3825 for Penghu, Kinmen and Matsu)")
	}
	b.WriteString(`. Declare the CRS in the file (GeoJSON: "crs": {"type": "name", "properties": {"name": "EPSG:3826"}}; ` +
		`shapefile: a .prj; CSV: SRID=3826;LINESTRING(...) WKT) or convert it to lon/lat, ` +
		`e.g. ogr2ogr -s_srs EPSG:3826 -t_srs EPSG:4326 out.geojson in.geojson`)
	return b.String()
}

// looksTWD97 says x, y fall in the TWD97 / TM2 grid over Taiwan, Penghu,
// Kinmen and Matsu (eastings about 100–400 km, northings 2,400–2,950 km).
func looksTWD97(x, y float64) bool {
	return x > 100e3 && x < 400e3 && y > 2400e3 && y < 2950e3
}

// geographicCRS decides whether reach coordinates are lon/lat degrees. A
// geographic SRID whose coordinates leave [-180, 180] × [-90, 90], and an
// unknown SRID (0) with such coordinates, are refused with a CRSError;
// path only words the hint. An unknown SRID with coordinates in range is
// read as degrees.
func geographicCRS(path string, srid int, reaches *reachCols, rows []int32) (bool, error) {
	if srid != 0 && !geographicSRIDs[srid] {
		return false, nil
	}
	for i := range reaches.n {
		for _, p := range reaches.geometry(i) {
			if math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
				return false, &CRSError{Path: path, SRID: srid, ID: reaches.id(i), Row: rowOf(rows, i), X: p[0], Y: p[1]}
			}
		}
	}
	return true, nil
}
