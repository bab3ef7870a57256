package layer

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

var (
	testLine = orb.LineString{{121, 24}, {121.1, 24.2}, {121.3, 24.1}}
	testPoly = orb.Polygon{
		{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}},
		{{2, 2}, {2, 4}, {4, 4}, {2, 2}},
	}
	testGeoms = []orb.Geometry{
		orb.Point{121.5, 25.03},
		testLine,
		testPoly,
		orb.MultiPoint{{1, 2}, {3, 4}},
		orb.MultiLineString{testLine, {{0, 0}, {1, 1}}},
		orb.MultiPolygon{testPoly, {{{20, 20}, {21, 20}, {21, 21}, {20, 20}}}},
		orb.Collection{orb.Point{1, 2}, testLine},
	}
)

func TestDecodeWKB(t *testing.T) {
	for _, g := range testGeoms {
		for _, dim := range []struct {
			name   string
			dims   int
			offset uint32
		}{{"XY", 2, 0}, {"XYZ", 3, 1000}, {"XYM", 3, 2000}, {"XYZM", 4, 3000}} {
			t.Run(GeometryTypeName(g)+" "+dim.name, func(t *testing.T) {
				got, _, err := decodeWKB(wkbOf(g, dim.dims, dim.offset))
				if err != nil {
					t.Fatal(err)
				}
				if !orb.Equal(got, g) {
					t.Errorf("got %v, want %v", got, g)
				}
			})
		}
	}
}

func TestDecodeWKBVariants(t *testing.T) {
	tests := []struct {
		name string
		wkb  []byte
		want orb.Geometry
		srid int
	}{
		{"big endian point", newWKB(true).header(1).f64(1.5, -2.5).bytes(), orb.Point{1.5, -2.5}, 0},
		{"EWKB point Z with SRID", newWKB(false).header(1|ewkbZ|ewkbSRID).u32(4269).f64(1, 2, 3).bytes(), orb.Point{1, 2}, 4269},
		{"EWKB line ZM", newWKB(false).header(2|ewkbZ|ewkbM).u32(2).f64(1, 2, 3, 4, 5, 6, 7, 8).bytes(), orb.LineString{{1, 2}, {5, 6}}, 0},
		{"empty point (NaN)", newWKB(false).header(1).f64(math.NaN(), math.NaN()).bytes(), nil, 0},
		{"empty line", newWKB(false).header(2).u32(0).bytes(), orb.LineString{}, 0},
		{"mixed byte orders in a multi", append(newWKB(false).header(4).u32(2).bytes(),
			append(newWKB(true).header(1).f64(1, 2).bytes(), newWKB(false).header(1).f64(3, 4).bytes()...)...),
			orb.MultiPoint{{1, 2}, {3, 4}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, srid, err := decodeWKB(tt.wkb)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if got != nil {
					t.Errorf("got %v, want nil", got)
				}
			} else if !orb.Equal(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			if srid != tt.srid {
				t.Errorf("srid %d, want %d", srid, tt.srid)
			}
		})
	}
}

func TestDecodeWKBErrors(t *testing.T) {
	valid := wkbOf(testPoly, 2, 0)
	tests := []struct {
		name string
		wkb  []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"bad byte order", []byte{7, 1, 0, 0, 0}, "byte order"},
		{"unknown type", newWKB(false).header(17).bytes(), "not supported"},
		{"type 4000", newWKB(false).header(4001).bytes(), "not supported"},
		{"huge count", newWKB(false).header(2).u32(0xFFFFFFFF).bytes(), "exceeds"},
		{"huge ring count", newWKB(false).header(3).u32(1 << 30).bytes(), "exceeds"},
		{"multipoint holding a line", append(newWKB(false).header(4).u32(1).bytes(), wkbOf(testLine, 2, 0)...), "expected"},
		{"truncated polygon", valid[:len(valid)-3], "exceeds"},
		{"trailing bytes", append(append([]byte{}, valid...), 0), "trailing"},
		{"Z flag and ISO Z together", newWKB(false).header(3001 | ewkbZ | ewkbM).bytes(), "conflicting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _, err := decodeWKB(tt.wkb)
			if err == nil {
				t.Fatalf("decoded %v, want error", g)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
	// Deeply nested collections must fail, not overflow the stack.
	w := newWKB(false)
	for i := 0; i < 100; i++ {
		w.header(7).u32(1)
	}
	w.header(1).f64(1, 2)
	if _, _, err := decodeWKB(w.bytes()); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Errorf("deep nesting: %v", err)
	}
	// Every truncation of a valid blob fails cleanly.
	for n := 0; n < len(valid); n++ {
		if _, _, err := decodeWKB(valid[:n]); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
}

func TestDecodeGPKGBlob(t *testing.T) {
	wkb := wkbOf(testLine, 4, 3000)
	for env := byte(0); env <= 4; env++ {
		for _, be := range []bool{false, true} {
			t.Run(string(rune('0'+env))+map[bool]string{false: " LE", true: " BE"}[be], func(t *testing.T) {
				g, srs, err := decodeGPKGBlob(gpBlob(wkb, 100006, env, be, false))
				if err != nil {
					t.Fatal(err)
				}
				if !orb.Equal(g, testLine) {
					t.Errorf("got %v", g)
				}
				if srs != 100006 {
					t.Errorf("srs_id %d", srs)
				}
			})
		}
	}
	if g, _, err := decodeGPKGBlob(gpBlob(nil, 4326, 0, false, true)); err != nil || g != nil {
		t.Errorf("empty geometry: %v, %v", g, err)
	}
	bad := []struct {
		name string
		blob []byte
		want string
	}{
		{"short", []byte("GP"), "too short"},
		{"no magic", []byte("XY\x00\x01\x00\x00\x00\x00"), "GP"},
		{"version 1", []byte("GP\x01\x01\x00\x00\x00\x00"), "version"},
		{"extended type", []byte("GP\x00\x21\x00\x00\x00\x00"), "extended"},
		{"envelope 5", []byte("GP\x00\x0b\x00\x00\x00\x00"), "envelope"},
		{"envelope past end", gpBlob(nil, 0, 4, false, false)[:40], "envelope"},
		{"bad WKB", gpBlob([]byte{1, 2, 0, 0, 0, 9}, 0, 1, false, false), "truncated"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeGPKGBlob(tt.blob)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want mention of %q", err, tt.want)
			}
		})
	}
}

