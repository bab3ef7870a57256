package hydro

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/realdata"
)

// TestGeoJSONReaderMatchesGeneric reads every GeoJSON network of the real
// data, and files made to hit each column rule and each kind of error,
// both ways: the streaming GeoJSON reader must give the reaches, rows,
// SRID and errors of layer.Read and FromLayer. Each case also says
// whether the streaming scanner reads it (rather than handing it to the
// generic path), so that a case cannot pass by never streaming.
func TestGeoJSONReaderMatchesGeneric(t *testing.T) {
	for _, rel := range []string{"nldi/flowlines_921.geojson", "hydroloom/diversions.geojson",
		"hydroloom/simple_diversions.geojson", "taiwan/touqian_streams_order8.epsg3826.geojson",
		"taiwan/touqian_streams_order9.epsg3826.geojson", "taiwan/touqian_streams_order10.epsg3826.geojson",
		"taiwan/touqian_streams_order11.epsg3826.geojson"} {
		t.Run(rel, func(t *testing.T) {
			path := realdata.Path(t, rel)
			checkStreams(t, path, true)
			checkReaderSameAsGeneric(t, path, readGeoJSONReaches)
		})
	}
	line := func(id, toid, extra string) string {
		return `{"type":"Feature","properties":{"id":` + id + `,"toid":` + toid + extra + `},"geometry":{"type":"LineString","coordinates":[[120,23],[120.01,23.01]]}}`
	}
	fc := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	cases := []struct {
		name, text string
		streams    bool
	}{
		{"toid numbers", fc(line("11", "12", `,"lengthkm":0.5`), line("12", "0", `,"lengthkm":1.25`), line("13", "12", `,"lengthkm":-9999`)), true},
		{"divided numeric ids", fc(line("11", "12", ""), line("12", "0", ""), line("11", "13", ""), line("13", "0", ""), line("11", "12", "")), true},
		{"divided text ids", fc(line(`"b"`, `"a"`, ""), line(`"a"`, `""`, ""), line(`"b"`, `"c"`, ""), line(`"c"`, "null", ""), line(`"b"`, `""`, "")), true},
		{"ids as text and odd numbers", fc(line(`"007"`, `"+12"`, `,"lengthkm":1.0`), line(`"+12"`, "0", `,"lengthkm":-0.0`),
			line("5.0", "1e3", `,"lengthkm":1e-3`), line("1e3", "null", `,"lengthkm":"0x1F"`),
			line("12345678901234567", "0", `,"lengthkm":" 2.5 "`), line(`" 9 "`, "-0", `,"lengthkm":true`)), true},
		{"empty id", fc(line("1", "2", ""), line(`""`, "1", "")), true},
		{"nodes", fc(`{"type":"Feature","properties":{"comid":1,"fromnode":10,"tonode":11,"lengthkm":1,"gnis_name":"Da-an \u6eaa","streamorde":2,"divergence":0,"totdasqkm":5.5},"geometry":null}`,
			`{"type":"Feature","properties":{"comid":2,"fromnode":11,"tonode":12,"lengthkm":1,"gnis_name":" Da-an ","streamorde":2,"divergence":1,"totdasqkm":8}}`), true},
		{"nhdplus", fc(`{"type":"Feature","properties":{"comid":1,"hydroseq":2.0,"dnhydroseq":1.0,"dnminorhyd":0,"uphydroseq":0,"levelpathi":2,"terminalpa":1,"pathlength":-9999,"startflag":1,"terminalfl":0,"fcode":46006,"lengthkm":1.5,"reachcode":"0309","frommeas":0,"tomeas":100}}`,
			`{"type":"Feature","properties":{"comid":2,"hydroseq":1,"dnhydroseq":0,"dnminorhyd":0,"uphydroseq":2.0,"levelpathi":2,"terminalpa":1,"pathlength":0,"startflag":0,"terminalfl":1,"fcode":46006,"lengthkm":1,"reachcode":"0309","frommeas":0,"tomeas":50}}`), true},
		{"velocity in m per s", fc(line("1", "2", `,"velocity_ms":0.5`), line("2", "0", `,"velocity_ms":-9998`)), true},
		{"velocity unitless", fc(line("1", "2", `,"velocity":0.5`)), true},
		{"velocity too fast", fc(line("1", "2", `,"velocity_ms":0.5`), line("2", "0", `,"velocity_ms":40`)), true},
		{"routelink metres", fc(`{"type":"Feature","properties":{"link":1,"to":2,"length":1500}}`, `{"type":"Feature","properties":{"link":2,"to":0,"length":250}}`), true},
		{"feature ids", fc(`{"type":"Feature","id":7,"properties":{"toid":8}}`, `{"type":"Feature","id":"8","properties":{"toid":0}}`,
			`{"type":"Feature","id":9,"properties":{"id":10,"toid":8}}`, `{"type":"Feature","id":null,"properties":{"id":11,"toid":8}}`), true},
		{"feature id null", fc(`{"type":"Feature","id":1,"properties":{"toid":0}}`, `{"type":"Feature","id":null,"properties":{"toid":1}}`), true},
		{"id column first seen late", fc(`{"type":"Feature","properties":{"link":1,"toid":2}}`, `{"type":"Feature","properties":{"comid":2,"toid":0}}`), true},
		{"members in any order", fc(`{"geometry":{"coordinates":[[0,0],[1,1]],"type":"LineString"},"properties":{"toid":2,"id":1},"type":"Feature"}`,
			`{"properties":null,"properties":{"id":2},"geometry":{"type":"LineString","coordinates":[[1,1],[2,2,5]],"bbox":[1,1,2,2]}}`), true},
		{"multilinestring and empty lines", fc(`{"type":"Feature","properties":{"id":1,"toid":2},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[1,1],[2,2]]]}}`,
			`{"type":"Feature","properties":{"id":2,"toid":0},"geometry":{"type":"LineString","coordinates":[]}}`), true},
		{"line typed twice", fc(`{"type":"Feature","properties":{"id":1,"toid":0},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]],"type":"MultiPoint"}}`), true},
		{"geometry only", fc(`{"type":"Feature","properties":{"id":1},"geometry":{"type":"LineString","coordinates":[[0,0],[1000,0]]}}`,
			`{"type":"Feature","properties":{"id":2},"geometry":{"type":"LineString","coordinates":[[1000,0],[2000,0]]}}`,
			`{"type":"Feature","properties":{"id":3},"geometry":{"type":"LineString","coordinates":[[500,500],[500,0]]}}`), true},
		{"crs and name after the features", strings.TrimSuffix(fc(line("1", "0", "")), "}") +
			`,"name":"touqian","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3826"}}}`, true},
		{"byte order mark and odd values", "\ufeff" + fc(line("1", "0", `,"name":{"a":[1,2]},"order":"3"`)), true},
		{"not a line", fc(line("1", "2", ""), `{"type":"Feature","properties":{"id":2,"toid":0},"geometry":{"type":"Point","coordinates":[1,2]}}`), true},
		{"column error before a geometry error", fc(line(`""`, "2", ""), `{"type":"Feature","properties":{"id":2,"toid":0},"geometry":{"type":"LineString","coordinates":[[1,2]],"type":"Polygon"}}`), true},
		{"coordinates not numbers", fc(line("1", "2", ""), `{"type":"Feature","properties":{"id":2},"geometry":{"type":"LineString","coordinates":[["a",2],[3,4]]}}`), true},
		{"short position", fc(`{"type":"Feature","properties":{"id":2},"geometry":{"type":"LineString","coordinates":[[1],[3,4]]}}`), true},
		{"no features", fc(), true},
		{"features null", `{"type":"FeatureCollection","features":null}`, false},
		{"single feature", line("1", "0", ""), false},
		{"trailing data", fc(line("1", "0", "")) + "x", false},
		{"syntax error in a later feature", fc(line("1", "2", ""), `{"type":"Feature","properties":{"id":2,"toid":}}`), false},
		{"properties not an object", fc(`{"type":"Feature","properties":[1]}`), true},
		{"bad number in a property", fc(line("1", "2", `,"lengthkm":1.5.5`)), true},
		{"bad escape in a name", fc(line("1", "2", `,"name":"a\qb"`)), true},
		{"bad literal as id", fc(`{"type":"Feature","id":nul,"properties":{"toid":0}}`), true},
		{"unclosed feature", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1}`, false},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".geojson")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			checkStreams(t, path, c.streams)
			checkReaderSameAsGeneric(t, path, readGeoJSONReaches)
		})
	}
}

// checkStreams fails unless the streaming scanner accepts path exactly
// when want says it does.
func checkStreams(t *testing.T, path string, want bool) {
	t.Helper()
	g, err := layer.OpenGeoJSON(path, layer.Options{})
	if got := err == nil; got != want {
		t.Fatalf("%s: streamed %v (%v), want %v", filepath.Base(path), got, err, want)
	}
	if g != nil {
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
