package layer

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// streamSame fails unless streaming data with GeoJSON gives what Read
// gives: the same fields, name, SRID, values and geometry of every
// feature, or the same error. A file OpenGeoJSON refuses is Read's alone,
// and says so.
func streamSame(t *testing.T, data []byte) (streamed bool) {
	t.Helper()
	path := writeFile(t, "", "stream.geojson", data)
	l, rerr := Read(path, Options{})
	g, err := OpenGeoJSON(path, Options{})
	if err != nil {
		return false
	}
	defer g.Close()
	var rows [][]any
	var geoms []any
	for g.Next() {
		if g.Row() != len(rows)+1 {
			t.Fatalf("row %d after %d rows", g.Row(), len(rows))
		}
		vals := make([]any, len(g.Fields()))
		for i := range vals {
			vals[i] = g.Value(i)
		}
		rows = append(rows, vals)
		geoms = append(geoms, g.Geometry())
	}
	if err := g.Err(); err != nil || rerr != nil {
		if fmt.Sprint(err) != fmt.Sprint(rerr) {
			t.Fatalf("stream error %v, Read %v", err, rerr)
		}
		return true
	}
	if !reflect.DeepEqual(g.Fields(), l.Fields) && (len(g.Fields()) > 0 || len(l.Fields) > 0) {
		t.Fatalf("fields %q, Read %q", g.Fields(), l.Fields)
	}
	if g.Name() != l.Name || g.SRID() != l.SRID || len(rows) != len(l.Features) || g.Len() != len(rows) {
		t.Fatalf("%q SRID %d, %d features (Len %d); Read %q SRID %d, %d features",
			g.Name(), g.SRID(), len(rows), g.Len(), l.Name, l.SRID, len(l.Features))
	}
	for k, f := range l.Features {
		for i, name := range l.Fields {
			if want := f.Props[name]; !reflect.DeepEqual(rows[k][i], want) {
				t.Fatalf("feature %d %s: %#v, Read %#v", k+1, name, rows[k][i], want)
			}
		}
		if !reflect.DeepEqual(geoms[k], any(f.Geometry)) {
			t.Fatalf("feature %d geometry %#v, Read %#v", k+1, geoms[k], f.Geometry)
		}
	}
	return true
}

var streamSeeds = []struct {
	name, text string
	streams    bool
}{
	{"lines", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1,"toid":2,"lengthkm":0.5,"name":"頭前溪"},"geometry":{"type":"LineString","coordinates":[[120.1,24.8],[120.2,24.81,3]]}},{"type":"Feature","properties":{"id":"2","x":null},"geometry":null}]}`, true},
	{"ids, members in any order, odd values", "\ufeff" + `{"features":[{"id":7,"properties":{"a":1e400,"b":-0.0,"c":{"d":[1,2]},"e":true,"f":"\u00e9"},"geometry":{"coordinates":[[0,0],[1,1]],"type":"LineString"}},{"properties":{"id":3},"id":4},{"id":null}],"type":"FeatureCollection","name":"n","crs":{"type":"name","properties":{"name":"EPSG:3826"}}}`, true},
	{"other geometries", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]]]}},{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}},{"type":"Feature","geometry":{"type":"LineString","coordinates":[]}},{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0]],"type":"Point"}}]}`, true},
	{"geometry error", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,"a"]]}}]}`, true},
	{"property error", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":01.5.}}]}`, true},
	{"single feature", `{"type":"Feature","properties":{"id":1}}`, false},
	{"trailing data", `{"type":"FeatureCollection","features":[]} x`, false},
}

// TestGeoJSONStreamMatchesRead checks the stream against Read on files
// with each kind of value, member order, geometry and error.
func TestGeoJSONStreamMatchesRead(t *testing.T) {
	for _, c := range streamSeeds {
		t.Run(c.name, func(t *testing.T) {
			if got := streamSame(t, []byte(c.text)); got != c.streams {
				t.Fatalf("streamed %v, want %v", got, c.streams)
			}
		})
	}
}

// TestGeoJSONStreamRefuses checks that what the stream does not read is
// said to be Read's.
func TestGeoJSONStreamRefuses(t *testing.T) {
	path := writeFile(t, "", "one.geojson", []byte(`{"type":"Feature","properties":{"id":1}}`))
	if _, err := OpenGeoJSON(path, Options{}); !errors.Is(err, ErrNotStreamable) {
		t.Fatalf("single Feature: %v, want ErrNotStreamable", err)
	}
}

// FuzzGeoJSONStream checks that any file the stream reads gives what
// Read gives, error included.
func FuzzGeoJSONStream(f *testing.F) {
	for _, c := range streamSeeds {
		f.Add([]byte(c.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		streamSame(t, data)
	})
}
