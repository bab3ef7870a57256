package ogc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/hydro"
)

const (
	uriCRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	uri4326  = "http://www.opengis.net/def/crs/EPSG/0/4326"
	uri3826  = "http://www.opengis.net/def/crs/EPSG/0/3826"
)

func TestLandingConformanceCollections(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	root := srv.URL + "/ogc"

	tests := []struct {
		name  string
		path  string
		check func(t *testing.T, body map[string]any)
	}{
		{name: "landing page", path: "", check: func(t *testing.T, body map[string]any) {
			if body["title"] == "" || body["title"] == nil {
				t.Error("landing page has no title")
			}
			want := map[string]string{
				"self":         root,
				"service-desc": root + "/api",
				"conformance":  root + "/conformance",
				"data":         root + "/collections",
			}
			links := decodeLinks(t, body["links"])
			for rel, href := range want {
				l, ok := findLink(links, rel)
				if !ok {
					t.Errorf("no %s link in %v", rel, links)
					continue
				}
				if l.Href != href {
					t.Errorf("%s link = %s, want %s", rel, l.Href, href)
				}
			}
			if l, _ := findLink(links, "service-desc"); l.Type != ogc.MediaOpenAPI {
				t.Errorf("service-desc type = %q", l.Type)
			}
		}},
		{name: "landing page with trailing slash", path: "/", check: func(t *testing.T, body map[string]any) {
			l, _ := findLink(decodeLinks(t, body["links"]), "data")
			if l.Href != root+"/collections" {
				t.Errorf("data link = %s", l.Href)
			}
		}},
		{name: "conformance", path: "/conformance", check: func(t *testing.T, body map[string]any) {
			var got []string
			for _, v := range body["conformsTo"].([]any) {
				got = append(got, v.(string))
			}
			for _, want := range []string{
				"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
				"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
				"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
				"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
			} {
				if !slices.Contains(got, want) {
					t.Errorf("conformsTo lacks %s: %v", want, got)
				}
			}
		}},
		{name: "collections", path: "/collections", check: func(t *testing.T, body map[string]any) {
			cols := body["collections"].([]any)
			var got []string
			for _, c := range cols {
				got = append(got, c.(map[string]any)["id"].(string))
			}
			want := []string{"reaches", "stations", "facilities", "outfalls", "readings-latest"}
			if !slices.Equal(got, want) {
				t.Errorf("collection ids = %v, want %v", got, want)
			}
			if l, ok := findLink(decodeLinks(t, body["links"]), "self"); !ok || l.Href != root+"/collections" {
				t.Errorf("self link = %v", l)
			}
		}},
		{name: "collection reaches", path: "/collections/reaches", check: func(t *testing.T, body map[string]any) {
			checkCollection(t, body, root, "reaches", uri3826, false)
		}},
		{name: "collection readings-latest", path: "/collections/readings-latest", check: func(t *testing.T, body map[string]any) {
			checkCollection(t, body, root, "readings-latest", uri3826, true)
			iv := body["extent"].(map[string]any)["temporal"].(map[string]any)["interval"].([]any)[0].([]any)
			if iv[0] != "2024-05-01T01:30:00Z" || iv[1] != "2024-06-10T00:00:00Z" {
				t.Errorf("temporal interval = %v", iv)
			}
		}},
		{name: "f=json accepted", path: "/collections/stations?f=json", check: func(t *testing.T, body map[string]any) {
			checkCollection(t, body, root, "stations", uri3826, false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, root+tt.path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			var body map[string]any
			r.json(t, &body)
			tt.check(t, body)
		})
	}
}

func decodeLinks(t *testing.T, v any) []linkJSON {
	t.Helper()
	b, _ := json.Marshal(v)
	var out []linkJSON
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("links: %v", err)
	}
	return out
}

