// Package crs converts coordinates between the coordinate reference systems
// envtrace meets in practice: geographic WGS84/NAD83 longitude/latitude and
// Taiwan's TWD97 Transverse Mercator grids.
//
// # Axis order
//
// Every orb.Point handled by this package is (x, y). For geographic systems
// that always means x = longitude and y = latitude, whatever the EPSG
// registry says about axis order. Some OGC interfaces (WFS 1.1+/2.0, OGC API
// requests that name EPSG:4326) exchange latitude first; swapping axes at
// such a boundary is the caller's job, and Code.LatLonAxisOrder says when it
// is needed.
//
// # Datums
//
// EPSG:4269 (NAD83), EPSG:4326 (WGS84) and TWD97 (EPSG:3824, the datum of
// EPSG:3825 and EPSG:3826) all use GRS80 or the practically identical WGS84 ellipsoid and
// agree with each other to within about one metre, so no datum shift is
// applied between them. That is far below the positional accuracy of the
// river networks and monitoring stations the engine works with; anything
// needing survey-grade datum transformations needs a different tool.
//
// # Projections
//
// Transverse Mercator uses the Krüger series in the third flattening n to
// sixth order (as described by Karney, "Transverse Mercator with an
// accuracy of a few nanometers", 2011), which is accurate to well below a
// millimetre across a TM2 zone and to better than a millimetre some 30°
// from the central meridian.
//
// # Planar grids for point data
//
// Planar (PlanarFor, NewLocalTM) projects lon/lat point data to metres for
// distance, bearing and grid arithmetic: TWD97 / TM2 in Taiwan, and a local
// Transverse Mercator centred on the data elsewhere (odour data from
// Pittsburgh). PositionFrom reads the x,y-or-lon,lat columns of the data
// files that accept points outside Taiwan.
package crs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Code identifies a coordinate reference system. Its value is the EPSG code,
// except for CRS84, which has no EPSG code of its own. Code exists so that
// the CRS travels with coordinates as a typed value instead of a bare int.
type Code int

// Supported coordinate reference systems.
const (
	// WGS84 is EPSG:4326, geographic WGS 84. Its authority axis order is
	// latitude, longitude, but points in this package are (lon, lat).
	WGS84 Code = 4326
	// NAD83 is EPSG:4269, geographic NAD83, used by NHDPlus. Treated as
	// identical to WGS84 (they differ by about a metre).
	NAD83 Code = 4269
	// TWD97TM2 is EPSG:3826, TWD97 / TM2 zone 121: Transverse Mercator on
	// GRS80, central meridian 121°E, scale 0.9999, false easting 250 000 m.
	// It is the grid of Taiwan's main island.
	TWD97TM2 Code = 3826
	// TWD97TM2Zone119 is EPSG:3825, TWD97 / TM2 zone 119 (central meridian
	// 119°E), used for Penghu, Kinmen and Matsu.
	TWD97TM2Zone119 Code = 3825
	// TWD97 is EPSG:3824, geographic TWD97 (GRS80, equal to WGS84 within
	// a metre). Taiwanese open data labels lon/lat columns with it.
	TWD97 Code = 3824
	// CRS84 is OGC:CRS84: WGS 84 longitude/latitude with longitude first.
	// It is the default CRS of GeoJSON and OGC API Features; it has the
	// same coordinates as WGS84 but a different authority axis order.
	CRS84 Code = 84
)

// ErrUnsupported is wrapped by errors for CRS codes this package cannot
// transform, so callers can tell "bad input" from "valid but unsupported".
var ErrUnsupported = errors.New("unsupported CRS")

// tm2 holds the projection constants of the supported projected systems.
var tm2 = map[Code]*transverseMercator{
	TWD97TM2:        newTransverseMercator(grs80, 121, 0.9999, 250000, 0),
	TWD97TM2Zone119: newTransverseMercator(grs80, 119, 0.9999, 250000, 0),
}

// Supported reports whether c is one of the systems this package can
// transform.
func (c Code) Supported() bool {
	switch c {
	case WGS84, NAD83, TWD97, CRS84:
		return true
	}
	_, ok := tm2[c]
	return ok
}

// IsGeographic reports whether coordinates in c are longitude/latitude in
// degrees (as opposed to projected metres), which decides how distances and
// tolerances must be computed.
func (c Code) IsGeographic() bool {
	switch c {
	case WGS84, NAD83, TWD97, CRS84:
		return true
	}
	return false
}

// LatLonAxisOrder reports whether the EPSG authority defines latitude as the
// first axis of c (true for EPSG:4326, EPSG:4269 and EPSG:3824, false for
// CRS84 and the projected systems, which are easting first). Points in this package are always (lon, lat); callers
// speaking to OGC services that honour authority axis order swap the axes
// when this is true.
func (c Code) LatLonAxisOrder() bool {
	return c == WGS84 || c == NAD83 || c == TWD97
}

// EPSG returns the EPSG code of c, mapping CRS84 to 4326, for storing the
// CRS in files and databases that only know EPSG numbers (GeoPackage,
// PostGIS SRIDs).
func (c Code) EPSG() int {
	if c == CRS84 {
		return int(WGS84)
	}
	return int(c)
}

