package ogc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
)

// Test network, in EPSG:3826 near Taichung: a main stem of stemLen
// reaches flowing south, each fed by a west and an east tributary of
// three vertices, so bbox tests see boxes that cross segments between
// vertices. 3·stemLen reaches in all.
const stemLen = 61

const x0, y0 = 220000.0, 2700000.0

func testReaches() []hydro.Reach {
	var out []hydro.Reach
	r := func(id, to string, pts ...orb.Point) hydro.Reach {
		rc := hydro.Reach{ID: id, LengthKm: hydro.Missing, VelocityFps: hydro.Missing,
			TotDASqKm: hydro.Missing, Geometry: orb.LineString(pts)}
		if to != "" {
			rc.ToIDs = []string{to}
		}
		if strings.HasPrefix(id, "m") {
			rc.Name = "大甲溪"
		}
		return rc
	}
	for i := 0; i < stemLen; i++ {
		y := y0 - float64(i)*500
		id := fmt.Sprintf("m%02d", i)
		to := ""
		if i+1 < stemLen {
			to = fmt.Sprintf("m%02d", i+1)
		}
		out = append(out,
			r(id, to, orb.Point{x0, y}, orb.Point{x0, y - 500}),
			r(fmt.Sprintf("w%02d", i), id, orb.Point{x0 - 1700, y + 130}, orb.Point{x0 - 900, y + 60}, orb.Point{x0, y}),
			r(fmt.Sprintf("e%02d", i), id, orb.Point{x0 + 1300, y + 410}, orb.Point{x0 + 600, y + 170}, orb.Point{x0, y}),
		)
	}
	return out
}

func testNetwork(t testing.TB) *hydro.Network {
	t.Helper()
	net, err := hydro.Build(context.Background(), testReaches(), hydro.Options{KeepGeometry: true})
	if err != nil {
		t.Fatalf("build test network: %v", err)
	}
	net.SRID = 3826
	return net
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testDataset has three stations (S1 with two complete RPI samples, S2
// with an incomplete one, S3 with none), three facilities (with a site,
// with only an outfall, with neither) and their outfalls.
func testDataset() *model.Dataset {
	p := func(dx, dy float64) model.Point { return model.Point{X: x0 + dx, Y: y0 + dy} }
	site := p(-2500, -3000)
	reading := func(st, at, par string, v float64, unit string) model.Reading {
		return model.Reading{Station: st, Time: ts(at), Parameter: par, Value: v, Unit: unit}
	}
	ds := &model.Dataset{
		Stations: []model.Station{
			{ID: "S1", Name: "大甲溪橋", Kind: model.Fixed, Point: p(20, -2000), River: "大甲溪"},
			{ID: "S2", Name: "下游站", Kind: model.Continuous, Point: p(-15, -20000), River: "大甲溪"},
			{ID: "S3", Name: "支流站", Kind: model.Fixed, Point: p(-1200, -5000), River: "支流"},
		},
		Facilities: []model.Facility{
			{EmsNo: "L0000001", Name: "甲工廠", Industry: "電鍍業", Location: &site},
			{EmsNo: "L0000002", Name: "乙工廠", Industry: "染整業"},
			{EmsNo: "L0000003", Name: "丙工廠", Industry: "食品業"},
		},
		// L0000001 has an expired permit and a current one that allows more
		// than its plant can treat (a high capacity finding).
		Permits: []model.Permit{
			{PerNo: "P-OLD", Facility: "L0000001", ValidFrom: ts("2019-01-01T00:00:00Z"), ValidTo: ts("2023-12-31T00:00:00Z"), MaxDailyM3: 500},
			{PerNo: "P-NEW", Facility: "L0000001", ValidFrom: ts("2024-01-01T00:00:00Z"), ValidTo: ts("2028-12-31T00:00:00Z"), MaxDailyM3: 1200,
				TreatmentCapacityM3PerDay: ptr(800.0)},
		},
		Outfalls: []model.Outfall{
			{Facility: "L0000001", ID: "D01", Point: p(-2000, -3100), ReceivingWater: "大甲溪"},
			{Facility: "L0000002", ID: "D01", Point: p(900, -8050), ReceivingWater: "大甲溪"},
			{Facility: "L0000002", ID: "D02", Point: p(950, -8200), ReceivingWater: "大甲溪"},
		},
	}
	ds.SetReadings([]model.Reading{
		// S1: an older complete sample (unpolluted) and a newer one
		// (DO 5.2→3, BOD5 4.95→6, SS 18→1, NH3-N 1.2→6: RPI 4.0).
		reading("S1", "2024-03-01T09:00:00+08:00", "DO", 7.5, "mg/L"),
		reading("S1", "2024-03-01T09:00:00+08:00", "BOD5", 1, "mg/L"),
		reading("S1", "2024-03-01T09:00:00+08:00", "SS", 5, "mg/L"),
		reading("S1", "2024-03-01T09:00:00+08:00", "NH3-N", 0.1, "mg/L"),
		reading("S1", "2024-05-01T09:30:00+08:00", "DO", 5.2, "mg/L"),
		reading("S1", "2024-05-01T09:30:00+08:00", "BOD5", 4.95, "mg/L"),
		reading("S1", "2024-05-01T09:30:00+08:00", "SS", 18, "mg/L"),
		reading("S1", "2024-05-01T09:30:00+08:00", "NH3-N", 1200, "µg/L"),
		reading("S1", "2024-05-02T10:00:00+08:00", "Cu", 5, "µg/L"),
		// S2: only DO and SS in its latest sample.
		reading("S2", "2024-06-10T00:00:00Z", "DO", 6.8, "mg/L"),
		reading("S2", "2024-06-10T00:00:00Z", "SS", 30, "mg/L"),
	})
	// Data enter through Index, which converts them to canonical units
	// (1200 µg/L of ammonia is 1.2 mg/L), as ReadDir and the store do.
	if err := ds.Index(); err != nil {
		panic(err)
	}
	return ds
}

func testSource(t testing.TB) (*ogc.MemorySource, *hydro.Network, *model.Dataset) {
	t.Helper()
	net := testNetwork(t)
	ds := testDataset()
	src, err := ogc.NewMemorySource(net, ds)
	if err != nil {
		t.Fatalf("NewMemorySource: %v", err)
	}
	return src, net, ds
}

// problemHandler stands in for the envtrace server's central error
// handler: RFC 9457 problem JSON with the status the error asks for.
func problemHandler(err error, c echo.Context) {
	status := ogc.StatusOf(err)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
	}
	if c.Response().Committed {
		return
	}
	p := map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": err.Error()}
	var pn interface{ InvalidParam() (name, reason string) }
	if errors.As(err, &pn) {
		name, reason := pn.InvalidParam()
		p["invalid-params"] = []map[string]string{{"name": name, "reason": reason}}
	}
	b, _ := json.Marshal(p)
	_ = c.Blob(status, "application/problem+json", b)
}

// newTestServer mounts src at /ogc of a fresh echo instance.
func newTestServer(t testing.TB, src ogc.Source, cfg ogc.Config) *httptest.Server {
	t.Helper()
	e := echo.New()
	e.HideBanner = true
	e.HTTPErrorHandler = problemHandler
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return ts("2024-06-30T00:00:00Z") }
	}
	ogc.Register(e.Group("/ogc"), src, cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// response is a decoded HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t testing.TB, rawURL string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", rawURL, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// Decoded shapes.
type linkJSON struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type"`
	Title string `json:"title"`
}