func checkCollection(t *testing.T, body map[string]any, root, id, storage string, temporal bool) {
	t.Helper()
	if body["id"] != id || body["itemType"] != "feature" {
		t.Errorf("id/itemType = %v/%v", body["id"], body["itemType"])
	}
	if body["storageCrs"] != storage {
		t.Errorf("storageCrs = %v, want %s", body["storageCrs"], storage)
	}
	var crsList []string
	for _, c := range body["crs"].([]any) {
		crsList = append(crsList, c.(string))
	}
	for _, want := range []string{uriCRS84, uri4326, uri3826} {
		if !slices.Contains(crsList, want) {
			t.Errorf("crs list %v lacks %s", crsList, want)
		}
	}
	ext := body["extent"].(map[string]any)
	bbox := ext["spatial"].(map[string]any)["bbox"].([]any)[0].([]any)
	if len(bbox) != 4 {
		t.Fatalf("bbox = %v", bbox)
	}
	minLon, minLat, maxLon, maxLat := bbox[0].(float64), bbox[1].(float64), bbox[2].(float64), bbox[3].(float64)
	if minLon < 120 || maxLon > 122 || minLat < 23 || maxLat > 26 || minLon >= maxLon || minLat >= maxLat {
		t.Errorf("extent %v is not a lon/lat box in Taiwan", bbox)
	}
	if _, ok := ext["temporal"]; ok != temporal {
		t.Errorf("temporal extent present = %v, want %v", ok, temporal)
	}
	links := decodeLinks(t, body["links"])
	items, ok := findLink(links, "items")
	if !ok || items.Href != root+"/collections/"+id+"/items" || items.Type != ogc.MediaGeoJSON {
		t.Errorf("items link = %+v", items)
	}
}

// TestPagingVisitsEveryReachOnce follows next links through all reaches
// (and a bbox subset) with several page sizes.
func TestPagingVisitsEveryReachOnce(t *testing.T) {
	src, net, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	all := make([]string, net.Len())
	for i := range all {
		all[i] = net.ID(int32(i))
	}
	sort.Strings(all)
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{name: "default limit", query: "", want: all},
		{name: "limit 17", query: "limit=17", want: all},
		{name: "limit equal to total", query: "limit=183", want: all},
		{name: "limit above max is clamped", query: "limit=50000", want: all},
		{name: "bbox subset, limit 4, 3826 output", query: "limit=4&crs=EPSG:3826&bbox-crs=" + uri3826 + "&bbox=219000,2690000,220500,2695100",
			want: bruteForce(t, net, crs.TWD97TM2, orb.Bound{Min: orb.Point{219000, 2690000}, Max: orb.Point{220500, 2695100}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := srv.URL + "/ogc/collections/reaches/items"
			if tt.query != "" {
				u += "?" + tt.query
			}
			got, matched, pages := pageAll(t, u)
			seen := map[string]int{}
			for _, id := range got {
				seen[id]++
				if seen[id] > 1 {
					t.Errorf("reach %s returned twice", id)
				}
			}
			gotSorted := slices.Clone(got)
			sort.Strings(gotSorted)
			if !slices.Equal(gotSorted, tt.want) {
				t.Errorf("got %d reaches, want %d\n got %v\nwant %v", len(got), len(tt.want), gotSorted, tt.want)
			}
			for _, m := range matched {
				if m != len(tt.want) {
					t.Errorf("numberMatched = %d, want %d", m, len(tt.want))
				}
			}
			if len(matched) != pages {
				t.Errorf("%d of %d pages had numberMatched", len(matched), pages)
			}
			if len(tt.want) == 0 {
				t.Fatal("test case selects nothing")
			}
		})
	}
}

// TestPageLinks checks that next and prev carry every parameter.
func TestPageLinks(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	q := "bbox=120.6,24,121,25&crs=" + uri4326 + "&limit=5&offset=5&f=geojson"
	r := get(t, srv.URL+"/ogc/collections/reaches/items?"+q)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var fc collectionJSON
	r.json(t, &fc)
	for _, rel := range []string{"self", "alternate", "next", "prev"} {
		l, ok := findLink(fc.Links, rel)
		if !ok {
			t.Errorf("no %s link", rel)
			continue
		}
		for _, part := range []string{"bbox=120.6%2C24%2C121%2C25", "crs=http", "limit=5"} {
			if !strings.Contains(l.Href, part) {
				t.Errorf("%s link %s lacks %s", rel, l.Href, part)
			}
		}
	}
	next, _ := findLink(fc.Links, "next")
	prev, _ := findLink(fc.Links, "prev")
	if !strings.Contains(next.Href, "offset=10") || !strings.Contains(prev.Href, "offset=0") {
		t.Errorf("next %s / prev %s offsets", next.Href, prev.Href)
	}
	if alt, _ := findLink(fc.Links, "alternate"); alt.Type != "application/json" || !strings.Contains(alt.Href, "f=json") {
		t.Errorf("alternate link = %+v", alt)
	}
	if fc.TimeStamp != "2024-06-30T00:00:00Z" {
		t.Errorf("timeStamp = %q", fc.TimeStamp)
	}
}

// bruteForce lists (sorted) the reaches whose geometry, mapped to c,
// intersects box b, using orb's clipper as an independent test.
func bruteForce(t testing.TB, net *hydro.Network, c crs.Code, b orb.Bound) []string {
	t.Helper()
	var out []string
	for i := int32(0); i < int32(net.Len()); i++ {
		g, err := crs.TransformGeometry(crs.Code(net.SRID), c, net.Geometry(i))
		if err != nil {
			t.Fatal(err)
		}
		if touches(g.(orb.LineString), b) {
			out = append(out, net.ID(i))
		}
	}
	sort.Strings(out)
	return out
}

