package layer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/traditionalchinese"
)

// shpPointRec encodes a point record's content.
func shpPointRec(typ int32, p orb.Point) []byte {
	var b bytes.Buffer
	le(&b, typ)
	le(&b, p[0], p[1])
	switch typ {
	case shpPointZ:
		le(&b, 99.0, 0.0)
	case shpPointM:
		le(&b, 0.0)
	}
	return b.Bytes()
}

func le(b *bytes.Buffer, vs ...any) {
	for _, v := range vs {
		_ = binary.Write(b, binary.LittleEndian, v)
	}
}

func shpParts(typ int32, parts [][]orb.Point) []byte {
	var b bytes.Buffer
	le(&b, typ)
	le(&b, 0.0, 0.0, 0.0, 0.0) // bbox, not read
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	le(&b, int32(len(parts)), int32(n))
	start := 0
	for _, p := range parts {
		le(&b, int32(start))
		start += len(p)
	}
	for _, p := range parts {
		for _, pt := range p {
			le(&b, pt[0], pt[1])
		}
	}
	if typ == shpPolyLineZ || typ == shpPolygonZ {
		le(&b, 0.0, 0.0)
		for i := 0; i < n; i++ {
			le(&b, 5.0)
		}
	}
	return b.Bytes()
}

func shpMultiPointRec(typ int32, ps []orb.Point) []byte {
	var b bytes.Buffer
	le(&b, typ, 0.0, 0.0, 0.0, 0.0, int32(len(ps)))
	for _, p := range ps {
		le(&b, p[0], p[1])
	}
	if typ == shpMultiPointM {
		le(&b, 0.0, 0.0)
		for range ps {
			le(&b, 1.0)
		}
	}
	return b.Bytes()
}

// buildSHP assembles the main file: 100-byte header and records.
func buildSHP(typ int32, recs [][]byte) []byte {
	var body bytes.Buffer
	for i, r := range recs {
		_ = binary.Write(&body, binary.BigEndian, int32(i+1))
		_ = binary.Write(&body, binary.BigEndian, int32(len(r)/2))
		body.Write(r)
	}
	h := make([]byte, 100)
	binary.BigEndian.PutUint32(h[0:], 9994)
	binary.BigEndian.PutUint32(h[24:], uint32((100+body.Len())/2))
	binary.LittleEndian.PutUint32(h[28:], 1000)
	binary.LittleEndian.PutUint32(h[32:], uint32(typ))
	return append(h, body.Bytes()...)
}

type dbfSpec struct {
	name     string
	typ      byte
	width    int
	decimals int
}

// buildDBF writes a dBASE III file; a row starting with "*" is deleted.
func buildDBF(fields []dbfSpec, rows [][][]byte) []byte {
	recLen := 1
	for _, f := range fields {
		recLen += f.width
	}
	var b bytes.Buffer
	b.WriteByte(3)
	b.Write([]byte{124, 1, 1})
	le(&b, uint32(len(rows)), uint16(32+32*len(fields)+1), uint16(recLen))
	b.Write(make([]byte, 20))
	for _, f := range fields {
		name := make([]byte, 11)
		copy(name, f.name)
		b.Write(name)
		b.WriteByte(f.typ)
		b.Write(make([]byte, 4))
		b.WriteByte(byte(f.width))
		b.WriteByte(byte(f.decimals))
		b.Write(make([]byte, 14))
	}
	b.WriteByte(0x0D)
	for _, r := range rows {
		flag := byte(' ')
		if len(r) > 0 && string(r[0]) == "*" {
			flag = '*'
			r = r[1:]
		}
		b.WriteByte(flag)
		for i, f := range fields {
			cell := make([]byte, f.width)
			for k := range cell {
				cell[k] = ' '
			}
			v := r[i]
			if f.typ == 'N' || f.typ == 'F' {
				copy(cell[f.width-len(v):], v) // right-aligned
			} else {
				copy(cell, v)
			}
			b.Write(cell)
		}
	}
	b.WriteByte(0x1A)
	return b.Bytes()
}

