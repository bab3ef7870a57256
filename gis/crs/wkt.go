package crs

import (
	"regexp"
	"strconv"
	"strings"
)

// FromWKT recognises a CRS from its OGC/ESRI WKT definition, as found in a
// shapefile's .prj or a GeoPackage's gpkg_spatial_ref_sys.definition. It
// exists because those files rarely carry a usable EPSG code: ESRI .prj
// files never do, and GeoPackages written by some tools register their own
// srs_id with organization "NONE".
//
// Recognition, in order:
//   - an EPSG AUTHORITY/ID on the outermost object wins;
//   - a Transverse Mercator PROJCS on TWD97/GRS80 with central meridian 121
//     (or 119) and TM2 parameters is EPSG:3826 (or EPSG:3825);
//   - a GEOGCS named for WGS 84 is EPSG:4326, for NAD83 EPSG:4269, for
//     TWD97 EPSG:3824;
//   - an otherwise unnamed geographic CRS on the GRS80 ellipsoid is reported
//     as EPSG:4269 (NHDPlus GeoPackages from nhdplusTools look like this),
//     one on the WGS84 ellipsoid as EPSG:4326. As this package treats these
//     datums as equal, that guess never moves a coordinate.
//
// The returned Code may be any EPSG number (check Supported); ok is false
// when the text is not recognised.
func FromWKT(wkt string) (c Code, ok bool) {
	s := strings.TrimSpace(wkt)
	if s == "" {
		return 0, false
	}
	if n, found := topLevelEPSG(s); found {
		if n == int(WGS84) && strings.Contains(strings.ToUpper(s), "CRS84") {
			return CRS84, true
		}
		return Code(n), true
	}
	u := strings.ToUpper(s)
	kw := u
	if i := strings.IndexAny(u, "[("); i >= 0 {
		kw = strings.TrimSpace(u[:i])
	}
	switch kw {
	case "PROJCS", "PROJCRS", "PROJECTEDCRS":
		return projectedFromWKT(u)
	case "GEOGCS", "GEOGCRS", "GEODCRS", "GEOGRAPHICCRS", "GEODETICCRS":
		return geographicFromWKT(u)
	}
	return 0, false
}

var (
	// reAuthority matches WKT1 AUTHORITY["EPSG","3826"] and WKT2 ID["EPSG",3826].
	reAuthority = regexp.MustCompile(`(?i)\b(?:AUTHORITY|ID)\s*[\[(]\s*"EPSG"\s*,\s*"?(\d+)"?`)
	// reParam matches PARAMETER["name", value] in WKT1 and WKT2.
	reParam = regexp.MustCompile(`PARAMETER\s*[\[(]\s*"([^"]*)"\s*,\s*([-+0-9.eE]+)`)
)

// topLevelEPSG returns the EPSG code attached directly to the outermost
// WKT object (not to its datum, ellipsoid or units).
func topLevelEPSG(s string) (int, bool) {
	depth := depthAt(s)
	for _, m := range reAuthority.FindAllStringSubmatchIndex(s, -1) {
		if depth(m[0]) == 1 {
			n, err := strconv.Atoi(s[m[2]:m[3]])
			if err == nil && n > 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// depthAt returns a function giving the bracket nesting depth at a byte
// offset of s, ignoring brackets inside quoted names.
func depthAt(s string) func(int) int {
	depths := make([]int, len(s)+1)
	d, quoted := 0, false
	for i := 0; i < len(s); i++ {
		depths[i] = d
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[' || c == '(':
			d++
		case c == ']' || c == ')':
			d--
		}
	}
	depths[len(s)] = d
	return func(i int) int { return depths[i] }
}

// params extracts the numeric PARAMETERs of a WKT string, keyed by their
// lower-case name with spaces turned into underscores.
func params(u string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range reParam.FindAllStringSubmatch(u, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		out[strings.ReplaceAll(strings.ToLower(strings.TrimSpace(m[1])), " ", "_")] = v
	}
	return out
}

func projectedFromWKT(u string) (Code, bool) {
	if !strings.Contains(u, "TRANSVERSE_MERCATOR") && !strings.Contains(u, "TRANSVERSE MERCATOR") {
		return 0, false
	}
	p := params(u)
	first := func(names ...string) (float64, bool) {
		for _, n := range names {
			if v, ok := p[n]; ok {
				return v, true
			}
		}
		return 0, false
	}
	cm, ok := first("central_meridian", "longitude_of_natural_origin", "longitude_of_origin")
	if !ok {
		return 0, false
	}
	k, hasK := first("scale_factor", "scale_factor_at_natural_origin")
	fe, hasFE := first("false_easting")
	taiwan := strings.Contains(u, "TWD97") || strings.Contains(u, "TWD_1997") || strings.Contains(u, "TWD 1997") ||
		strings.Contains(u, "TM2")
	tm2Params := (!hasK || k == 0.9999) && (!hasFE || fe == 250000)
	if !taiwan && !(hasK && hasFE && tm2Params && strings.Contains(u, "GRS")) {
		return 0, false
	}
	if !tm2Params {
		return 0, false
	}
	switch cm {
	case 121:
		return TWD97TM2, true
	case 119:
		return TWD97TM2Zone119, true
	}
	return 0, false
}

func geographicFromWKT(u string) (Code, bool) {
	// TOWGS84[...] names a shift, not the datum; it must not read as "WGS84".
	u = strings.ReplaceAll(u, "TOWGS84", "")
	switch {
	case strings.Contains(u, "TWD97") || strings.Contains(u, "TWD_1997") || strings.Contains(u, "TWD 1997"):
		return TWD97, true
	case strings.Contains(u, "NAD83") || strings.Contains(u, "NORTH_AMERICAN_DATUM_1983") ||
		strings.Contains(u, "NORTH_AMERICAN_1983") || strings.Contains(u, "NORTH AMERICAN DATUM 1983"):
		return NAD83, true
	case strings.Contains(u, "WGS 84") || strings.Contains(u, "WGS_1984") || strings.Contains(u, "WGS84") ||
		strings.Contains(u, "WGS 1984"):
		return WGS84, true
	case strings.Contains(u, "298.257222101"): // GRS80 inverse flattening
		return NAD83, true
	case strings.Contains(u, "298.257223563"): // WGS84 inverse flattening
		return WGS84, true
	}
	return 0, false
}
