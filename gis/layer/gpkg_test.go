package layer

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// makeGPKG writes a small GeoPackage with:
//   - points (POINT, EPSG:3826 by organization), with DATE, BOOLEAN, BLOB,
//     NULL and text columns and every blob header variant;
//   - canals (MULTILINESTRING, 1 row) listed before
//   - rivers (LINESTRING, 3 rows, srs 990001 organization NONE with TM2 WKT);
//   - notes, an attribute table.
func makeGPKG(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "test.gpkg")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
		organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`)
	exec(`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT,
		description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)`)
	exec(`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
		srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL)`)
	exec(`INSERT INTO gpkg_spatial_ref_sys VALUES ('TWD97 TM2', 3826, 'EPSG', 3826, 'PROJCS["TWD97 / TM2 zone 121"]', ''),
		('local', 990001, 'NONE', 990001, ?, '')`, `PROJCS["TWD97_TM2_zone_121",GEOGCS["GCS_TWD97",DATUM["D_TWD_1997",SPHEROID["GRS_1980",6378137,298.257222101]]],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",121],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",250000]]`)
	exec(`INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('points', 'features', 3826), ('canals', 'features', 990001),
		('rivers', 'features', 990001), ('notes', 'attributes', NULL)`)
	exec(`INSERT INTO gpkg_geometry_columns VALUES ('points', 'shape', 'POINT', 3826, 0, 0), ('canals', 'geom', 'MULTILINESTRING', 990001, 0, 0),
		('rivers', 'geom', 'LINESTRING', 990001, 1, 1)`)

	exec(`CREATE TABLE points (fid INTEGER PRIMARY KEY AUTOINCREMENT, shape POINT, "Name" TEXT, sampled DATE, at DATETIME,
		active BOOLEAN, depth REAL, n MEDIUMINT, raw BLOB, "we""ird" TEXT)`)
	pt := wkbOf(orb.Point{250000, 2655023.125}, 2, 0)
	ins := `INSERT INTO points (shape, "Name", sampled, at, active, depth, n, raw, "we""ird") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	exec(ins, gpBlob(pt, 3826, 0, false, false), "A", "2016-03-01", "1999-10-05T00:00:00.000Z", 1, 2.5, 7, []byte("xy"), "q")
	exec(ins, gpBlob(wkbOf(orb.Point{1, 2}, 3, 1000), 3826, 2, true, false), "B", nil, nil, 0, nil, nil, nil, nil)
	exec(ins, gpBlob(wkbOf(orb.Point{3, 4}, 4, 3000), 3826, 4, false, false), "C", nil, nil, nil, -1.0, -9999, nil, nil)
	exec(ins, gpBlob(nil, 3826, 0, false, true), "empty", nil, nil, nil, nil, nil, nil, nil)
	exec(ins, nil, "null geometry", nil, nil, nil, nil, nil, nil, nil)

	exec(`CREATE TABLE canals (fid INTEGER PRIMARY KEY, geom MULTILINESTRING, name TEXT)`)
	exec(`INSERT INTO canals (geom, name) VALUES (?, 'canal')`, gpBlob(wkbOf(orb.MultiLineString{{{0, 0}, {1, 1}}}, 2, 0), 990001, 1, false, false))

	exec(`CREATE TABLE rivers (fid INTEGER PRIMARY KEY, geom LINESTRING, name TEXT)`)
	for _, n := range []string{"r1", "r2", "r3"} {
		exec(`INSERT INTO rivers (geom, name) VALUES (?, ?)`, gpBlob(wkbOf(orb.LineString{{0, 0}, {5, 5}}, 4, 3000), 990001, 3, false, false), n)
	}
	exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)`)
	exec(`INSERT INTO notes (text) VALUES ('hello')`)
	return path
}

func TestGeoPackage(t *testing.T) {
	path := makeGPKG(t, t.TempDir())
	t.Run("default is the largest line layer", func(t *testing.T) {
		l, err := Read(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != "rivers" || len(l.Features) != 3 || l.SRID != 3826 {
			t.Errorf("got %s with %d features, SRID %d", l.Name, len(l.Features), l.SRID)
		}
		if !orb.Equal(l.Features[0].Geometry, orb.LineString{{0, 0}, {5, 5}}) {
			t.Errorf("XYZM line %v", l.Features[0].Geometry)
		}
	})
	t.Run("points with every column type", func(t *testing.T) {
		l, err := Read(path, Options{Layer: "points"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(l.Fields, ",") != `fid,Name,sampled,at,active,depth,n,raw,we"ird` {
			t.Errorf("fields %q", l.Fields)
		}
		if l.SRID != 3826 || len(l.Features) != 5 {
			t.Fatalf("SRID %d, %d features", l.SRID, len(l.Features))
		}
		f := l.Features[0]
		want := map[string]any{"fid": int64(1), "Name": "A", "sampled": "2016-03-01", "at": "1999-10-05T00:00:00.000Z",
			"active": true, "depth": 2.5, "n": int64(7), "raw": "xy", `we"ird`: "q"}
		for k, v := range want {
			if got := f.Props[k]; got != v {
				t.Errorf("%s = %#v, want %#v", k, got, v)
			}
		}
		if s, _ := f.String("NAME"); s != "A" {
			t.Errorf("case-insensitive String(NAME) = %q", s)
		}
		geoms := []orb.Geometry{orb.Point{250000, 2655023.125}, orb.Point{1, 2}, orb.Point{3, 4}, nil, nil}
		for i, g := range geoms {
			if got := l.Features[i].Geometry; g == nil && got != nil || g != nil && !orb.Equal(got, g) {
				t.Errorf("row %d geometry %v, want %v", i+1, got, g)
			}
		}
		if l.Features[1].Props["active"] != false || l.Features[1].Props["depth"] != nil {
			t.Errorf("row 2 %#v", l.Features[1].Props)
		}
	})
	t.Run("attribute table", func(t *testing.T) {
		l, err := Read(path, Options{Layer: "NOTES"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != "notes" || len(l.Features) != 1 || l.Features[0].Geometry != nil || l.Features[0].Props["text"] != "hello" {
			t.Errorf("got %+v", l)
		}
	})
	t.Run("layers", func(t *testing.T) {
		got, err := Layers(path)
		if err != nil {
			t.Fatal(err)
		}
		want := []LayerInfo{
			{"points", "POINT", 3826, 5}, {"canals", "MULTILINESTRING", 3826, 1},
			{"rivers", "LINESTRING", 3826, 3}, {"notes", "", 0, 1},
		}
		if len(got) != len(want) {
			t.Fatalf("got %+v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("layer %d: %+v, want %+v", i, got[i], want[i])
			}
		}
	})
	t.Run("missing layer", func(t *testing.T) {
		_, err := Read(path, Options{Layer: "X"})
		want := `layer: test.gpkg: layer "X" not found (have: points, canals, rivers, notes)`
		if !errors.Is(err, ErrLayerNotFound) || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
	})
	t.Run("file is not modified", func(t *testing.T) {
		st1, _ := os.Stat(path)
		if _, err := Read(path, Options{}); err != nil {
			t.Fatal(err)
		}
		st2, _ := os.Stat(path)
		if !st1.ModTime().Equal(st2.ModTime()) || st1.Size() != st2.Size() {
			t.Error("reading changed the file")
		}
		if _, err := os.Stat(path + "-journal"); err == nil {
			t.Error("a journal was created")
		}
	})
}

func TestGeoPackageReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Log("running as root: directory permissions are not enforced, checking immutable open only")
	}
	dir := t.TempDir()
	path := makeGPKG(t, dir)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if _, err := Read(path, Options{}); err != nil {
		t.Fatalf("read-only directory: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files appeared next to the GeoPackage: %v", entries)
	}
}