func touches(l orb.LineString, b orb.Bound) bool {
	for _, p := range l {
		if b.Contains(p) {
			return true
		}
	}
	c := clip.Geometry(b, orb.Clone(l))
	if c == nil {
		return false
	}
	switch c := c.(type) {
	case orb.LineString:
		return len(c) > 0
	case orb.MultiLineString:
		return len(c) > 0
	}
	return true
}

func TestBBoxMatchesBruteForce(t *testing.T) {
	src, net, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	// 120.7°E 24.4°N is the network's neighbourhood; the boxes cut
	// tributaries between their vertices.
	tests := []struct {
		name    string
		bboxCRS string // "" = default CRS84
		bbox    string
		test    crs.Code
		box     orb.Bound // in test, lon first
	}{
		{name: "CRS84 small", bbox: "120.7055,24.38,120.7101,24.392", test: crs.CRS84,
			box: orb.Bound{Min: orb.Point{120.7055, 24.38}, Max: orb.Point{120.7101, 24.392}}},
		{name: "CRS84 thin strip across tributaries", bbox: "120.69,24.3,120.6952,24.41", test: crs.CRS84,
			box: orb.Bound{Min: orb.Point{120.69, 24.3}, Max: orb.Point{120.6952, 24.41}}},
		{name: "CRS84 whole world", bbox: "-180,-90,180,90", test: crs.CRS84,
			box: orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}},
		{name: "CRS84 elsewhere", bbox: "10,40,11,41", test: crs.CRS84,
			box: orb.Bound{Min: orb.Point{10, 40}, Max: orb.Point{11, 41}}},
		{name: "CRS84 6 numbers", bbox: "120.7055,24.38,-10,120.7101,24.392,100", test: crs.CRS84,
			box: orb.Bound{Min: orb.Point{120.7055, 24.38}, Max: orb.Point{120.7101, 24.392}}},
		{name: "CRS84 across the antimeridian", bbox: "170,24.38,120.7101,24.392", test: crs.CRS84,
			box: orb.Bound{Min: orb.Point{-180, 24.38}, Max: orb.Point{120.7101, 24.392}}},
		{name: "EPSG:4326 is lat,lon", bboxCRS: "EPSG:4326", bbox: "24.38,120.7055,24.392,120.7101", test: crs.CRS84,
			box: orb.Bound{Min: orb.Point{120.7055, 24.38}, Max: orb.Point{120.7101, 24.392}}},
		{name: "EPSG:3826 box", bboxCRS: uri3826, bbox: "219500,2681000,220900,2685270", test: crs.TWD97TM2,
			box: orb.Bound{Min: orb.Point{219500, 2681000}, Max: orb.Point{220900, 2685270}}},
		{name: "EPSG:3826 box between vertices", bboxCRS: "EPSG:3826", bbox: "218700,2671000,218750,2700000", test: crs.TWD97TM2,
			box: orb.Bound{Min: orb.Point{218700, 2671000}, Max: orb.Point{218750, 2700000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := "limit=10000&bbox=" + tt.bbox
			if tt.bboxCRS != "" {
				q += "&bbox-crs=" + tt.bboxCRS
			}
			r := get(t, srv.URL+"/ogc/collections/reaches/items?"+q)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var fc collectionJSON
			r.json(t, &fc)
			got := ids(fc)
			sort.Strings(got)
			want := bruteForce(t, net, tt.test, tt.box)
			if !slices.Equal(got, want) {
				t.Errorf("bbox %s: got %v, want %v", tt.bbox, got, want)
			}
			if *fc.NumberMatched != len(want) {
				t.Errorf("numberMatched = %d, want %d", *fc.NumberMatched, len(want))
			}
			t.Logf("%d of %d reaches", len(want), net.Len())
		})
	}
}