func big5(t testing.TB, s string) []byte {
	b, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const tm2Prj = `PROJCS["TWD97_TM2_zone_121",GEOGCS["GCS_TWD97",DATUM["D_TWD_1997",SPHEROID["GRS_1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",121],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",250000],PARAMETER["false_northing",0],UNIT["Meter",1]]`

// shapefile writes stem.shp/.dbf (+ optional .prj and .cpg) and returns the
// .shp path.
func shapefile(t testing.TB, dir string, shp, dbf []byte, prj, cpg string) string {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	p := writeFile(t, dir, "s.shp", shp)
	writeFile(t, dir, "s.dbf", dbf)
	if prj != "" {
		writeFile(t, dir, "s.prj", []byte(prj))
	}
	if cpg != "" {
		writeFile(t, dir, "s.cpg", []byte(cpg))
	}
	return p
}

// Shapefile rings: clockwise outer rings, counter-clockwise holes.
var (
	outerA = []orb.Point{{0, 0}, {0, 10}, {10, 10}, {10, 0}, {0, 0}}     // CW
	holeA  = []orb.Point{{2, 2}, {4, 2}, {4, 4}, {2, 4}, {2, 2}}         // CCW
	outerB = []orb.Point{{20, 0}, {20, 5}, {25, 5}, {25, 0}, {20, 0}}    // CW
	holeB  = []orb.Point{{21, 1}, {22, 1}, {22, 2}, {21, 2}, {21, 1}}    // CCW
	island = []orb.Point{{3, 3}, {3, 3.5}, {3.5, 3.5}, {3.5, 3}, {3, 3}} // CW, inside holeA
)

func TestShapefilePolygons(t *testing.T) {
	tests := []struct {
		name  string
		parts [][]orb.Point
		check func(t *testing.T, g orb.Geometry)
	}{
		{"outer with hole", [][]orb.Point{outerA, holeA}, func(t *testing.T, g orb.Geometry) {
			p, ok := g.(orb.Polygon)
			if !ok || len(p) != 2 {
				t.Fatalf("got %T %v", g, g)
			}
			if ringArea(p[0]) <= 0 || ringArea(p[1]) >= 0 {
				t.Errorf("orientation not RFC 7946: outer %v, hole %v", ringArea(p[0]), ringArea(p[1]))
			}
		}},
		{"holes assigned to their own outer ring", [][]orb.Point{outerA, outerB, holeB, holeA}, func(t *testing.T, g orb.Geometry) {
			mp, ok := g.(orb.MultiPolygon)
			if !ok || len(mp) != 2 {
				t.Fatalf("got %T %v", g, g)
			}
			if len(mp[0]) != 2 || mp[0][1].Bound() != orb.MultiPoint(holeA).Bound() {
				t.Errorf("polygon A: %v", mp[0])
			}
			if len(mp[1]) != 2 || mp[1][1].Bound() != orb.MultiPoint(holeB).Bound() {
				t.Errorf("polygon B: %v", mp[1])
			}
		}},
		{"island in a hole is its own polygon", [][]orb.Point{outerA, holeA, island}, func(t *testing.T, g orb.Geometry) {
			mp, ok := g.(orb.MultiPolygon)
			if !ok || len(mp) != 2 || len(mp[0]) != 2 || len(mp[1]) != 1 {
				t.Fatalf("got %T %v", g, g)
			}
		}},
		{"orphan counter-clockwise ring becomes an outer ring", [][]orb.Point{holeB}, func(t *testing.T, g orb.Geometry) {
			p, ok := g.(orb.Polygon)
			if !ok || len(p) != 1 || ringArea(p[0]) <= 0 {
				t.Fatalf("got %T %v", g, g)
			}
		}},
		{"no parts", nil, func(t *testing.T, g orb.Geometry) {
			if g != nil {
				t.Errorf("got %v", g)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, typ := range []int32{shpPolygon, shpPolygonZ} {
				shp := buildSHP(typ, [][]byte{shpParts(typ, tt.parts)})
				dbf := buildDBF([]dbfSpec{{"id", 'N', 4, 0}}, [][][]byte{{[]byte("1")}})
				l, err := Read(shapefile(t, "", shp, dbf, "", ""), Options{})
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, l.Features[0].Geometry)
			}
		})
	}
}

func TestShapefileShapesAndAttributes(t *testing.T) {
	fields := []dbfSpec{
		{"NAME", 'C', 12, 0}, {"CODE", 'C', 8, 0}, {"N", 'N', 6, 0}, {"X", 'N', 10, 3},
		{"F", 'F', 8, 2}, {"OK", 'L', 1, 0}, {"DAY", 'D', 8, 0},
	}
	rows := [][][]byte{
		{big5(t, "頭前溪"), []byte("0130"), []byte("42"), []byte("-1.250"), []byte("3.5"), []byte("T"), []byte("20160301")},
		{[]byte("*"), []byte("gone"), []byte(""), []byte(""), []byte(""), []byte(""), []byte(""), []byte("")},
		{[]byte("plain"), []byte(""), []byte("*****"), []byte(""), []byte(""), []byte("?"), []byte("")},
		{[]byte("z"), []byte(""), []byte("1"), []byte("2"), []byte("3"), []byte("n"), []byte("00000000")},
	}
	recs := [][]byte{
		shpParts(shpPolyLineZ, [][]orb.Point{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}),
		shpParts(shpPolyLine, [][]orb.Point{{{9, 9}, {8, 8}}}),
		{0, 0, 0, 0}, // null shape
		shpParts(shpPolyLine, [][]orb.Point{{{5, 5}, {6, 6}, {7, 5}}}),
	}
	path := shapefile(t, "", buildSHP(shpPolyLineZ, recs), buildDBF(fields, rows), tm2Prj, "")
	l, err := Read(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l.SRID != 3826 {
		t.Errorf("SRID %d", l.SRID)
	}
	if strings.Join(l.Fields, ",") != "NAME,CODE,N,X,F,OK,DAY" {
		t.Errorf("fields %v", l.Fields)
	}
	if len(l.Features) != 3 {
		t.Fatalf("%d features, want 3 (one deleted)", len(l.Features))
	}
	f1, f3, f4 := l.Features[0], l.Features[1], l.Features[2]
	if f1.Row != 1 || f3.Row != 3 || f4.Row != 4 {
		t.Errorf("rows %d %d %d, want record numbers 1 3 4", f1.Row, f3.Row, f4.Row)
	}
	if !orb.Equal(f1.Geometry, orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}) {
		t.Errorf("multi-part line %v", f1.Geometry)
	}
	if f3.Geometry != nil {
		t.Errorf("null shape gave %v", f3.Geometry)
	}
	if !orb.Equal(f4.Geometry, orb.LineString{{5, 5}, {6, 6}, {7, 5}}) {
		t.Errorf("single-part line %v", f4.Geometry)
	}
	want1 := map[string]any{"NAME": "頭前溪", "CODE": "0130", "N": int64(42), "X": -1.25, "F": 3.5, "OK": true, "DAY": "2016-03-01"}
	for k, v := range want1 {
		if got := f1.Props[k]; got != v {
			t.Errorf("row 1 %s = %#v, want %#v", k, got, v)
		}
	}
	want3 := map[string]any{"NAME": "plain", "CODE": nil, "N": nil, "X": nil, "F": nil, "OK": nil, "DAY": nil}
	for k, v := range want3 {
		if got, ok := f3.Props[k]; !ok || got != v {
			t.Errorf("row 3 %s = %#v, want %#v", k, got, v)
		}
	}
	if f4.Props["OK"] != false || f4.Props["DAY"] != nil {
		t.Errorf("row 4 %#v", f4.Props)
	}
	info, err := Layers(path)
	if err != nil || len(info) != 1 || info[0] != (LayerInfo{Name: "s", GeometryType: "LINESTRING", SRID: 3826, Count: 3}) {
		t.Errorf("Layers = %+v, %v", info, err)
	}
}

func TestShapefilePointsAndEncodings(t *testing.T) {
	fields := []dbfSpec{{"NAME", 'C', 10, 0}}
	tests := []struct {
		name string
		typ  int32
		rec  []byte
		geom orb.Geometry
		cell []byte
		cpg  string
		want string
		warn error // the damage reported for the NAME cell, nil for clean text
	}{
		{"Point, UTF-8 without .cpg", shpPoint, shpPointRec(shpPoint, orb.Point{1, 2}), orb.Point{1, 2}, []byte("竹東"), "", "竹東", nil},
		{"PointZ, Big5 without .cpg", shpPointZ, shpPointRec(shpPointZ, orb.Point{3, 4}), orb.Point{3, 4}, big5(t, "新竹"), "", "新竹", nil},
		{"PointM, Big5 declared", shpPointM, shpPointRec(shpPointM, orb.Point{5, 6}), orb.Point{5, 6}, big5(t, "苗栗"), "BIG5", "苗栗", nil},
		{"MultiPoint, cp950 declared", shpMultiPoint, shpMultiPointRec(shpMultiPoint, []orb.Point{{1, 1}, {2, 2}}), orb.MultiPoint{{1, 1}, {2, 2}}, big5(t, "台中"), "950", "台中", nil},
		{"MultiPointM, Latin-1 declared", shpMultiPointM, shpMultiPointRec(shpMultiPointM, []orb.Point{{1, 1}}), orb.MultiPoint{{1, 1}}, []byte{'R', 0xE9, 's'}, "ISO-8859-1", "Rés", nil},
		{"UTF-8 declared, character cut by the field width", shpPoint, shpPointRec(shpPoint, orb.Point{1, 2}), orb.Point{1, 2}, []byte("頭前溪")[:8], "UTF-8", "頭前", ErrTextCut},
		{"UTF-8 declared, replacement characters already stored", shpPoint, shpPointRec(shpPoint, orb.Point{1, 2}), orb.Point{1, 2}, []byte("農業?\uFFFD"), "UTF-8", "農業?\uFFFD", ErrTextReplaced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shp := buildSHP(tt.typ, [][]byte{tt.rec})
			dbf := buildDBF(fields, [][][]byte{{tt.cell}})
			l, err := Read(shapefile(t, "", shp, dbf, "", tt.cpg), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(l.Features[0].Geometry, tt.geom) {
				t.Errorf("geometry %v, want %v", l.Features[0].Geometry, tt.geom)
			}
			if got, _ := l.Features[0].String("name"); got != tt.want {
				t.Errorf("NAME = %q, want %q", got, tt.want)
			}
			if l.SRID != 0 {
				t.Errorf("SRID %d without .prj", l.SRID)
			}
			switch {
			case tt.warn == nil && len(l.Warnings) > 0:
				t.Errorf("clean text reported as damaged: %v", l.Warnings)
			case tt.warn != nil && (len(l.Warnings) != 1 || !errors.Is(l.Warnings[0], tt.warn) || l.Warnings[0].Row != 1 || l.Warnings[0].Field != "NAME"):
				t.Errorf("warnings %v, want row 1 field NAME: %v", l.Warnings, tt.warn)
			}
		})
	}
}

func TestShapefileErrors(t *testing.T) {
	fields := []dbfSpec{{"ID", 'N', 4, 0}}
	dbf2 := buildDBF(fields, [][][]byte{{[]byte("1")}, {[]byte("2")}})
	good := buildSHP(shpPolygon, [][]byte{shpParts(shpPolygon, [][]orb.Point{outerA}), shpParts(shpPolygon, [][]orb.Point{outerB})})
	badParts := shpParts(shpPolygon, [][]orb.Point{outerA})
	binary.LittleEndian.PutUint32(badParts[44:], 99) // first part starts past the points
	tests := []struct {
		name string
		shp  []byte
		dbf  []byte
		row  int
		want string
	}{
		{"not a shapefile", []byte(strings.Repeat("x", 120)), dbf2, 0, "file code"},
		{"short header", []byte{0, 0, 0x27, 0x0a}, dbf2, 0, "shorter than the 100-byte"},
		{"fewer shapes than records", good[:100+8+len(shpParts(shpPolygon, [][]orb.Point{outerA}))], dbf2, 2, "ends after 1"},
		{"record past the end", good[:len(good)-10], dbf2, 2, "past the end"},
		{"bad part index", buildSHP(shpPolygon, [][]byte{badParts, badParts}), dbf2, 1, "part 0 starts at point 99"},
		{"unknown shape type", buildSHP(shpPolygon, [][]byte{{77, 0, 0, 0}, {77, 0, 0, 0}}), dbf2, 1, "shape type 77"},
		{"multipatch", buildSHP(shpMultiPatch, nil), dbf2, 0, "MultiPatch"},
		{"dbf too short", good, []byte{3, 0, 0}, 0, "too short"},
		{"dbf claims more records than it holds", good, dbf2[:len(dbf2)-6], 0, "announces 2 records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(shapefile(t, "", tt.shp, tt.dbf, "", ""), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "layer: s.") {
				t.Errorf("error %q, want file name and %q", err, tt.want)
			}
			if tt.row > 0 {
				var re *RowError
				if !errors.As(err, &re) || re.Row != tt.row {
					t.Errorf("error %q: want RowError for row %d", err, tt.row)
				}
			}
		})
	}
	t.Run("missing dbf", func(t *testing.T) {
		p := writeFile(t, "", "lonely.shp", good)
		if _, err := Read(p, Options{}); err == nil || !strings.Contains(err.Error(), "lonely.dbf") {
			t.Errorf("error %v", err)
		}
	})
}