// String returns "EPSG:nnnn" or "OGC:CRS84", the short form used in logs and
// error messages.
func (c Code) String() string {
	if c == CRS84 {
		return "OGC:CRS84"
	}
	return "EPSG:" + strconv.Itoa(int(c))
}

// URI returns the OGC http URI of c (for example
// http://www.opengis.net/def/crs/EPSG/0/3826), the identifier OGC API
// responses use in Content-Crs headers and crs parameters.
func (c Code) URI() string {
	if c == CRS84 {
		return "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	}
	return "http://www.opengis.net/def/crs/EPSG/0/" + strconv.Itoa(int(c))
}

// Name returns a human-readable name of c for user-facing text.
func (c Code) Name() string {
	switch c {
	case WGS84:
		return "WGS 84"
	case NAD83:
		return "NAD83"
	case TWD97:
		return "TWD97"
	case CRS84:
		return "WGS 84 (CRS84, lon/lat)"
	case TWD97TM2:
		return "TWD97 / TM2 zone 121"
	case TWD97TM2Zone119:
		return "TWD97 / TM2 zone 119"
	}
	return c.String()
}

// Parse reads a CRS identifier in any of the spellings found in files and
// OGC requests and returns its Code. Accepted forms:
//
//	EPSG:3826, epsg:3826, 3826
//	urn:ogc:def:crs:EPSG::3826 (and urn:ogc:def:crs:EPSG:6.6:3826)
//	http://www.opengis.net/def/crs/EPSG/0/3826 (http or https)
//	CRS84, OGC:CRS84, urn:ogc:def:crs:OGC:1.3:CRS84,
//	http://www.opengis.net/def/crs/OGC/1.3/CRS84
//
// Parse fails for unrecognised text and for well-formed codes this package
// cannot transform (the error then wraps ErrUnsupported); ParseEPSG accepts
// any EPSG number.
func Parse(s string) (Code, error) {
	c, err := parse(s)
	if err != nil {
		return 0, err
	}
	if !c.Supported() {
		return 0, fmt.Errorf("crs: %q: %w (supported: EPSG:4326, EPSG:4269, EPSG:3824, EPSG:3826, EPSG:3825, OGC:CRS84)", s, ErrUnsupported)
	}
	return c, nil
}

// ParseEPSG is the lenient form of Parse: it accepts the same spellings but
// any EPSG code, supported or not, and returns the EPSG number (4326 for
// CRS84). File readers use it to record a file's declared CRS even when it
// cannot be transformed.
func ParseEPSG(s string) (int, error) {
	c, err := parse(s)
	if err != nil {
		return 0, err
	}
	return c.EPSG(), nil
}

// parse recognises the syntax of a CRS identifier without checking support.
func parse(s string) (Code, error) {
	orig := s
	s = strings.TrimSpace(s)
	bad := func() (Code, error) {
		return 0, fmt.Errorf("crs: unrecognised CRS identifier %q", orig)
	}
	if s == "" {
		return bad()
	}
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://"):
		// http://www.opengis.net/def/crs/{authority}/{version}/{code}
		i := strings.Index(l, "/def/crs/")
		if i < 0 {
			return bad()
		}
		parts := strings.Split(strings.TrimSuffix(s[i+len("/def/crs/"):], "/"), "/")
		if len(parts) != 3 {
			return bad()
		}
		return authorityCode(parts[0], parts[2], orig)
	case strings.HasPrefix(l, "urn:"):
		// urn:ogc:def:crs:{authority}:{version}:{code}, version may be empty.
		parts := strings.Split(s, ":")
		if len(parts) != 7 || !strings.EqualFold(parts[1], "ogc") && !strings.EqualFold(parts[1], "x-ogc") ||
			!strings.EqualFold(parts[2], "def") || !strings.EqualFold(parts[3], "crs") {
			return bad()
		}
		return authorityCode(parts[4], parts[6], orig)
	case strings.Contains(s, ":"):
		auth, code, _ := strings.Cut(s, ":")
		return authorityCode(auth, code, orig)
	case strings.EqualFold(s, "CRS84"):
		return CRS84, nil
	}
	return authorityCode("EPSG", s, orig)
}

// authorityCode turns an (authority, code) pair into a Code.
func authorityCode(auth, code, orig string) (Code, error) {
	auth = strings.TrimSpace(auth)
	code = strings.TrimSpace(code)
	switch {
	case strings.EqualFold(auth, "OGC"):
		if strings.EqualFold(code, "CRS84") {
			return CRS84, nil
		}
	case strings.EqualFold(auth, "EPSG"):
		n, err := strconv.Atoi(code)
		// EPSG codes start at 1024; smaller numbers are typos (and 84
		// would collide with the CRS84 sentinel).
		if err == nil && n >= 1024 && n < 1<<31-1 && code[0] != '+' {
			return Code(n), nil
		}
	}
	return 0, fmt.Errorf("crs: unrecognised CRS identifier %q", orig)
}