func TestGeoPackageErrors(t *testing.T) {
	dir := t.TempDir()
	path := makeGPKG(t, dir)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO rivers (geom, name) VALUES (?, 'bad'), (X'47500001', 'short'), ('text', 'not a blob')`,
		gpBlob([]byte{1, 2, 0, 0, 0, 255, 255, 255, 255}, 990001, 0, false, false)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Read(path, Options{Layer: "rivers"})
	var re *RowError
	if !errors.As(err, &re) || re.Row != 4 || re.Layer != "rivers" || re.Field != "geom" {
		t.Fatalf("error %v, want RowError at rivers row 4 field geom", err)
	}
	if want := `layer: test.gpkg: layer "rivers": row 4: field "geom": `; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}

	valid, err := os.ReadFile(makeGPKG(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"not a database", []byte("this is not sqlite at all, just text that goes on for a while"), "test.gpkg"},
		{"empty file", nil, "test.gpkg"},
		{"truncated database", valid[:len(valid)/3], "test.gpkg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "", "test.gpkg", tt.content)
			if _, err := Read(p, Options{}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v", err)
			}
			_, _ = Layers(p)
		})
	}
	t.Run("sqlite without GeoPackage tables", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "plain.gpkg")
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE t (a INTEGER)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := Read(p, Options{}); err == nil || !strings.Contains(err.Error(), "not a readable GeoPackage") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nope.gpkg")
		if _, err := Read(p, Options{}); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("every truncation", func(t *testing.T) {
		for n := 0; n < len(valid); n += 512 {
			p := writeFile(t, "", "cut.gpkg", valid[:n])
			_, _ = Read(p, Options{})
		}
	})
}

func TestReadDispatch(t *testing.T) {
	_, err := Read(writeFile(t, "", "data.kml", []byte("<kml/>")), Options{})
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "data.kml") {
		t.Errorf("error %v", err)
	}
	if _, err := Layers("x.txt"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Layers error %v", err)
	}
	_, err = Read(writeFile(t, "", "a.csv", []byte("a\n1\n")), Options{Layer: "b"})
	if !errors.Is(err, ErrLayerNotFound) {
		t.Errorf("csv with wrong layer: %v", err)
	}
	if _, err := Read(writeFile(t, "", "A.CSV", []byte("a\n1\n")), Options{Layer: "a"}); err != nil {
		t.Errorf("upper-case extension and matching layer name: %v", err)
	}
}

func TestFeatureAccessors(t *testing.T) {
	f := Feature{Props: map[string]any{
		"COMID": int64(13293468), "Hydroseq": 510146312.0, "frac": 2.5, "txt": " 42 ", "flag": true, "none": nil, "word": "abc",
	}}
	tests := []struct {
		name  string
		field string
		f     float64
		fok   bool
		i     int64
		iok   bool
		s     string
		sok   bool
	}{
		{"int64 exact case", "COMID", 13293468, true, 13293468, true, "13293468", true},
		{"int64 other case", "comid", 13293468, true, 13293468, true, "13293468", true},
		{"integral float", "HYDROSEQ", 510146312, true, 510146312, true, "510146312", true},
		{"fractional float", "frac", 2.5, true, 0, false, "2.5", true},
		{"numeric text", "txt", 42, true, 42, true, " 42 ", true},
		{"bool", "flag", 1, true, 1, true, "true", true},
		{"null", "none", 0, false, 0, false, "", false},
		{"text", "word", 0, false, 0, false, "abc", true},
		{"missing", "nope", 0, false, 0, false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v, ok := f.Float(tt.field); v != tt.f || ok != tt.fok {
				t.Errorf("Float = %v, %v", v, ok)
			}
			if v, ok := f.Int64(tt.field); v != tt.i || ok != tt.iok {
				t.Errorf("Int64 = %v, %v", v, ok)
			}
			if v, ok := f.String(tt.field); v != tt.s || ok != tt.sok {
				t.Errorf("String = %q, %v", v, ok)
			}
		})
	}
	if _, ok := f.Value("none"); !ok {
		t.Error("Value of a null field reports missing")
	}
	if b, ok := f.Bool("word"); ok {
		t.Errorf("Bool(word) = %v, true", b)
	}
}

func TestGeoPackageAwkwardPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a b#c?d%20é")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Build it elsewhere: the test helper's plain DSN cannot take '?'.
	path := filepath.Join(dir, "my file?.gpkg")
	if err := os.Rename(makeGPKG(t, t.TempDir()), path); err != nil {
		t.Fatal(err)
	}
	l, err := Read(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Features) != 3 {
		t.Errorf("%d features", len(l.Features))
	}
}