func TestParseEWKT(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want orb.Geometry
		srid int
	}{
		{"point", "POINT (120.611 24.1642)", orb.Point{120.611, 24.1642}, 0},
		{"point no space, lower case", "point(1 2)", orb.Point{1, 2}, 0},
		{"point Z", "POINT Z (1 2 3)", orb.Point{1, 2}, 0},
		{"point ZM glued", "POINTZM(1 2 3 4)", orb.Point{1, 2}, 0},
		{"EWKT", "SRID=4269;POINT(-89.4 43.1)", orb.Point{-89.4, 43.1}, 4269},
		{"linestring", "LINESTRING (0 0, 1 1, 2 0)", orb.LineString{{0, 0}, {1, 1}, {2, 0}}, 0},
		{"exponent numbers", "LINESTRING (1e3 -2.5E-1, +3 4)", orb.LineString{{1000, -0.25}, {3, 4}}, 0},
		{"polygon with hole", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 2 2))", testPoly, 0},
		{"multipoint bare", "MULTIPOINT (1 2, 3 4)", orb.MultiPoint{{1, 2}, {3, 4}}, 0},
		{"multipoint parenthesised", "MULTIPOINT ((1 2), (3 4))", orb.MultiPoint{{1, 2}, {3, 4}}, 0},
		{"multilinestring", "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))", orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}, 0},
		{"multipolygon", "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
			orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{5, 5}, {6, 5}, {6, 6}, {5, 5}}}}, 0},
		{"collection", "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))",
			orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}}, 0},
		{"empty", "POINT EMPTY", nil, 0},
		{"empty Z", "LINESTRING Z EMPTY", nil, 0},
		{"surrounding space", "  POINT ( 1   2 )  ", orb.Point{1, 2}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, srid, err := parseEWKT(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if g != nil {
					t.Errorf("got %v, want nil", g)
				}
			} else if !orb.Equal(g, tt.want) {
				t.Errorf("got %v, want %v", g, tt.want)
			}
			if srid != tt.srid {
				t.Errorf("srid %d, want %d", srid, tt.srid)
			}
		})
	}
}

func TestParseEWKTErrors(t *testing.T) {
	for _, in := range []string{
		"", "POINT", "POINT (1)", "POINT (1 2 3 4 5)", "POINT (1 2", "POINT 1 2)", "CIRCLE (1 2)",
		"LINESTRING (1 2,)", "POLYGON (1 2, 3 4)", "SRID=abc;POINT(1 2)", "SRID=4326POINT(1 2)",
		"POINT (1 2) extra", "POINT (1..2 3)", "MULTIPOLYGON (((0 0, 1 1))", "Point Reyes",
		strings.Repeat("GEOMETRYCOLLECTION (", 100) + "POINT (1 2)" + strings.Repeat(")", 100),
	} {
		t.Run(in, func(t *testing.T) {
			if g, _, err := parseEWKT(in); err == nil {
				t.Errorf("parsed %q as %v, want error", in, g)
			}
		})
	}
}

func TestLooksLikeWKT(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"POINT (1 2)", true},
		{"SRID=4326;POINT (1 2)", true},
		{"linestring(0 0, 1 1)", true},
		{"Point Reyes Station", false},
		{"POINTER", false},
		{"Polygonal Creek", false},
		{"12.5", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := looksLikeWKT(tt.in); got != tt.want {
			t.Errorf("looksLikeWKT(%q) = %v", tt.in, got)
		}
	}
}

func FuzzDecodeWKB(f *testing.F) {
	for _, g := range testGeoms {
		f.Add(wkbOf(g, 2, 0))
		f.Add(wkbOf(g, 4, 3000))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = decodeWKB(b)
		_, _, _ = decodeGPKGBlob(append([]byte("GP\x00\x01\x00\x00\x00\x00"), b...))
	})
}

func FuzzParseEWKT(f *testing.F) {
	for _, s := range []string{"POINT (1 2)", "SRID=4269;MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))", "GEOMETRYCOLLECTION (POINT (1 2))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _, _ = parseEWKT(s)
		_ = looksLikeWKT(s)
	})
}