// TestRandomBBoxes compares many random boxes, in CRS84 and EPSG:3826,
// with the brute force; they exercise the index search rectangles and the
// inner-rectangle shortcut on every side of the box.
func TestRandomBBoxes(t *testing.T) {
	src, net, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	rng := rand.New(rand.NewPCG(1, 2))
	// The network spans x 218300–221300, y 2669500–2700410 (EPSG:3826).
	nonEmpty, partial := 0, 0
	for k := 0; k < 60; k++ {
		x := 218000 + rng.Float64()*3500
		y := 2669000 + rng.Float64()*32000
		w, h := 50+rng.Float64()*2500, 50+rng.Float64()*9000
		box3826 := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}
		ll, _ := crs.TransformGeometry(crs.TWD97TM2, crs.CRS84, orb.MultiPoint{box3826.Min, box3826.Max})
		boxLL := ll.Bound()
		for _, c := range []struct {
			name, query string
			code        crs.Code
			box         orb.Bound
		}{
			{"EPSG:3826", "bbox-crs=EPSG:3826&bbox=" + bboxString(box3826), crs.TWD97TM2, box3826},
			{"CRS84", "bbox=" + bboxString(boxLL), crs.CRS84, boxLL},
		} {
			t.Run(fmt.Sprintf("box %d %s", k, c.name), func(t *testing.T) {
				r := get(t, srv.URL+"/ogc/collections/reaches/items?limit=10000&"+c.query)
				if r.status != http.StatusOK {
					t.Fatalf("%d %s", r.status, r.body)
				}
				var fc collectionJSON
				r.json(t, &fc)
				got := ids(fc)
				sort.Strings(got)
				want := bruteForce(t, net, c.code, c.box)
				if !slices.Equal(got, want) {
					t.Errorf("%s: got %v, want %v", c.query, got, want)
				}
				if len(want) > 0 {
					nonEmpty++
				}
				if len(want) > 0 && len(want) < net.Len()/4 {
					partial++
				}
			})
		}
	}
	if nonEmpty < 60 || partial < 40 {
		t.Errorf("random boxes too easy: %d non-empty, %d partial of 120", nonEmpty, partial)
	}
	t.Logf("%d non-empty, %d partial of 120", nonEmpty, partial)
}

