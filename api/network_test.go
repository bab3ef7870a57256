package api_test

import (
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
)

type hit struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	DistanceKm  float64 `json:"distance_km"`
	TravelHours float64 `json:"travel_hours"`
	StreamOrder int     `json:"stream_order"`
}

type navResult struct {
	Navigation struct {
		Start      string  `json:"start"`
		Mode       string  `json:"mode"`
		DistanceKm float64 `json:"distance_km"`
		MaxHours   float64 `json:"max_hours"`
		Minor      bool    `json:"minor"`
		Snap       *struct {
			ReachID string  `json:"reach_id"`
			OffsetM float64 `json:"offset_m"`
		} `json:"snap"`
	} `json:"navigation"`
	Reaches []hit `json:"reaches"`
	Count   int   `json:"count"`
}

type feature struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Geometry *struct {
		Type        string       `json:"type"`
		Coordinates [][2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties hit `json:"properties"`
}

type featureCollection struct {
	Type           string    `json:"type"`
	Features       []feature `json:"features"`
	NumberReturned int       `json:"numberReturned"`
}

func ids(hs []hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	slices.Sort(out)
	return out
}

// inTaiwan checks a lon/lat position lies on or around Taiwan, which
// catches both untransformed TM2 metres and swapped axes.
func inTaiwan(t *testing.T, p [2]float64) {
	t.Helper()
	if p[0] < 119 || p[0] > 123 || p[1] < 21 || p[1] > 26 {
		t.Errorf("position %v is not lon,lat in Taiwan", p)
	}
}

func TestNavigate(t *testing.T) {
	s := testServer(t)
	h1 := 3.0 * 1000 / 0.4 / 3600 // o, m2 and m1 at order-2 velocity 0.4 m/s
	tests := []struct {
		name  string
		query string
		want  []string           // sorted ids
		dist  map[string]float64 // distance_km of some reaches
		hours map[string]float64 // travel_hours of some reaches
		snap  string             // reach the start point snapped to
	}{
		{name: "upstream with tributaries", query: "start=o&mode=UT",
			want: []string{"h1", "h2", "m1", "m2", "o", "t1"},
			dist: map[string]float64{"o": 0, "m2": 1, "m1": 2, "t1": 2, "h1": 3}, hours: map[string]float64{"h2": h1}},
		{name: "mode is case-insensitive", query: "start=o&mode=ut", want: []string{"h1", "h2", "m1", "m2", "o", "t1"}},
		{name: "distance limit", query: "start=o&mode=UT&distance_km=2", want: []string{"m1", "m2", "o", "t1"}},
		{name: "distance 0 keeps the start", query: "start=o&mode=UT&distance_km=0", want: []string{"o"}},
		{name: "travel-time limit", query: "start=o&mode=UT&max_hours=1", want: []string{"m2", "o"}},
		{name: "upstream main stem", query: "start=o&mode=UM", want: []string{"h1", "m1", "m2", "o"}},
		{name: "downstream main stem", query: "start=h2&mode=DM", want: []string{"h2", "m1", "m2", "o"},
			dist: map[string]float64{"h2": 0, "m1": 0, "m2": 1, "o": 2}},
		{name: "downstream with diversions", query: "start=t1&mode=DD&minor=false", want: []string{"m2", "o", "t1"}},
		{name: "start point in TM2", query: "point=220500,2671010&crs=EPSG:3826&mode=DM",
			want: []string{"m2", "o", "t1"}, snap: "t1"},
		{name: "start point in lon,lat", query: "point=120.70973,24.14399&mode=DM",
			want: []string{"m2", "o", "t1"}, snap: "t1"},
		{name: "crs as OGC URI", query: "point=220500,2671010&crs=http://www.opengis.net/def/crs/EPSG/0/3826&mode=DM",
			want: []string{"m2", "o", "t1"}, snap: "t1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/navigate?"+tc.query)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			r := decode[navResult](t, rec.Body.Bytes())
			if got := ids(r.Reaches); !slices.Equal(got, tc.want) {
				t.Errorf("reaches %v, want %v", got, tc.want)
			}
			if r.Count != len(r.Reaches) {
				t.Errorf("count %d, %d reaches", r.Count, len(r.Reaches))
			}
			byID := map[string]hit{}
			for _, h := range r.Reaches {
				byID[h.ID] = h
			}
			for id, d := range tc.dist {
				if got := byID[id].DistanceKm; math.Abs(got-d) > 1e-6 {
					t.Errorf("%s distance_km %v, want %v", id, got, d)
				}
			}
			for id, hrs := range tc.hours {
				if got := byID[id].TravelHours; math.Abs(got-hrs) > 1e-5 {
					t.Errorf("%s travel_hours %v, want %v", id, got, hrs)
				}
			}
			if tc.snap != "" {
				if r.Navigation.Snap == nil || r.Navigation.Snap.ReachID != tc.snap || r.Navigation.Start != tc.snap {
					t.Errorf("navigation %+v: want start snapped to %s", r.Navigation, tc.snap)
				}
			}
		})
	}
}

