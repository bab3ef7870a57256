package api_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/crs"
)

// withDumping adds a dumping desk to the fixture's backend.
type withDumping struct {
	*api.MemoryBackend
	area *api.DumpingArea
}

func (w *withDumping) DumpingArea() *api.DumpingArea { return w.area }

type dumpingFixture struct {
	area *api.DumpingArea
	keys access.StaticTokens
	repo *dumping.Memory
	rt   *dumping.Router
}

// newDumpingArea builds a desk over land with a memory repository and
// one key per agency: "k-<agency id>" (the centre's is k-centre).
func newDumpingArea(t testing.TB, land *dumping.Land, now func() time.Time) *dumpingFixture {
	t.Helper()
	rt, err := dumping.NewRouter(land, 0)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := privacy.ParseKeyring(bytes.Repeat([]byte{'9'}, 64))
	if err != nil {
		t.Fatal(err)
	}
	sealer := dumping.Protection{Keys: ring, Secret: bytes.Repeat([]byte{9}, 32)}
	repo := dumping.NewMemory()
	keys := access.StaticTokens{}
	for _, a := range land.Agencies {
		p := access.Principal{Subject: a.ID, Role: access.LandAgency, Scope: access.Scope{Agency: a.ID}}
		if a.Kind == dumping.KindCentre {
			p = access.Principal{Subject: "centre", Role: access.Admin}
		}
		keys.Add("k-"+a.ID, p)
	}
	desk := dumping.NewDesk(repo, rt, sealer, dumping.DeskConfig{Now: now})
	return &dumpingFixture{area: &api.DumpingArea{Desk: desk}, keys: keys, repo: repo, rt: rt}
}

func dumpingServer(t *testing.T) (*api.Server, *dumpingFixture) {
	t.Helper()
	b, fx := centralBackend(t)
	d := newDumpingArea(t, fx.land, time.Now)
	cfg := quietConfig()
	cfg.Auth = d.keys
	return newServer(t, cfg, &withDumping{MemoryBackend: b, area: d.area}), d
}

// lonLatOn is a lon/lat well inside a parcel of manager.
func lonLatOn(t *testing.T, rt *dumping.Router, manager string) (orb.Point, orb.Point) {
	t.Helper()
	for _, p := range rt.Land().Parcels {
		if p.Manager != manager {
			continue
		}
		c := p.Geometry.Bound().Center()
		if d := rt.Route(c); d.ParcelID == p.ID && len(d.Candidates) == 1 {
			ll, err := crs.Transform(crs.TWD97TM2, crs.WGS84, c)
			if err != nil {
				t.Fatal(err)
			}
			return ll, c
		}
	}
	t.Fatalf("no %s parcel", manager)
	return orb.Point{}, orb.Point{}
}