func TestBBoxPointCollections(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	tests := []struct {
		name, collection, query string
		want                    []string
	}{
		{"stations near the stem", "stations", "bbox-crs=EPSG:3826&bbox=219900,2695000,220100,2699000", []string{"S1"}},
		{"stations everywhere", "stations", "bbox=120,23,122,25", []string{"S1", "S2", "S3"}},
		{"facility at its outfall", "facilities", "bbox-crs=EPSG:3826&bbox=220800,2691000,221000,2692000", []string{"L0000002"}},
		{"facility without location never matches", "facilities", "bbox=-180,-90,180,90", []string{"L0000001", "L0000002"}},
		{"outfalls", "outfalls", "bbox-crs=EPSG:3826&bbox=220800,2691000,221000,2692000", []string{"L0000002:D01", "L0000002:D02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, srv.URL+"/ogc/collections/"+tt.collection+"/items?"+tt.query)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var fc collectionJSON
			r.json(t, &fc)
			if got := ids(fc); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOutputCRS(t *testing.T) {
	src, net, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	i, _ := net.Index("w03")
	stored := net.Geometry(i)
	lonlat, _ := crs.TransformGeometry(crs.TWD97TM2, crs.CRS84, stored)
	tests := []struct {
		name   string
		query  string
		header string
		want   [][2]float64
		tol    float64
	}{
		{name: "default CRS84 lon,lat", query: "", header: "<" + uriCRS84 + ">", want: pts(lonlat.(orb.LineString), false), tol: 1e-8},
		{name: "CRS84 by name", query: "?crs=OGC:CRS84", header: "<" + uriCRS84 + ">", want: pts(lonlat.(orb.LineString), false), tol: 1e-8},
		{name: "EPSG:3826 metres", query: "?crs=" + uri3826, header: "<" + uri3826 + ">", want: pts(stored, false), tol: 1e-3},
		{name: "EPSG:4326 lat,lon", query: "?crs=EPSG:4326", header: "<" + uri4326 + ">", want: pts(lonlat.(orb.LineString), true), tol: 1e-8},
	}
	for _, tt := range tests {
		for _, single := range []bool{false, true} {
			name := tt.name + " items"
			u := srv.URL + "/ogc/collections/reaches/items" + tt.query
			if strings.Contains(u, "?") {
				u += "&limit=1000"
			} else {
				u += "?limit=1000"
			}
			if single {
				name = tt.name + " item"
				u = srv.URL + "/ogc/collections/reaches/items/w03" + tt.query
			}
			t.Run(name, func(t *testing.T) {
				r := get(t, u)
				if r.status != http.StatusOK {
					t.Fatalf("%d %s", r.status, r.body)
				}
				if h := r.header.Get("Content-Crs"); h != tt.header {
					t.Errorf("Content-Crs = %q, want %q", h, tt.header)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
					t.Errorf("Content-Type = %q", ct)
				}
				var f featureJSON
				if single {
					r.json(t, &f)
					if l, ok := findLink(f.Links, "collection"); !ok || !strings.HasSuffix(l.Href, "/ogc/collections/reaches") {
						t.Errorf("collection link = %+v", l)
					}
				} else {
					var fc collectionJSON
					r.json(t, &fc)
					for _, x := range fc.Features {
						if x.ID == "w03" {
							f = x
						}
					}
				}
				if f.ID != "w03" || f.Geometry == nil {
					t.Fatalf("feature w03 not found: %+v", f)
				}
				got := f.Geometry.points(t)
				if len(got) != len(tt.want) {
					t.Fatalf("got %d points, want %d", len(got), len(tt.want))
				}
				for k := range got {
					if math.Abs(got[k][0]-tt.want[k][0]) > tt.tol || math.Abs(got[k][1]-tt.want[k][1]) > tt.tol {
						t.Errorf("point %d = %v, want %v", k, got[k], tt.want[k])
					}
				}
			})
		}
	}
}

func pts(l orb.LineString, swap bool) [][2]float64 {
	out := make([][2]float64, len(l))
	for i, p := range l {
		out[i] = [2]float64{p[0], p[1]}
		if swap {
			out[i] = [2]float64{p[1], p[0]}
		}
	}
	return out
}

func TestBadParameters(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	items := "/ogc/collections/reaches/items?"
	tests := []struct {
		name  string
		path  string
		param string
	}{
		{"bbox with 3 numbers", items + "bbox=1,2,3", "bbox"},
		{"bbox with 5 numbers", items + "bbox=1,2,3,4,5", "bbox"},
		{"bbox not numbers", items + "bbox=a,b,c,d", "bbox"},
		{"bbox NaN", items + "bbox=120,24,NaN,25", "bbox"},
		{"bbox empty", items + "bbox=", "bbox"},
		{"bbox south above north", items + "bbox=120,25,121,24", "bbox"},
		{"bbox latitude out of range", items + "bbox=120,-95,121,24", "bbox"},
		{"bbox EPSG:4326 in lon,lat order", items + "bbox=120,24,121,25&bbox-crs=EPSG:4326", "bbox"},
		{"bbox projected min above max", items + "bbox=221000,2680000,220000,2690000&bbox-crs=EPSG:3826", "bbox"},
		{"bbox height range reversed", items + "bbox=120,24,10,121,25,0", "bbox"},
		{"bbox-crs unsupported", items + "bbox=1,2,3,4&bbox-crs=EPSG:3857", "bbox-crs"},
		{"bbox-crs not a CRS", items + "bbox=1,2,3,4&bbox-crs=wgs84", "bbox-crs"},
		{"crs unsupported", items + "crs=EPSG:32651", "crs"},
		{"crs not offered", items + "crs=EPSG:3825", "crs"},
		{"crs garbage", items + "crs=http://example.com/crs", "crs"},
		{"limit zero", items + "limit=0", "limit"},
		{"limit negative", items + "limit=-3", "limit"},
		{"limit not a number", items + "limit=ten", "limit"},
		{"limit fraction", items + "limit=2.5", "limit"},
		{"offset negative", items + "offset=-1", "offset"},
		{"offset not a number", items + "offset=x", "offset"},
		{"datetime on a collection without time", items + "datetime=2024-05-01T00:00:00Z", "datetime"},
		{"datetime garbage", "/ogc/collections/readings-latest/items?datetime=yesterday", "datetime"},
		{"datetime without zone", "/ogc/collections/readings-latest/items?datetime=2024-05-01T09:30:00", "datetime"},
		{"datetime both ends open", "/ogc/collections/readings-latest/items?datetime=../..", "datetime"},
		{"datetime reversed", "/ogc/collections/readings-latest/items?datetime=2024-06-01T00:00:00Z/2024-05-01T00:00:00Z", "datetime"},
		{"datetime two slashes", "/ogc/collections/readings-latest/items?datetime=2024-05-01/2024-05-02/2024-05-03", "datetime"},
		{"unknown parameter", items + "bbx=1,2,3,4", "bbx"},
		{"repeated parameter", items + "limit=5&limit=6", "limit"},
		{"unknown format", items + "f=xml", "f"},
		{"unknown parameter on landing page", "/ogc?foo=1", "foo"},
		{"format on collections", "/ogc/collections?f=geojson", "f"},
		{"HTML API definition", "/ogc/api?f=html", "f"},
		{"limit on a single feature", "/ogc/collections/reaches/items/m00?limit=1", "limit"},
		{"crs on a single feature", "/ogc/collections/reaches/items/m00?crs=EPSG:9999", "crs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, srv.URL+tt.path)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			var p struct {
				Status        int `json:"status"`
				InvalidParams []struct {
					Name, Reason string
				} `json:"invalid-params"`
			}
			r.json(t, &p)
			if len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != tt.param {
				t.Errorf("invalid-params = %+v, want %s", p.InvalidParams, tt.param)
			}
			if len(p.InvalidParams) == 1 && p.InvalidParams[0].Reason == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	for _, tt := range []struct{ name, path string }{
		{"unknown collection", "/ogc/collections/rivers"},
		{"items of unknown collection", "/ogc/collections/rivers/items"},
		{"feature of unknown collection", "/ogc/collections/rivers/items/1"},
		{"unknown reach", "/ogc/collections/reaches/items/nope"},
		{"unknown station", "/ogc/collections/stations/items/S9"},
		{"outfall id without facility", "/ogc/collections/outfalls/items/D01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, srv.URL+tt.path)
			if r.status != http.StatusNotFound {
				t.Fatalf("status %d, want 404: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestDatetime(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	// Latest readings: S1 DO/BOD5/SS/NH3-N at 2024-05-01T01:30Z, S1 Cu at
	// 2024-05-02T02:00Z, S2 DO/SS at 2024-06-10T00:00Z.
	s1 := []string{"S1:BOD5", "S1:DO", "S1:NH3-N", "S1:SS"}
	s2 := []string{"S2:DO", "S2:SS"}
	tests := []struct {
		name, datetime string // datetime as it appears in the URL
		want           []string
	}{
		{"no filter", "", append(append(slices.Clone(s1), "S1:Cu"), s2...)},
		{"instant with offset", "2024-05-01T09:30:00%2B08:00", s1},
		{"instant with unencoded plus", "2024-05-01T09:30:00+08:00", s1},
		{"date is the whole UTC day", "2024-05-02", []string{"S1:Cu"}},
		{"closed interval", "2024-05-01T00:00:00Z/2024-05-31T00:00:00Z", append(slices.Clone(s1), "S1:Cu")},
		{"open start", "../2024-05-01T01:30:00Z", s1},
		{"open start, empty", "/2024-05-01T01:29:59Z", nil},
		{"open end", "2024-06-01T00:00:00Z/..", s2},
		{"open end, empty", "2024-06-01/", s2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := srv.URL + "/ogc/collections/readings-latest/items?limit=100"
			if tt.datetime != "" {
				u += "&datetime=" + tt.datetime // already escaped
			}
			r := get(t, u)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var fc collectionJSON
			r.json(t, &fc)
			got := ids(fc)
			sort.Strings(got)
			want := slices.Clone(tt.want)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestPointCollectionProperties(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	feature := func(t *testing.T, path string) featureJSON {
		t.Helper()
		r := get(t, srv.URL+"/ogc/collections/"+path)
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var f featureJSON
		r.json(t, &f)
		return f
	}
	tests := []struct {
		name, path string
		want       map[string]any
		geometry   bool
	}{
		{"station with RPI of its latest complete sample", "stations/items/S1", map[string]any{
			"id": "S1", "name": "大甲溪橋", "kind": "fixed", "river": "大甲溪",
			"rpi": 4.0, "rpi_class": "moderately polluted", "rpi_class_zh": "中度污染", "rpi_time": "2024-05-01T09:30:00+08:00",
		}, true},
		{"station with an incomplete sample", "stations/items/S2", map[string]any{"id": "S2", "rpi": nil, "rpi_class": nil}, true},
		{"station without readings", "stations/items/S3", map[string]any{"id": "S3", "rpi": nil}, true},
		{"facility at its site", "facilities/items/L0000001", map[string]any{
			"ems_no": "L0000001", "name": "甲工廠", "industry": "電鍍業", "location_source": "site"}, true},
		{"facility with its current permit and findings", "facilities/items/L0000001", map[string]any{
			"permits": 2.0, "permit_no": "P-NEW", "permit_valid_from": "2024-01-01", "permit_valid_to": "2028-12-31",
			"permitted_m3_day": 1200.0, "treatment_capacity_m3_day": 800.0, "online_monitoring": false,
			"findings": 1.0, "findings_high": 1.0, "findings_medium": 0.0, "findings_low": 0.0,
			"worst_severity": "high", "finding_checks": "capacity"}, true},
		{"facility at its first outfall", "facilities/items/L0000002", map[string]any{"location_source": "outfall",
			"permits": 0.0, "permit_no": nil, "findings": 0.0, "worst_severity": nil, "finding_checks": nil}, true},
		{"facility without location", "facilities/items/L0000003", map[string]any{"location_source": nil}, false},
		{"outfall", "outfalls/items/L0000002:D02", map[string]any{
			"facility": "L0000002", "facility_name": "乙工廠", "id": "D02", "receiving_water": "大甲溪"}, true},
		{"latest reading in its canonical unit", "readings-latest/items/S1:NH3-N", map[string]any{
			"station": "S1", "parameter": "NH3-N", "value": 1.2, "unit": "mg/L", "time": "2024-05-01T09:30:00+08:00", "censored": false}, true},
		{"reach attributes", "reaches/items/m00", map[string]any{
			"id": "m00", "name": "大甲溪", "down": "m01", "stream_order": 2.0, "length_km": 0.5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := feature(t, tt.path)
			for k, v := range tt.want {
				got, ok := f.Props[k]
				if !ok {
					t.Errorf("property %s missing", k)
				} else if got != v {
					t.Errorf("%s = %v (%T), want %v", k, got, got, v)
				}
			}
			if (f.Geometry != nil) != tt.geometry {
				t.Errorf("geometry = %+v, want present=%v", f.Geometry, tt.geometry)
			}
		})
	}
}

func TestPlainJSONNegotiation(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	u := srv.URL + "/ogc/collections/stations/items"
	tests := []struct {
		name, url, accept, want string
	}{
		{"default", u, "", "application/geo+json"},
		{"GDAL's Accept", u, "application/geo+json, application/json", "application/geo+json"},
		{"browser", u, "text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=UTF-8"},
		{"script that accepts anything", u, "*/*", "application/geo+json"},
		{"HTML only second", u, "application/geo+json, text/html", "application/geo+json"},
		{"f=html", u + "?f=html", "", "text/html; charset=UTF-8"},
		{"f=geojson beats a browser", u + "?f=geojson", "text/html,*/*", "application/geo+json"},
		{"plain JSON only", u, "application/json", "application/json"},
		{"f=json", u + "?f=json", "", "application/json"},
		{"f=geojson beats Accept", u + "?f=geojson", "application/json", "application/geo+json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r response
			if tt.accept != "" {
				r = get(t, tt.url, "Accept", tt.accept)
			} else {
				r = get(t, tt.url)
			}
			if ct := r.header.Get("Content-Type"); ct != tt.want {
				t.Errorf("Content-Type = %q, want %q", ct, tt.want)
			}
		})
	}
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{MaxLimit: 500})
	r := get(t, srv.URL+"/ogc/api")
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != ogc.MediaOpenAPI {
		t.Errorf("Content-Type = %q", ct)
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	if got := doc.Servers[0].URL; got != srv.URL+"/ogc" {
		t.Errorf("server URL = %s", got)
	}
	items := doc.Paths.Find("/collections/{collectionId}/items")
	if items == nil || items.Get == nil {
		t.Fatal("no items operation")
	}
	var limit *openapi3.Parameter
	for _, p := range items.Get.Parameters {
		if p.Value.Name == "limit" {
			limit = p.Value
		}
	}
	if limit == nil || *limit.Schema.Value.Max != 500 {
		t.Errorf("limit parameter = %+v", limit)
	}
	if r := get(t, srv.URL+"/ogc/collections/reaches/items?limit=600"); r.status != http.StatusOK {
		t.Fatalf("%d", r.status)
	} else {
		var fc collectionJSON
		r.json(t, &fc)
		if *fc.NumberReturned != 183 || !strings.Contains(mustLink(t, fc, "self"), "limit=600") {
			t.Errorf("numberReturned = %d", *fc.NumberReturned)
		}
	}
}

func mustLink(t *testing.T, fc collectionJSON, rel string) string {
	t.Helper()
	l, ok := findLink(fc.Links, rel)
	if !ok {
		t.Fatalf("no %s link", rel)
	}
	return l.Href
}

func TestBaseURLAndClamp(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{BaseURL: "https://envtrace.example.tw/ogc/", MaxLimit: 50, DefaultLimit: 20})
	r := get(t, srv.URL+"/ogc/collections/reaches/items?limit=70")
	var fc collectionJSON
	r.json(t, &fc)
	if *fc.NumberReturned != 50 {
		t.Errorf("numberReturned = %d, want the maximum 50", *fc.NumberReturned)
	}
	next := mustLink(t, fc, "next")
	if !strings.HasPrefix(next, "https://envtrace.example.tw/ogc/collections/reaches/items?") || !strings.Contains(next, "limit=50") {
		t.Errorf("next = %s", next)
	}
	r = get(t, srv.URL+"/ogc/collections/reaches/items")
	r.json(t, &fc)
	if *fc.NumberReturned != 20 {
		t.Errorf("default page = %d, want 20", *fc.NumberReturned)
	}
}

func TestOffsetPastTheEnd(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	r := get(t, srv.URL+"/ogc/collections/reaches/items?offset=1000&limit=10")
	var fc collectionJSON
	r.json(t, &fc)
	if len(fc.Features) != 0 || *fc.NumberMatched != 183 {
		t.Errorf("features %d, matched %d", len(fc.Features), *fc.NumberMatched)
	}
	if _, ok := findLink(fc.Links, "next"); ok {
		t.Error("next link past the end")
	}
	if prev := mustLink(t, fc, "prev"); !strings.Contains(prev, "offset=990") {
		t.Errorf("prev = %s", prev)
	}
}

func TestNewMemorySourceRejectsUnusableNetworks(t *testing.T) {
	build := func(keep bool) *hydro.Network {
		net, err := hydro.Build(context.Background(), testReaches(), hydro.Options{KeepGeometry: keep})
		if err != nil {
			t.Fatal(err)
		}
		return net
	}
	noGeom := build(false)
	noGeom.SRID = 3826
	unknown := build(true)
	unsupported := build(true)
	unsupported.SRID = 3857
	for _, tt := range []struct {
		name string
		net  *hydro.Network
	}{{"without geometry", noGeom}, {"unknown CRS", unknown}, {"unsupported CRS", unsupported}} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ogc.NewMemorySource(tt.net, nil); err == nil {
				t.Error("no error")
			}
		})
	}
	t.Run("dataset only", func(t *testing.T) {
		src, err := ogc.NewMemorySource(nil, testDataset())
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := src.Collections(context.Background())
		if len(cols) != 4 {
			t.Errorf("%d collections", len(cols))
		}
	})
}

// TestStatusOf checks the mapping a central error handler relies on.
func TestStatusOf(t *testing.T) {
	src, _, _ := testSource(t)
	_, err := src.Item(context.Background(), "reaches", "nope")
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"param", &ogc.ParamError{Name: "bbox", Reason: "x"}, 400},
		{"not found", err, 404},
		{"wrapped sentinel", ogc.ErrNotFound, 404},
		{"other", context.Canceled, 500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ogc.StatusOf(tt.err); got != tt.want {
				t.Errorf("StatusOf(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

// TestReadingsLatestFilters selects latest readings by station and by
// parameter (any accepted name), alone and together, and checks that the
// filters travel in the paging links and are refused elsewhere.
func TestReadingsLatestFilters(t *testing.T) {
	src, _, ds := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	latest := map[string]bool{}
	for _, r := range ds.CurrentReadings() {
		latest[r.Station+":"+r.Parameter] = true
	}
	tests := []struct {
		name, query string
		keep        func(station, parameter string) bool
	}{
		{"station", "station=S1", func(s, _ string) bool { return s == "S1" }},
		{"parameter id", "parameter=DO", func(_, p string) bool { return p == "DO" }},
		{"parameter in Chinese", "parameter=" + url.QueryEscape("氨氮"), func(_, p string) bool { return p == "NH3-N" }},
		{"both", "station=S2&parameter=SS", func(s, p string) bool { return s == "S2" && p == "SS" }},
		{"no match", "station=S3", func(string, string) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for k := range latest {
				st, p, _ := strings.Cut(k, ":")
				if tt.keep(st, p) {
					want = append(want, k)
				}
			}
			sort.Strings(want)
			r := get(t, srv.URL+"/ogc/collections/readings-latest/items?limit=2&"+tt.query)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var fc collectionJSON
			r.json(t, &fc)
			if fc.NumberMatched == nil || *fc.NumberMatched != len(want) {
				t.Fatalf("numberMatched %v, want %d", fc.NumberMatched, len(want))
			}
			var got []string
			for {
				for _, f := range fc.Features {
					got = append(got, f.ID)
				}
				next, ok := findLink(fc.Links, "next")
				if !ok {
					break
				}
				u, err := url.Parse(next.Href)
				if err != nil {
					t.Fatal(err)
				}
				if q := u.Query(); !q.Has("station") && !q.Has("parameter") {
					t.Fatalf("next link %s lost the filter", next.Href)
				}
				r = get(t, next.Href)
				fc = collectionJSON{}
				r.json(t, &fc)
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
	for _, bad := range []struct{ path, param string }{
		{"readings-latest/items?parameter=Kr", "parameter"},
		{"readings-latest/items?station=", "station"},
		{"stations/items?station=S1", "station"},
	} {
		r := get(t, srv.URL+"/ogc/collections/"+bad.path)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), bad.param) {
			t.Errorf("%s: %d %s", bad.path, r.status, r.body)
		}
	}
}