func TestNavigateFormats(t *testing.T) {
	s := testServer(t)
	t.Run("geojson in EPSG:4326", func(t *testing.T) {
		rec := get(t, s.Handler(), "/api/v1/navigate?start=o&mode=UT&format=geojson")
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/geo+json" {
			t.Errorf("Content-Type %q", ct)
		}
		fc := decode[featureCollection](t, rec.Body.Bytes())
		if fc.Type != "FeatureCollection" || len(fc.Features) != 6 || fc.NumberReturned != 6 {
			t.Fatalf("got %s with %d features, numberReturned %d", fc.Type, len(fc.Features), fc.NumberReturned)
		}
		for _, f := range fc.Features {
			if f.Type != "Feature" || f.ID != f.Properties.ID || f.Geometry == nil || f.Geometry.Type != "LineString" {
				t.Fatalf("bad feature %+v", f)
			}
			if len(f.Geometry.Coordinates) != 2 {
				t.Errorf("%s: %d vertices", f.ID, len(f.Geometry.Coordinates))
			}
			for _, p := range f.Geometry.Coordinates {
				inTaiwan(t, p)
			}
			if f.ID == "m2" && f.Properties.Name != "大甲溪" {
				t.Errorf("m2 name %q", f.Properties.Name)
			}
		}
	})
	t.Run("ids", func(t *testing.T) {
		rec := get(t, s.Handler(), "/api/v1/navigate?start=h1&mode=DM&format=ids")
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
		got := lines(rec.Body.String())
		slices.Sort(got)
		if want := []string{"h1", "m1", "m2", "o"}; !slices.Equal(got, want) {
			t.Errorf("ids %v, want %v", got, want)
		}
	})
}

func TestReach(t *testing.T) {
	s := testServer(t)
	type props struct {
		ID                string   `json:"id"`
		Name              string   `json:"name"`
		Down              *string  `json:"down"`
		LengthKm          float64  `json:"length_km"`
		StreamOrder       int      `json:"stream_order"`
		TerminalFlag      bool     `json:"terminal_flag"`
		UpstreamReaches   int      `json:"upstream_reaches"`
		MinorDownstreamTo []string `json:"minor_downstream_to"`
	}
	type reachFeature struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Geometry struct {
			Type        string       `json:"type"`
			Coordinates [][2]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties props `json:"properties"`
	}
	tests := []struct {
		id       string
		down     string // "" = null
		order    int
		upstream int
		terminal bool
	}{
		{id: "m2", down: "o", order: 2, upstream: 5},
		{id: "o", order: 2, upstream: 6, terminal: true},
		{id: "h1", down: "m1", order: 1, upstream: 1},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/reaches/"+tc.id)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/geo+json" {
				t.Errorf("Content-Type %q", ct)
			}
			f := decode[reachFeature](t, rec.Body.Bytes())
			p := f.Properties
			if f.Type != "Feature" || f.ID != tc.id || p.ID != tc.id {
				t.Errorf("feature %s/%s props id %s", f.Type, f.ID, p.ID)
			}
			if (p.Down == nil) != (tc.down == "") || p.Down != nil && *p.Down != tc.down {
				t.Errorf("down %v, want %q", p.Down, tc.down)
			}
			if p.StreamOrder != tc.order || p.UpstreamReaches != tc.upstream || p.TerminalFlag != tc.terminal {
				t.Errorf("order %d upstream %d terminal %v", p.StreamOrder, p.UpstreamReaches, p.TerminalFlag)
			}
			if p.MinorDownstreamTo == nil {
				t.Error("minor_downstream_to is null, want []")
			}
			if f.Geometry.Type != "LineString" || len(f.Geometry.Coordinates) != 2 {
				t.Fatalf("geometry %+v", f.Geometry)
			}
			for _, c := range f.Geometry.Coordinates {
				inTaiwan(t, c)
			}
		})
	}
	t.Run("outlet end point near the TM2 origin of the basin", func(t *testing.T) {
		f := decode[reachFeature](t, get(t, s.Handler(), "/api/v1/reaches/o").Body.Bytes())
		// (220000, 2669000) in TWD97/TM2 is about 120.7048°E, 24.1259°N.
		end := f.Geometry.Coordinates[1]
		if math.Abs(end[0]-120.7048) > 1e-3 || math.Abs(end[1]-24.1259) > 1e-3 {
			t.Errorf("end %v", end)
		}
	})
}