type featureJSON struct {
	Type     string         `json:"type"`
	ID       string         `json:"id"`
	Geometry *geometryJSON  `json:"geometry"`
	Props    map[string]any `json:"properties"`
	Links    []linkJSON     `json:"links"`
}

type geometryJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// points flattens a Point or LineString's coordinates.
func (g *geometryJSON) points(t testing.TB) [][2]float64 {
	t.Helper()
	switch g.Type {
	case "Point":
		var p [2]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			t.Fatal(err)
		}
		return [][2]float64{p}
	case "LineString":
		var ps [][2]float64
		if err := json.Unmarshal(g.Coordinates, &ps); err != nil {
			t.Fatal(err)
		}
		return ps
	}
	t.Fatalf("unexpected geometry type %s", g.Type)
	return nil
}

type collectionJSON struct {
	Type           string        `json:"type"`
	Features       []featureJSON `json:"features"`
	NumberMatched  *int          `json:"numberMatched"`
	NumberReturned *int          `json:"numberReturned"`
	TimeStamp      string        `json:"timeStamp"`
	Links          []linkJSON    `json:"links"`
}

func findLink(links []linkJSON, rel string) (linkJSON, bool) {
	for _, l := range links {
		if l.Rel == rel {
			return l, true
		}
	}
	return linkJSON{}, false
}

func ids(fc collectionJSON) []string {
	out := make([]string, len(fc.Features))
	for i, f := range fc.Features {
		out[i] = f.ID
	}
	return out
}

// pageAll follows next links from first, returning every feature id in
// order and the numberMatched of each page.
func pageAll(t testing.TB, first string) (got []string, matched []int, pages int) {
	t.Helper()
	next := first
	for next != "" {
		pages++
		if pages > 10000 {
			t.Fatal("too many pages; next links loop")
		}
		r := get(t, next)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, r.status, r.body)
		}
		var fc collectionJSON
		r.json(t, &fc)
		if fc.NumberReturned == nil || *fc.NumberReturned != len(fc.Features) {
			t.Fatalf("page %s: numberReturned %v, %d features", next, fc.NumberReturned, len(fc.Features))
		}
		if fc.NumberMatched != nil {
			matched = append(matched, *fc.NumberMatched)
		}
		got = append(got, ids(fc)...)
		next = ""
		if l, ok := findLink(fc.Links, "next"); ok {
			next = l.Href
		}
	}
	return got, matched, pages
}

func ptr[T any](v T) *T { return &v }