// TestShapefileTruncations cuts the .shp and the .dbf of a valid shapefile
// at every length and flips bytes: reading must fail or succeed, never
// panic or allocate wildly.
func TestShapefileTruncations(t *testing.T) {
	fields := []dbfSpec{{"NAME", 'C', 6, 0}, {"V", 'N', 8, 2}, {"D", 'D', 8, 0}}
	rows := [][][]byte{{[]byte("a"), []byte("1.5"), []byte("20200101")}, {[]byte("b"), []byte("2"), []byte("")}, {[]byte("c"), []byte("-3"), []byte("")}}
	shp := buildSHP(shpPolygonZ, [][]byte{
		shpParts(shpPolygonZ, [][]orb.Point{outerA, holeA}),
		shpParts(shpPolygonZ, [][]orb.Point{outerB, holeB, outerA}),
		shpParts(shpPolygonZ, nil),
	})
	dbf := buildDBF(fields, rows)
	dir := t.TempDir()
	path := shapefile(t, dir, shp, dbf, "", "")
	if l, err := Read(path, Options{}); err != nil || len(l.Features) != 3 {
		t.Fatalf("valid file: %v", err)
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for n := 0; n < len(shp); n++ {
		write("s.shp", shp[:n])
		_, _ = Read(path, Options{})
	}
	write("s.shp", shp)
	for n := 0; n < len(dbf); n++ {
		write("s.dbf", dbf[:n])
		_, _ = Read(path, Options{})
		_, _ = Layers(path)
	}
	write("s.dbf", dbf)
	for i := 0; i < len(shp); i++ {
		for _, v := range []byte{0xFF, 0x7F, 0x00} {
			c := append([]byte{}, shp...)
			c[i] = v
			write("s.shp", c)
			_, _ = Read(path, Options{})
		}
	}
	write("s.shp", shp)
	for i := 0; i < 40 && i < len(dbf); i++ { // header and first descriptor
		for _, v := range []byte{0xFF, 0x00, 0x0D} {
			c := append([]byte{}, dbf...)
			c[i] = v
			write("s.dbf", c)
			_, _ = Read(path, Options{})
		}
	}
}

func TestRingHelpers(t *testing.T) {
	if a := ringArea(outerA); a != -100 {
		t.Errorf("area of clockwise square %v, want -100", a)
	}
	if a := ringArea(holeA); a != 4 {
		t.Errorf("area of counter-clockwise square %v, want 4", a)
	}
	if !inRing(orb.Point{5, 5}, outerA) || inRing(orb.Point{11, 5}, outerA) {
		t.Error("inRing wrong")
	}
	if math.Abs(ringArea(reversed(outerA))-100) > 0 {
		t.Error("reversed")
	}
}