func TestNetworkSummary(t *testing.T) {
	s := testServer(t)
	rec := get(t, s.Handler(), "/api/v1/network")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	type summary struct {
		Reaches, Outlets, Headwaters, Divergences int
		Topology                                  string
		SRID                                      int    `json:"srid"`
		CRS                                       string `json:"crs"`
		HasGeometry                               bool   `json:"has_geometry"`
		LargestOutlets                            []struct {
			ID      string      `json:"id"`
			Reaches int         `json:"reaches"`
			End     *[2]float64 `json:"end"`
		} `json:"largest_outlets"`
	}
	got := decode[summary](t, rec.Body.Bytes())
	if got.Reaches != 6 || got.Outlets != 1 || got.Headwaters != 3 || got.Divergences != 0 ||
		got.Topology != "toid" || got.SRID != 3826 || got.CRS != "EPSG:3826" || !got.HasGeometry {
		t.Errorf("summary %+v", got)
	}
	if len(got.LargestOutlets) != 1 || got.LargestOutlets[0].ID != "o" || got.LargestOutlets[0].Reaches != 6 || got.LargestOutlets[0].End == nil {
		t.Fatalf("outlets %+v", got.LargestOutlets)
	}
	inTaiwan(t, *got.LargestOutlets[0].End)
}

func TestSnap(t *testing.T) {
	s := testServer(t)
	type cand struct {
		ReachID     string      `json:"reach_id"`
		Measure     float64     `json:"measure"`
		OffsetM     float64     `json:"offset_m"`
		StreamOrder int         `json:"stream_order"`
		Point       *[2]float64 `json:"point"`
	}
	type result struct {
		cand
		Candidates []cand `json:"candidates"`
	}
	tests := []struct {
		name    string
		query   string
		reach   string
		offsetM float64
		n       int
	}{
		{name: "TM2 point beside t1", query: "point=220500,2671010&crs=EPSG:3826&k=3", reach: "t1", offsetM: 10, n: 3},
		{name: "default crs is lon,lat", query: "point=120.70973,24.14399", reach: "t1", n: 5},
		{name: "urn crs and k=1", query: "point=220010,2669500&crs=urn:ogc:def:crs:EPSG::3826&k=1", reach: "o", offsetM: 10, n: 1},
		{name: "within a search radius", query: "point=220500,2671010&crs=EPSG:3826&k=10&max_distance_m=100", reach: "t1", offsetM: 10, n: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/snap?"+tc.query)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			r := decode[result](t, rec.Body.Bytes())
			if r.ReachID != tc.reach || len(r.Candidates) != tc.n || r.Candidates[0].ReachID != r.ReachID ||
				r.Candidates[0].OffsetM != r.OffsetM || r.Candidates[0].Measure != r.Measure {
				t.Fatalf("got %+v", r)
			}
			if tc.offsetM > 0 && math.Abs(r.OffsetM-tc.offsetM) > 0.5 {
				t.Errorf("offset_m %v, want %v", r.OffsetM, tc.offsetM)
			}
			if r.Measure < 0 || r.Measure > 100 || r.Point == nil {
				t.Errorf("measure %v point %v", r.Measure, r.Point)
			}
			inTaiwan(t, *r.Point)
			for i := 1; i < len(r.Candidates); i++ {
				if r.Candidates[i].OffsetM < r.Candidates[i-1].OffsetM {
					t.Errorf("candidates not nearest first: %+v", r.Candidates)
				}
			}
		})
	}
}
