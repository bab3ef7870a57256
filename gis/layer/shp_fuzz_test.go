package layer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
)

// FuzzShapefile reads arbitrary .shp and .dbf bytes: the reader must
// return a layer or an error, never panic or hang, and a layer it returns
// never holds more features than the .dbf declares records.
func FuzzShapefile(f *testing.F) {
	fields := []dbfSpec{{"NAME", 'C', 6, 0}, {"V", 'N', 8, 2}, {"D", 'D', 8, 0}, {"OK", 'L', 1, 0}}
	rows := [][][]byte{
		{[]byte("a"), []byte("1.5"), []byte("20200101"), []byte("T")},
		{[]byte("b"), []byte("2"), []byte(""), []byte("?")},
	}
	line := [][]orb.Point{{{0, 0}, {1, 1}, {2, 1}}}
	seeds := [][]byte{
		buildSHP(shpPolyLine, [][]byte{shpParts(shpPolyLine, line), shpParts(shpPolyLine, nil)}),
		buildSHP(shpPolygonZ, [][]byte{shpParts(shpPolygonZ, [][]orb.Point{outerA, holeA}), shpParts(shpPolygonZ, [][]orb.Point{outerB})}),
		buildSHP(shpPointZ, [][]byte{shpPointRec(shpPointZ, orb.Point{121, 24}), shpPointRec(shpPointZ, orb.Point{250000, 2650000})}),
	}
	dbf := buildDBF(fields, rows)
	for _, s := range seeds {
		f.Add(s, dbf)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, shp, dbf []byte) {
		path := filepath.Join(dir, "f.shp")
		if err := os.WriteFile(path, shp, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "f.dbf"), dbf, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Read(path, Options{})
		if err != nil {
			return
		}
		if d, derr := parseDBFHeader(dbf); derr == nil && len(l.Features) > d.n {
			t.Fatalf("%d features from a .dbf of %d records", len(l.Features), d.n)
		}
		_, _ = Layers(path)
	})
}
