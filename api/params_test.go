package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		name string
		in   string
		c    crs.Code
		want orb.Bound
		bad  string // substring of the reason; "" = valid
	}{
		{name: "lon/lat around Taiwan", in: "119.3,21.8,122.1,25.4", c: crs.WGS84,
			want: orb.Bound{Min: orb.Point{119.3, 21.8}, Max: orb.Point{122.1, 25.4}}},
		{name: "TM2 metres", in: "150000,2420000,352000,2800000", c: crs.TWD97TM2,
			want: orb.Bound{Min: orb.Point{150000, 2420000}, Max: orb.Point{352000, 2800000}}},
		{name: "a point is a box", in: "120,24,120,24", c: crs.WGS84, want: orb.Bound{Min: orb.Point{120, 24}, Max: orb.Point{120, 24}}},
		{name: "three numbers", in: "1,2,3", c: crs.WGS84, bad: "four numbers"},
		{name: "not numbers", in: "a,b,c,d", c: crs.WGS84, bad: "finite"},
		{name: "NaN", in: "NaN,1,2,3", c: crs.WGS84, bad: "finite"},
		{name: "min above max", in: "122,21,119,25", c: crs.WGS84, bad: "minimum exceeds maximum"},
		{name: "latitude beyond the pole", in: "119,21,122,95", c: crs.WGS84, bad: "not a longitude,latitude"},
		{name: "empty", in: "", c: crs.WGS84, bad: "four numbers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := parseBBox(tc.in, tc.c)
			if tc.bad != "" {
				if !strings.Contains(reason, tc.bad) {
					t.Fatalf("reason %q, want it to contain %q", reason, tc.bad)
				}
				return
			}
			if reason != "" || got != tc.want {
				t.Fatalf("got %v %q, want %v", got, reason, tc.want)
			}
		})
	}
}

func TestCheckID(t *testing.T) {
	tests := []struct {
		name, id string
		ok       bool
	}{
		{"comid", "8319097", true},
		{"guid", "{4A5C-77}", true},
		{"chinese name", "大甲溪-03", true},
		{"empty", "", false},
		{"control", "a\x00b", false},
		{"newline", "a\nb", false},
		{"bad utf-8", "a\xffb", false},
		{"too long", strings.Repeat("9", maxIDBytes+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkID(tc.id) == ""; got != tc.ok {
				t.Errorf("checkID(%q) ok=%v, want %v", tc.id, got, tc.ok)
			}
		})
	}
}

func TestParsePoint(t *testing.T) {
	tests := []struct {
		name, in string
		c        crs.Code
		want     orb.Point
		ok       bool
	}{
		{"lon,lat", "120.68,24.15", crs.WGS84, orb.Point{120.68, 24.15}, true},
		{"spaces", " 120.68 , 24.15 ", crs.WGS84, orb.Point{120.68, 24.15}, true},
		{"TM2", "220000,2670000", crs.TWD97TM2, orb.Point{220000, 2670000}, true},
		{"CRS84", "120.68,24.15", crs.CRS84, orb.Point{120.68, 24.15}, true},
		{"negative zero", "-0,0", crs.WGS84, orb.Point{0, 0}, true},
		{"one number", "120", crs.WGS84, orb.Point{}, false},
		{"empty part", "120,", crs.WGS84, orb.Point{}, false},
		{"infinite", "Inf,1", crs.WGS84, orb.Point{}, false},
		{"longitude 181", "181,1", crs.WGS84, orb.Point{}, false},
		{"TM2 coordinates far off the globe", "1e300,1e300", crs.TWD97TM2, orb.Point{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := parsePoint(tc.in, tc.c)
			if (reason == "") != tc.ok {
				t.Fatalf("parsePoint(%q) reason %q, want ok=%v", tc.in, reason, tc.ok)
			}
			if tc.ok && got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseFinite(t *testing.T) {
	for _, s := range []string{"", "NaN", "nan", "Inf", "-Inf", "+inf", "infinity", "1e400", "0x1p3", "1_000", "--1", "1.2.3"} {
		if _, reason := parseFinite(s); reason == "" {
			t.Errorf("parseFinite(%q) accepted", s)
		}
	}
	for s, want := range map[string]float64{"0": 0, "2.5": 2.5, "1e3": 1000, "-4": -4, ".5": 0.5} {
		if v, reason := parseFinite(s); reason != "" || v != want {
			t.Errorf("parseFinite(%q) = %v %q", s, v, reason)
		}
	}
}

// FuzzQueryParsing feeds arbitrary query strings to the navigate and snap
// parsers; they must never panic, and must either fail with named
// parameters or yield values the engine accepts.
func FuzzQueryParsing(f *testing.F) {
	for _, s := range []string{
		"start=o&mode=UT", "point=120.7,24.1&crs=EPSG:3826&mode=dd&distance_km=1e308",
		"point=%zz", "mode=UT&mode=DM", "k=101&point=1,2", "bbox=1,2,3,4", "crs=urn:ogc:def:crs:EPSG::3826",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c := newFuzzContext(raw)
		if p, err := parseNavigateParams(c); err == nil {
			if p.Mode == "" || (p.Start == "") == (p.Point == nil) {
				t.Fatalf("accepted incomplete query %q: %+v", raw, p)
			}
			if p.DistanceKm != nil && !(*p.DistanceKm >= 0) || !(p.MaxHours >= 0) {
				t.Fatalf("accepted bad limits %q", raw)
			}
		} else if pes, ok := errors.AsType[ParamErrors](err); !ok || len(pes) == 0 {
			t.Fatalf("error of type %T", err)
		}
		if p, err := parseSnapParams(c); err == nil && (p.K < 1 || p.K > maxSnapCandidates) {
			t.Fatalf("accepted k=%d", p.K)
		}
	})
}

// newFuzzContext is an echo context for a GET with the given raw query.
func newFuzzContext(rawQuery string) echo.Context {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.URL.RawQuery = rawQuery
	return echo.New().NewContext(req, httptest.NewRecorder())
}
