package layer

import (
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestGeoJSON(t *testing.T) {
	tests := []struct {
		name   string
		json   string
		count  int
		srid   int
		fields []string
		check  func(t *testing.T, l *Layer)
	}{
		{
			name:   "crs URN and property order",
			json:   `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3826"}},"features":[{"type":"Feature","properties":{"z":1,"a":"x","m":true},"geometry":{"type":"Point","coordinates":[250000,2655023.125]}}]}`,
			count:  1,
			srid:   3826,
			fields: []string{"z", "a", "m"},
			check: func(t *testing.T, l *Layer) {
				f := l.Features[0]
				if f.Props["z"] != int64(1) || f.Props["a"] != "x" || f.Props["m"] != true {
					t.Errorf("props %#v", f.Props)
				}
				if f.Geometry != (orb.Point{250000, 2655023.125}) {
					t.Errorf("geometry %v", f.Geometry)
				}
			},
		},
		{
			name:  "CRS84 name",
			json:  `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[]}`,
			count: 0,
			srid:  4326,
		},
		{
			name:  "old EPSG crs object",
			json:  `{"type":"FeatureCollection","crs":{"type":"EPSG","properties":{"code":4269}},"features":[]}`,
			srid:  4269,
			count: 0,
		},
		{
			name: "unknown crs gives 0",
			json: `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"my-local-grid"}},"features":[]}`,
			srid: 0,
		},
		{
			name: "null crs keeps default",
			json: `{"type":"FeatureCollection","crs":null,"features":[]}`,
			srid: 4326,
		},
		{
			name:   "feature id into props, members in any order",
			json:   `{"features":[{"geometry":null,"id":"a-1","properties":{"v":1.5},"type":"Feature"},{"type":"Feature","id":7,"properties":{"id":"own","v":null},"geometry":null}],"type":"FeatureCollection"}`,
			count:  2,
			srid:   4326,
			fields: []string{"v", "id"},
			check: func(t *testing.T, l *Layer) {
				if l.Features[0].Props["id"] != "a-1" || l.Features[0].Geometry != nil {
					t.Errorf("feature 1: %#v %v", l.Features[0].Props, l.Features[0].Geometry)
				}
				if l.Features[1].Props["id"] != "own" {
					t.Errorf("id property overwritten: %#v", l.Features[1].Props)
				}
				if v, ok := l.Features[1].Value("v"); !ok || v != nil {
					t.Errorf("null property: %v %v", v, ok)
				}
			},
		},
		{
			name:  "3D coordinates, all geometry types, type after coordinates",
			count: 7,
			srid:  4326,
			json: `{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{},"geometry":{"coordinates":[1,2,3],"type":"Point"}},
			{"type":"Feature","properties":{},"geometry":{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}},
			{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2,9],[3,4,9]]}},
			{"type":"Feature","properties":{},"geometry":{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]}},
			{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
			{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}},
			{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[0,0],[1,1]]}]}}]}`,
			check: func(t *testing.T, l *Layer) {
				want := []orb.Geometry{
					orb.Point{1, 2},
					orb.MultiPoint{{1, 2}, {3, 4}},
					orb.LineString{{1, 2}, {3, 4}},
					orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}},
					orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}},
					orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
					orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}},
				}
				for i, w := range want {
					if !orb.Equal(l.Features[i].Geometry, w) {
						t.Errorf("feature %d: %v, want %v", i+1, l.Features[i].Geometry, w)
					}
				}
			},
		},
		{
			name:   "nested property values kept as JSON text, escapes decoded",
			json:   "\xef\xbb\xbf" + `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"tags":{"a":[1,2]},"name":"Tou\u524d \"q\"","big":12345678901234567890,"neg":-3,"exp":1e2},"geometry":null}]}`,
			count:  1,
			srid:   4326,
			fields: []string{"tags", "name", "big", "neg", "exp"},
			check: func(t *testing.T, l *Layer) {
				p := l.Features[0].Props
				if p["tags"] != `{"a":[1,2]}` || p["name"] != `Tou前 "q"` || p["big"] != 12345678901234567890.0 || p["neg"] != int64(-3) || p["exp"] != 100.0 {
					t.Errorf("props %#v", p)
				}
			},
		},
		{
			name:   "single feature",
			json:   `{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}}`,
			count:  1,
			srid:   4326,
			fields: []string{"a"},
		},
		{
			name:  "bare geometry",
			json:  `{"type":"LineString","coordinates":[[1,2],[3,4]]}`,
			count: 1,
			srid:  4326,
			check: func(t *testing.T, l *Layer) {
				if !orb.Equal(l.Features[0].Geometry, orb.LineString{{1, 2}, {3, 4}}) {
					t.Errorf("geometry %v", l.Features[0].Geometry)
				}
			},
		},
		{
			name:  "empty geometries are nil",
			json:  `{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[]}},{"type":"Feature","geometry":{"type":"LineString","coordinates":null}}]}`,
			count: 2,
			srid:  4326,
			check: func(t *testing.T, l *Layer) {
				for _, f := range l.Features {
					if f.Geometry != nil || f.Props == nil {
						t.Errorf("row %d: %v %v", f.Row, f.Geometry, f.Props)
					}
				}
			},
		},
		{
			name: "name member names the layer",
			json: `{"type":"FeatureCollection","name":"streams","features":[]}`,
			srid: 4326,
			check: func(t *testing.T, l *Layer) {
				if l.Name != "streams" {
					t.Errorf("name %q", l.Name)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Read(writeFile(t, "", "t.geojson", []byte(tt.json)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Features) != tt.count {
				t.Errorf("%d features, want %d", len(l.Features), tt.count)
			}
			if l.SRID != tt.srid {
				t.Errorf("SRID %d, want %d", l.SRID, tt.srid)
			}
			if tt.fields != nil && strings.Join(l.Fields, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v", l.Fields, tt.fields)
			}
			if tt.check != nil {
				tt.check(t, l)
			}
		})
	}
}

func TestGeoJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		row  int    // expected RowError.Row, 0 = not a RowError
		want string // substring of the message
	}{
		{"empty file", "", 0, "must be an object"},
		{"array", "[1,2]", 0, "must be an object"},
		{"truncated", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1}`, 1, "offset"},
		{"no type", `{"features":[]}`, 0, `no "type"`},
		{"no features", `{"type":"FeatureCollection"}`, 0, `no "features"`},
		{"wrong type", `{"type":"Topology"}`, 0, "Topology"},
		{"trailing garbage", `{"type":"FeatureCollection","features":[]} x`, 0, "after the top-level"},
		{"bad number", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1.2.3,4]}}]}`, 1, "bad number"},
		{"position with one number", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null},{"type":"Feature","geometry":{"type":"Point","coordinates":[1]}}]}`, 2, "position"},
		{"nesting mismatch", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[1,2]}}]}`, 1, "nesting"},
		{"polygon as line", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[1,2],[3,4]]}}]}`, 1, "Polygon"},
		{"unknown geometry type", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Circle","coordinates":[1,2]}}]}`, 1, "Circle"},
		{"geometry without type", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"coordinates":[1,2]}}]}`, 1, "type"},
		{"properties is an array", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":[1]}]}`, 1, "properties"},
		{"bad escape", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":"\x"}}]}`, 1, "escape"},
		{"unterminated string", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":"abc`, 1, "unterminated"},
		{"control character", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"a\":\"a\x01\"}}]}", 1, "control"},
		{"bad literal", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":tru}}]}`, 1, "literal"},
		{"deep nesting", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}}]}`, 1, "nested"},
		{"deep coordinates", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":` + strings.Repeat("[", 1000) + `1,2` + strings.Repeat("]", 1000) + `}}]}`, 1, "nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "", "bad.geojson", []byte(tt.json))
			l, err := Read(path, Options{})
			if err == nil {
				t.Fatalf("read %d features, want error", len(l.Features))
			}
			if !strings.HasPrefix(err.Error(), "layer: bad.geojson: ") {
				t.Errorf("error %q does not name the file", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			var re *RowError
			if tt.row > 0 {
				if !errors.As(err, &re) || re.Row != tt.row {
					t.Errorf("error %q: want RowError for row %d", err, tt.row)
				}
			}
		})
	}
}

// TestGeoJSONTruncations reads every prefix of a valid file: each must
// fail cleanly or succeed, never panic.
func TestGeoJSONTruncations(t *testing.T) {
	valid := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3826"}},"features":[` +
		`{"type":"Feature","id":1,"properties":{"a":"x\u00e9","b":[1,{"c":null}],"d":-1.5e3},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.1,0.2],[0.1,0.1]]]]}},` +
		`{"type":"Feature","properties":{"a":"y"},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}}]}`
	if _, err := decodeGeoJSON("v.geojson", []byte(valid), Options{}); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(valid); n++ {
		if _, err := decodeGeoJSON("v.geojson", []byte(valid[:n]), Options{}); err == nil {
			t.Errorf("prefix of %d bytes accepted", n)
		}
	}
}

func FuzzGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}}]}`))
	f.Add([]byte(`{"type":"GeometryCollection","geometries":[{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[0,0]]]]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeGeoJSON("f.geojson", b, Options{})
	})
}
