package crs

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Code
	}{
		{"EPSG prefix", "EPSG:3826", TWD97TM2},
		{"lower-case prefix", "epsg:3826", TWD97TM2},
		{"bare number", "3826", TWD97TM2},
		{"surrounding space", "  EPSG:4326 ", WGS84},
		{"zone 119", "EPSG:3825", TWD97TM2Zone119},
		{"NAD83", "EPSG:4269", NAD83},
		{"TWD97 geographic", "EPSG:3824", TWD97},
		{"OGC URN", "urn:ogc:def:crs:EPSG::3826", TWD97TM2},
		{"OGC URN with version", "urn:ogc:def:crs:EPSG:6.6:4326", WGS84},
		{"OGC URI", "http://www.opengis.net/def/crs/EPSG/0/3826", TWD97TM2},
		{"OGC URI https", "https://www.opengis.net/def/crs/EPSG/0/4269", NAD83},
		{"OGC URI trailing slash", "http://www.opengis.net/def/crs/EPSG/0/4326/", WGS84},
		{"CRS84", "CRS84", CRS84},
		{"OGC:CRS84", "OGC:CRS84", CRS84},
		{"CRS84 URN", "urn:ogc:def:crs:OGC:1.3:CRS84", CRS84},
		{"CRS84 URI", "http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		unsupported bool
	}{
		{"empty", "", false},
		{"word", "WGS84", false},
		{"unknown authority", "ESRI:102100", false},
		{"not a number", "EPSG:abc", false},
		{"negative", "EPSG:-4326", false},
		{"too small for EPSG", "EPSG:84", false},
		{"signed", "+4326", false},
		{"bad URN", "urn:ogc:def:crs:EPSG:3826", false},
		{"bad URI", "http://example.com/4326", false},
		{"URI missing version", "http://www.opengis.net/def/crs/EPSG/3826", false},
		{"unsupported EPSG", "EPSG:3857", true},
		{"unsupported URN", "urn:ogc:def:crs:EPSG::32651", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q does not name the input %q", err, tt.in)
			}
			if errors.Is(err, ErrUnsupported) != tt.unsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", err, !tt.unsupported, tt.unsupported)
			}
		})
	}
}

func TestParseEPSG(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"supported", "EPSG:3826", 3826},
		{"unsupported still returned", "urn:ogc:def:crs:EPSG::32651", 32651},
		{"CRS84 is 4326", "urn:ogc:def:crs:OGC:1.3:CRS84", 4326},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEPSG(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseEPSG(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	if _, err := ParseEPSG("nonsense"); err == nil {
		t.Error("ParseEPSG(nonsense) succeeded")
	}
}

func TestCodeProperties(t *testing.T) {
	tests := []struct {
		code       Code
		geographic bool
		latLon     bool
		epsg       int
		str        string
	}{
		{WGS84, true, true, 4326, "EPSG:4326"},
		{NAD83, true, true, 4269, "EPSG:4269"},
		{TWD97, true, true, 3824, "EPSG:3824"},
		{CRS84, true, false, 4326, "OGC:CRS84"},
		{TWD97TM2, false, false, 3826, "EPSG:3826"},
		{TWD97TM2Zone119, false, false, 3825, "EPSG:3825"},
	}
	for _, tt := range tests {
		t.Run(tt.str, func(t *testing.T) {
			if !tt.code.Supported() {
				t.Error("not supported")
			}
			if got := tt.code.IsGeographic(); got != tt.geographic {
				t.Errorf("IsGeographic = %v", got)
			}
			if got := tt.code.LatLonAxisOrder(); got != tt.latLon {
				t.Errorf("LatLonAxisOrder = %v", got)
			}
			if got := tt.code.EPSG(); got != tt.epsg {
				t.Errorf("EPSG = %v", got)
			}
			if got := tt.code.String(); got != tt.str {
				t.Errorf("String = %v", got)
			}
			if got, err := Parse(tt.code.URI()); err != nil || got != tt.code {
				t.Errorf("Parse(URI()) = %v, %v", got, err)
			}
			if got, err := Parse(tt.code.String()); err != nil || got != tt.code {
				t.Errorf("Parse(String()) = %v, %v", got, err)
			}
			if tt.code.Name() == "" {
				t.Error("empty Name")
			}
		})
	}
	if Code(3857).Supported() {
		t.Error("EPSG:3857 claims support")
	}
}

func TestFromWKT(t *testing.T) {
	tests := []struct {
		name string
		wkt  string
		want Code
		ok   bool
	}{
		{"ESRI TWD97 TM2 (wra_basins.prj)", `PROJCS["TWD_1997_TM_Taiwan",GEOGCS["GCS_TWD_1997",DATUM["D_TWD_1997",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",250000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",121.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`, TWD97TM2, true},
		{"GDAL TWD97 TM2 zone 121", `PROJCS["TWD97_TM2_zone_121",GEOGCS["GCS_TWD97",DATUM["D_TWD_1997",SPHEROID["GRS_1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",121],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",250000],PARAMETER["false_northing",0],UNIT["Meter",1]]`, TWD97TM2, true},
		{"TWD97 TM2 zone 119", `PROJCS["TWD97 / TM2 zone 119",GEOGCS["TWD97",DATUM["Taiwan_Datum_1997",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",119],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",250000],PARAMETER["false_northing",0],UNIT["metre",1]]`, TWD97TM2Zone119, true},
		{"EPSG authority wins", `PROJCS["TWD97 / TM2 zone 121",GEOGCS["TWD97",DATUM["Taiwan_Datum_1997",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],AUTHORITY["EPSG","1026"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","3824"]],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",121],AUTHORITY["EPSG","3826"]]`, TWD97TM2, true},
		{"GeoPackage WGS 84", `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]`, WGS84, true},
		{"ESRI WGS84 without authority", `GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`, WGS84, true},
		{"NAD83 with lat/lon axes", `GEOGCS["NAD83",DATUM["North_American_Datum_1983",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4269"]]`, NAD83, true},
		{"nhdplusTools GRS80 with TOWGS84", `GEOGCS["GRS 1980(IUGG, 1980)",DATUM["unknown",SPHEROID["GRS80",6378137,298.257222101],TOWGS84[0,0,0,0,0,0,0]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]`, NAD83, true},
		{"UTM is not TM2", `PROJCS["WGS 84 / UTM zone 51N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]]],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",123],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000]]`, 0, false},
		{"TWD67 TM2 wrong CM", `PROJCS["TWD97_TM2",GEOGCS["TWD97"],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",120]]`, 0, false},
		{"empty", "", 0, false},
		{"garbage", "hello [world", 0, false},
		{"local CS", `LOCAL_CS["arbitrary"]`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FromWKT(tt.wkt)
			if got != tt.want || ok != tt.ok {
				t.Errorf("FromWKT = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