// call runs one request with an optional body and key.
func call(t *testing.T, h http.Handler, method, target, ctype string, body []byte, key string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

type o311Req struct {
	ID                string  `json:"service_request_id" xml:"service_request_id"`
	Status            string  `json:"status" xml:"status"`
	StatusNotes       string  `json:"status_notes" xml:"status_notes"`
	AgencyResponsible string  `json:"agency_responsible" xml:"agency_responsible"`
	Requested         string  `json:"requested_datetime" xml:"requested_datetime"`
	Updated           string  `json:"updated_datetime" xml:"updated_datetime"`
	Expected          string  `json:"expected_datetime" xml:"expected_datetime"`
	Lat               float64 `json:"lat" xml:"lat"`
	Long              float64 `json:"long" xml:"long"`
	MediaURL          string  `json:"media_url" xml:"media_url"`
	ServiceNotice     string  `json:"service_notice" xml:"service_notice"`
}

type o311XML struct {
	Requests []o311Req `xml:"request"`
}

// getRequest reads one request in format f.
func getRequest(t *testing.T, h http.Handler, id, f string) o311Req {
	t.Helper()
	rec := call(t, h, "GET", "/open311/v2/requests/"+id+"."+f, "", nil, "")
	if rec.Code != 200 {
		t.Fatalf("GET %s.%s: %d %s", id, f, rec.Code, rec.Body)
	}
	var out []o311Req
	if f == "json" {
		out = decode[[]o311Req](t, rec.Body.Bytes())
	} else {
		var x o311XML
		if err := xml.Unmarshal(rec.Body.Bytes(), &x); err != nil {
			t.Fatalf("XML: %v\n%s", err, rec.Body)
		}
		out = x.Requests
	}
	if len(out) != 1 || out[0].ID != id {
		t.Fatalf("%s.%s: %+v", id, f, out)
	}
	return out[0]
}

// TestOpen311RoundTrip posts a request in each format, reads it back,
// changes its status through the REST API as the agency would, and checks
// that the agency's reply reaches the Open311 reader.
func TestOpen311RoundTrip(t *testing.T) {
	s, fx := dumpingServer(t)
	h := s.Handler()
	ll, _ := lonLatOn(t, fx.rt, "npa-central")

	// The XML round trip reports the same place after the JSON one is
	// closed: a closed report takes no duplicates, so it is a new case.
	for _, f := range []string{"json", "xml"} {
		t.Run(f, func(t *testing.T) {
			rec := call(t, h, "GET", "/open311/v2/services."+f, "", nil, "")
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "dumping-construction") {
				t.Fatalf("services: %d %s", rec.Code, rec.Body)
			}
			rec = call(t, h, "GET", "/open311/v2/services/dumping-construction."+f, "", nil, "")
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "seen_it") {
				t.Fatalf("service definition: %d %s", rec.Code, rec.Body)
			}
			form := url.Values{"service_code": {"dumping-construction"}, "lat": {ftoa(ll[1])}, "long": {ftoa(ll[0])},
				"description": {"路旁傾倒廢磚塊 (" + f + ")"}, "email": {"citizen@example.tw"}, "attribute[seen_it]": {"true"}, "attribute[size]": {"truck"}}
			rec = call(t, h, "POST", "/open311/v2/requests."+f, "application/x-www-form-urlencoded", []byte(form.Encode()), "")
			if rec.Code != 201 {
				t.Fatalf("POST: %d %s", rec.Code, rec.Body)
			}
			var id string
			if f == "json" {
				id = decode[[]o311Req](t, rec.Body.Bytes())[0].ID
			} else {
				var x o311XML
				if err := xml.Unmarshal(rec.Body.Bytes(), &x); err != nil || len(x.Requests) != 1 {
					t.Fatalf("POST XML: %v %s", err, rec.Body)
				}
				id = x.Requests[0].ID
			}
			got := getRequest(t, h, id, f)
			if got.Status != "open" || got.AgencyResponsible != "財政部國有財產署中區分署" || got.Expected == "" || got.Updated == "" || !strings.Contains(got.StatusNotes, "已分派") {
				t.Fatalf("after POST: %+v", got)
			}
			if d := dist(ll, orb.Point{got.Long, got.Lat}); d < 1 || d > 200 {
				t.Errorf("public location is %.0f m from the report; it must be fuzzed within the 200 m grid", d)
			}
			// The agency takes it and replies; the reader sees both.
			tr := call(t, h, "POST", "/api/v1/dumping/reports/"+id+"/transitions", "application/json", []byte(`{"state":"investigating"}`), "k-npa-central")
			if tr.Code != 200 {
				t.Fatalf("transition: %d %s", tr.Code, tr.Body)
			}
			rp := call(t, h, "POST", "/api/v1/dumping/reports/"+id+"/replies", "application/json", []byte(`{"inspected":true,"finding":"已現場勘查，屬國有土地，排定清除"}`), "k-npa-central")
			if rp.Code != 201 {
				t.Fatalf("reply: %d %s", rp.Code, rp.Body)
			}
			for _, g := range []string{"json", "xml"} {
				got = getRequest(t, h, id, g)
				if got.Status != "open" || !strings.Contains(got.StatusNotes, "查處中") || !strings.Contains(got.StatusNotes, "排定清除") || !strings.Contains(got.StatusNotes, "已現勘") {
					t.Errorf("%s after the reply: %+v", g, got)
				}
			}
			tr = call(t, h, "POST", "/api/v1/dumping/reports/"+id+"/transitions", "application/json", []byte(`{"state":"closed","reason":"查無廢棄物"}`), "k-npa-central")
			if tr.Code != 200 {
				t.Fatalf("close: %d %s", tr.Code, tr.Body)
			}
			if got = getRequest(t, h, id, "json"); got.Status != "closed" {
				t.Errorf("after closing: %+v", got)
			}
			// The list holds it; a window over 90 days is refused.
			rec = call(t, h, "GET", "/open311/v2/requests.json?status=closed", "", nil, "")
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), id) {
				t.Errorf("list: %d %s", rec.Code, rec.Body)
			}
			rec = call(t, h, "GET", "/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-06-01T00:00:00%2B08:00", "", nil, "")
			if rec.Code != 400 || rec.Header().Get("Content-Type") != api.ProblemContentType || !strings.Contains(rec.Body.String(), "90 days") {
				t.Errorf("a 151-day window: %d %s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("POST must be form-encoded and carry lat/long", func(t *testing.T) {
		rec := call(t, h, "POST", "/open311/v2/requests.json", "application/json", []byte(`{}`), "")
		if rec.Code != 400 {
			t.Errorf("JSON body: %d", rec.Code)
		}
		rec = call(t, h, "POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", []byte("service_code=dumping-other&description=x"), "")
		p := decode[api.Problem](t, rec.Body.Bytes())
		if rec.Code != 400 || len(p.InvalidParams) != 2 || p.InvalidParams[0].Name != "lat" {
			t.Errorf("no location: %d %+v", rec.Code, p)
		}
		rec = call(t, h, "POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", []byte("service_code=nope&description=x&lat=24.1&long=120.6"), "")
		if p := decode[api.Problem](t, rec.Body.Bytes()); rec.Code != 400 || p.InvalidParams[0].Name != "service_code" {
			t.Errorf("unknown service: %d %+v", rec.Code, p)
		}
	})
	t.Run("unknown request", func(t *testing.T) {
		if rec := call(t, h, "GET", "/open311/v2/requests/DR1999-000001.xml", "", nil, ""); rec.Code != 404 {
			t.Errorf("%d", rec.Code)
		}
		if rec := call(t, h, "GET", "/open311/v2/requests/DR1999-000001.csv", "", nil, ""); rec.Code != 400 {
			t.Errorf(".csv: %d", rec.Code)
		}
	})
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// dist is the distance in metres between two lon/lat points.
func dist(a, b orb.Point) float64 {
	pa, _ := crs.Transform(crs.WGS84, crs.TWD97TM2, a)
	pb, _ := crs.Transform(crs.WGS84, crs.TWD97TM2, b)
	return math.Hypot(pa[0]-pb[0], pa[1]-pb[1])
}

// TestDumpingAuthorisation: agency A never sees agency B's queue or
// reports; a bad key is refused; the public sees no queue.
func TestDumpingAuthorisation(t *testing.T) {
	s, fx := dumpingServer(t)
	h := s.Handler()
	submit := func(manager string) string {
		ll, _ := lonLatOn(t, fx.rt, manager)
		body, _ := json.Marshal(map[string]any{"service_code": "dumping-household", "description": "大型家具", "x": ll[0], "y": ll[1], "contact": "0912000000"})
		rec := call(t, h, "POST", "/api/v1/dumping/reports", "application/json", body, "")
		if rec.Code != 201 {
			t.Fatalf("submit: %d %s", rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "0912") {
			t.Errorf("the public answer leaks the contact: %s", rec.Body)
		}
		return decode[dumping.PublicReport](t, rec.Body.Bytes()).ID
	}
	a, b := submit("npa-central"), submit("wra-river3")
	tests := []struct {
		name, target, key string
		code              int
		has, lacks        string
	}{
		{"own queue", "/api/v1/dumping/reports?agency=npa-central", "k-npa-central", 200, a, b},
		{"default queue is one's own", "/api/v1/dumping/reports", "k-npa-central", 200, a, b},
		{"another agency's queue", "/api/v1/dumping/reports?agency=wra-river3", "k-npa-central", 403, "", b},
		{"another agency's report", "/api/v1/dumping/reports/" + b, "k-npa-central", 404, "", "0912"},
		{"the public must authenticate for a queue", "/api/v1/dumping/reports?agency=npa-central", "", 401, "", a},
		{"an unknown key", "/api/v1/dumping/reports", "stolen", 401, "", a},
		{"the centre sees all", "/api/v1/dumping/reports", "k-centre", 200, b, "0912"},
		{"the dashboard is the centre's", "/api/v1/dumping/dashboard", "k-npa-central", 403, "", ""},
		{"the centre reads a contact", "/api/v1/dumping/reports/" + a + "/contact", "k-centre", 200, "0912000000", ""},
		{"the agency may not", "/api/v1/dumping/reports/" + a + "/contact", "k-npa-central", 403, "", "0912"},
		{"the public summary is fuzzed and open", "/api/v1/dumping/public/reports/" + b, "", 200, `"fuzz_m":161`, "0912"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, h, "GET", tc.target, "", nil, tc.key)
			body := rec.Body.String()
			if rec.Code != tc.code || tc.has != "" && !strings.Contains(body, tc.has) || tc.lacks != "" && strings.Contains(body, tc.lacks) {
				t.Fatalf("%d %s", rec.Code, body)
			}
			if rec.Code >= 400 && rec.Header().Get("Content-Type") != api.ProblemContentType {
				t.Errorf("error is not problem JSON: %s", rec.Header().Get("Content-Type"))
			}
		})
	}
	// Acting on another agency's report is refused too.
	rec := call(t, h, "POST", "/api/v1/dumping/reports/"+b+"/transitions", "application/json", []byte(`{"state":"investigating"}`), "k-npa-central")
	if rec.Code != 404 {
		t.Errorf("npa moved wra's report: %d", rec.Code)
	}
	// "Not responsible" without a successor is an RFC 9457 problem naming
	// the field.
	rec = call(t, h, "POST", "/api/v1/dumping/reports/"+a+"/transitions", "application/json", []byte(`{"state":"referred","reason":"非本署土地"}`), "k-npa-central")
	p := decode[api.Problem](t, rec.Body.Bytes())
	if rec.Code != 400 || rec.Header().Get("Content-Type") != api.ProblemContentType || len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != "suggested_agency" {
		t.Errorf("not responsible without a successor: %d %+v", rec.Code, p)
	}
	rec = call(t, h, "POST", "/api/v1/dumping/reports/"+a+"/transitions", "application/json", []byte(`{"state":"referred","reason":"屬河川區域","suggested_agency":"wra-river3"}`), "k-npa-central")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"agency_id":"wra-river3"`) {
		t.Errorf("referral: %d %s", rec.Code, rec.Body)
	}
}

// TestDumpingRouteTwin checks GET /api/v1/dumping/route returns the route
// command's JSON (agency_id, agency, parcel_id, candidates).
func TestDumpingRouteTwin(t *testing.T) {
	s, fx := dumpingServer(t)
	ll, tm := lonLatOn(t, fx.rt, "wra-river3")
	rec := call(t, s.Handler(), "GET", "/api/v1/dumping/route?point="+ftoa(tm[0])+","+ftoa(tm[1])+"&crs=EPSG:3826", "", nil, "")
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"agency_id", "agency", "parcel_id", "candidates"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, rec.Body)
		}
	}
	if string(m["agency_id"]) != `"wra-river3"` {
		t.Errorf("%s", rec.Body)
	}
	lonlat := call(t, s.Handler(), "GET", "/api/v1/dumping/route?point="+ftoa(ll[0])+","+ftoa(ll[1]), "", nil, "")
	if !strings.Contains(lonlat.Body.String(), `"agency_id":"wra-river3"`) {
		t.Errorf("lon/lat: %s", lonlat.Body)
	}
	if rec := call(t, s.Handler(), "GET", "/api/v1/dumping/route?point=1,2,3", "", nil, ""); rec.Code != 400 {
		t.Errorf("bad point: %d", rec.Code)
	}
}

// TestDumpingPhotoUpload uploads a PNG, serves it back and links it from
// Open311 as media_url.
func TestDumpingPhotoUpload(t *testing.T) {
	s, fx := dumpingServer(t)
	h := s.Handler()
	ll, _ := lonLatOn(t, fx.rt, "taisugar-central")
	body, _ := json.Marshal(map[string]any{"service_code": "dumping-industrial", "description": "廢輪胎", "x": ll[0], "y": ll[1]})
	id := decode[dumping.PublicReport](t, call(t, h, "POST", "/api/v1/dumping/reports", "application/json", body, "").Body.Bytes()).ID
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	rec := call(t, h, "POST", "/api/v1/dumping/reports/"+id+"/photos", "image/png", b.Bytes(), "")
	if rec.Code != 201 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	if rec := call(t, h, "POST", "/api/v1/dumping/reports/"+id+"/photos", "text/plain", []byte("not a photo"), ""); rec.Code != 400 {
		t.Errorf("text accepted as a photo: %d", rec.Code)
	}
	got := getRequest(t, h, id, "json")
	if !strings.HasSuffix(got.MediaURL, "/api/v1/dumping/photos/"+id+"-1") {
		t.Fatalf("media_url %q", got.MediaURL)
	}
	ph := call(t, h, "GET", "/api/v1/dumping/photos/"+id+"-1", "", nil, "")
	if ph.Code != 200 || ph.Header().Get("Content-Type") != "image/png" || !bytes.HasPrefix(ph.Body.Bytes(), []byte("\x89PNG")) {
		t.Errorf("photo: %d %s", ph.Code, ph.Header().Get("Content-Type"))
	}
}

// TestDumpingResponsesMatchOpenAPI validates the dumping and Open311
// answers, good and bad, against the OpenAPI document.
func TestDumpingResponsesMatchOpenAPI(t *testing.T) {
	s, fx := dumpingServer(t)
	_, router := loadOpenAPIFrom(t, s.OpenAPIDocument())
	h := s.Handler()
	ll, _ := lonLatOn(t, fx.rt, "npa-central")
	intake, _ := json.Marshal(map[string]any{"service_code": "dumping-household", "description": "舊沙發", "x": ll[0], "y": ll[1]})
	rec := call(t, h, "POST", "/api/v1/dumping/reports", "application/json", intake, "")
	id := decode[dumping.PublicReport](t, rec.Body.Bytes()).ID
	req := func(method, target, ctype, key string) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		return r
	}
	form := url.Values{"service_code": {"dumping-other"}, "lat": {ftoa(ll[1] + 0.01)}, "long": {ftoa(ll[0])}, "description": {"不明廢棄物"}}.Encode()
	tests := []struct {
		name  string
		r     *http.Request
		body  []byte
		valid bool
	}{
		{"route", req("GET", "/api/v1/dumping/route?point="+ftoa(ll[0])+","+ftoa(ll[1]), "", ""), nil, true},
		{"route without point", req("GET", "/api/v1/dumping/route", "", ""), nil, false},
		{"services", req("GET", "/api/v1/dumping/services", "", ""), nil, true},
		{"agencies", req("GET", "/api/v1/dumping/agencies", "", ""), nil, true},
		{"submit", req("POST", "/api/v1/dumping/reports", "application/json", ""), intake, true},
		{"queue", req("GET", "/api/v1/dumping/reports?agency=npa-central&open=true", "", "k-npa-central"), nil, true},
		{"queue forbidden", req("GET", "/api/v1/dumping/reports?agency=npa-central", "", "k-wra-river3"), nil, true},
		{"report", req("GET", "/api/v1/dumping/reports/"+id, "", "k-centre"), nil, true},
		{"transition", req("POST", "/api/v1/dumping/reports/"+id+"/transitions", "application/json", "k-npa-central"), []byte(`{"state":"investigating"}`), true},
		{"transition conflict", req("POST", "/api/v1/dumping/reports/"+id+"/transitions", "application/json", "k-npa-central"), []byte(`{"state":"received"}`), true},
		{"reply", req("POST", "/api/v1/dumping/reports/"+id+"/replies", "application/json", "k-npa-central"), []byte(`{"inspected":false,"finding":"排定明日現勘"}`), true},
		{"audit", req("GET", "/api/v1/dumping/reports/"+id+"/audit", "", "k-centre"), nil, true},
		{"public list", req("GET", "/api/v1/dumping/public/reports", "", ""), nil, true},
		{"public one", req("GET", "/api/v1/dumping/public/reports/"+id, "", ""), nil, true},
		{"dashboard", req("GET", "/api/v1/dumping/dashboard", "", "k-centre"), nil, true},
		{"sites", req("GET", "/api/v1/dumping/sites", "", "k-centre"), nil, true},
		{"measure", req("POST", "/api/v1/dumping/sites/"+id+"/measures", "application/json", "k-npa-central"), []byte(`{"kind":"fence","note":"加設圍籬"}`), true},
		{"patrol", req("POST", "/api/v1/dumping/patrols", "application/json", "k-npa-central"), []byte(`{"x":` + ftoa(ll[0]) + `,"y":` + ftoa(ll[1]) + `,"finding":"無異狀"}`), true},
		{"patrols", req("GET", "/api/v1/dumping/patrols", "", "k-npa-central"), nil, true},
		{"open311 services", req("GET", "/open311/v2/services.json", "", ""), nil, true},
		{"open311 definition", req("GET", "/open311/v2/services/dumping-other.json", "", ""), nil, true},
		{"open311 post", req("POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", ""), []byte(form), true},
		{"open311 list", req("GET", "/open311/v2/requests.json", "", ""), nil, true},
		{"open311 one", req("GET", "/open311/v2/requests/"+id+".json", "", ""), nil, true},
		{"open311 unknown", req("GET", "/open311/v2/requests/DR2000-000009.json", "", ""), nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkOpenAPI(t, router, h, tc.r, tc.body, tc.valid)
		})
	}
}
