package api_test

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/model"
)

// Response shapes the tests read (the OpenAPI test checks the rest).
type stationOut struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Position [2]float64 `json:"position"`
	Place    *struct {
		Reach string `json:"reach"`
	} `json:"place"`
	RPI *struct {
		Index     float64 `json:"index"`
		ClassCode int     `json:"class_code"`
		ClassZH   string  `json:"class_zh"`
	} `json:"rpi"`
	Latest []readingOut `json:"latest"`
}

type readingOut struct {
	Station   string    `json:"station"`
	Time      time.Time `json:"time"`
	Parameter string    `json:"parameter"`
	Value     float64   `json:"value"`
	Unit      string    `json:"unit"`
	Flow      *float64  `json:"flow"`
}

type suspectOut struct {
	FacilityID  string  `json:"facility_id"`
	Name        string  `json:"name"`
	Rank        int     `json:"rank"`
	Score       float64 `json:"score"`
	DistanceKm  float64 `json:"distance_km"`
	TravelHours float64 `json:"travel_hours"`
	Evidence    struct {
		Outfall      string `json:"outfall"`
		PermitCovers bool   `json:"permit_covers_parameter"`
		Bracketing   string `json:"bracketing"`
		Reason       string `json:"reason"`
		CanCarry     bool   `json:"can_carry"`
	} `json:"evidence"`
}

type traceOut struct {
	Station       string       `json:"station"`
	Parameter     string       `json:"parameter"`
	Verdict       string       `json:"verdict"`
	Reason        string       `json:"reason"`
	MethodVersion string       `json:"method_version"`
	DataVersion   string       `json:"data_version"`
	Suspects      []suspectOut `json:"suspects"`
	Insufficient  []suspectOut `json:"insufficient"`
	RuledOut      []suspectOut `json:"ruled_out"`
	Baseline      struct {
		Median float64  `json:"median"`
		MAD    float64  `json:"mad"`
		N      int      `json:"n"`
		Lower  *float64 `json:"lower"`
		Upper  *float64 `json:"upper"`
	} `json:"baseline"`
	Unexplained struct {
		Explained bool     `json:"explained"`
		Reason    string   `json:"reason"`
		Between   []string `json:"between"`
	} `json:"unexplained"`
	Observation struct {
		Value      float64 `json:"value"`
		Background float64 `json:"background"`
		FlowM3s    float64 `json:"flow_m3s"`
		FlowSource string  `json:"flow_source"`
	} `json:"observation"`
}

type problemOut struct {
	Type          string `json:"type"`
	Title         string `json:"title"`
	Status        int    `json:"status"`
	Detail        string `json:"detail"`
	InvalidParams []struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	} `json:"invalid-params"`
}

// traceQuery is the GET /api/v1/trace query of a scenario.
func traceQuery(sc fixtures.Scenario) url.Values {
	return url.Values{"station": {sc.Station}, "parameter": {sc.Parameter}, "value": {fmt.Sprint(sc.Value)},
		"unit": {sc.Unit}, "time": {sc.Time.Format(time.RFC3339)}}
}

func scenario(t *testing.T, fx *centralFixture, id string) fixtures.Scenario {
	t.Helper()
	for _, s := range fx.scenarios {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("fixture has no scenario %q", id)
	return fixtures.Scenario{}
}

// TestTracingResponsesMatchOpenAPI validates the tracing endpoints'
// answers, good and bad, against the OpenAPI document.
func TestTracingResponsesMatchOpenAPI(t *testing.T) {
	_, router := loadOpenAPI(t)
	s, fx := centralServer(t)
	sc := scenario(t, fx, "night-plating-canal")
	tq := traceQuery(sc).Encode()
	permit := url.PathEscape("彰縣環水許字第10043號")
	reading := `[{"station":"WQ-M01","time":"2026-10-01T09:00:00+08:00","parameter":"COD","value":12.5,"unit":"mg/L","flow":2.1,"flow_unit":"m3/s"}]`
	tests := []struct {
		method, target, body string
		validInput           bool
	}{
		{"GET", "/", "", true},
		{"GET", "/webmap/style.css", "", true},
		{"GET", "/webmap/nope.js", "", true},
		{"GET", "/api/v1/network.geojson", "", true},
		{"GET", "/api/v1/stations", "", true},
		{"GET", "/api/v1/stations/WQ-M05", "", true},
		{"GET", "/api/v1/stations/WQ-C1-01", "", true},
		{"GET", "/api/v1/stations/nope", "", true},
		{"GET", "/api/v1/stations/WQ-M01/readings?parameter=COD&from=2026-03-01T00:00:00%2B08:00&to=2026-06-01T00:00:00%2B08:00", "", true},
		{"GET", "/api/v1/stations/WQ-M01/readings?limit=5", "", true},
		{"GET", "/api/v1/stations/WQ-M01/readings?from=yesterday", "", true},
		{"GET", "/api/v1/stations/WQ-M01/readings?limit=0", "", false},
		{"GET", "/api/v1/facilities", "", true},
		{"GET", "/api/v1/facilities/N1489153", "", true},
		{"GET", "/api/v1/facilities/nope", "", true},
		{"GET", "/api/v1/facilities/N1489153/checks", "", true},
		{"GET", "/api/v1/permits/" + permit, "", true},
		{"GET", "/api/v1/permits/nope", "", true},
		{"GET", "/api/v1/checks/permits", "", true},
		{"GET", "/api/v1/trace?" + tq, "", true},
		{"GET", "/api/v1/trace?" + tq + "&format=geojson&max_hours=12", "", true},
		{"GET", "/api/v1/trace?" + traceQuery(scenario(t, fx, "unpermitted-ammonia")).Encode(), "", true},
		{"GET", "/api/v1/trace?station=WQ-M01&parameter=pH&value=7&unit=pH&time=2026-08-14T04:00:00%2B08:00", "", true},
		{"GET", "/api/v1/trace?station=nope&parameter=Cu&value=1&unit=mg/L&time=2026-08-14T04:00:00%2B08:00", "", true},
		{"GET", "/api/v1/trace?station=WQ-M01&parameter=Cu&value=-1&unit=mg/L&time=2026-08-14T04:00:00%2B08:00", "", false},
		{"GET", "/api/v1/trace?parameter=Cu", "", false},
		{"POST", "/api/v1/trace", `{"station":"WQ-C1-01","parameter":"Cu","value":1.815,"unit":"mg/L","time":"2026-08-14T04:00:00+08:00"}`, true},
		{"POST", "/api/v1/trace?format=geojson", `{"station":"WQ-C1-01","parameter":"Cu","value":1.815,"unit":"mg/L","time":"2026-08-14T04:00:00+08:00","max_hours":24}`, true},
		{"POST", "/api/v1/trace", `{"station":"WQ-C1-01","parameter":"Cu","value":"high","unit":"mg/L","time":"2026-08-14T04:00:00+08:00"}`, false},
		{"GET", "/api/v1/balance?parameter=NH3-N&from=2026-08-01T00:00:00%2B08:00&to=2026-09-01T00:00:00%2B08:00", "", true},
		{"GET", "/api/v1/balance?parameter=NH3-N&from=2026-08-01T00:00:00", "", false},
		{"GET", "/api/v1/scenarios", "", true},
		{"GET", "/api/v1/stations/WQ-M01/rpi", "", true},
		{"GET", "/api/v1/stations/nope/rpi", "", true},
		{"GET", "/api/v1/facilities/N1489153/effluent", "", true},
		{"POST", "/api/v1/cases", `{"title":"福田圳 銅","trace":{"station":"WQ-C1-01","parameter":"Cu","value":1.815,"unit":"mg/L","time":"2026-08-14T04:00:00+08:00"}}`, true},
		{"POST", "/api/v1/cases", `{"title":"","trace":{"station":"WQ-C1-01"}}`, false},
		{"GET", "/api/v1/cases", "", true},
		{"GET", "/api/v1/cases/C-20260101-00000000", "", true},
		{"GET", "/api/v1/cases/C-20260101-00000000/export?f=pdf", "", false},
		{"POST", "/api/v1/readings", reading, true},
		{"POST", "/api/v1/readings", `[{"station":"WQ-M01","time":"2026-10-01T09:00:00","parameter":"COD","value":1,"unit":"m3/s"}]`, true},
		{"POST", "/api/v1/readings", `[{"station":"WQ-M01"}]`, false},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
				req.Header.Set("Content-Type", "application/json")
			}
			checkOpenAPI(t, router, s.Handler(), req, body, tc.validInput)
		})
	}
}

func TestStations(t *testing.T) {
	s, _ := sharedServer(t)
	rec := get(t, s.Handler(), "/api/v1/stations")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	out := decode[struct {
		Stations []stationOut `json:"stations"`
		Count    int          `json:"count"`
	}](t, rec.Body.Bytes())
	if out.Count != 18 || len(out.Stations) != 18 {
		t.Fatalf("got %d stations (count %d), want the fixture's 18", len(out.Stations), out.Count)
	}
	withRPI := 0
	for i, st := range out.Stations {
		if i > 0 && out.Stations[i-1].ID >= st.ID {
			t.Errorf("stations not in id order at %s", st.ID)
		}
		inTaiwan(t, st.Position)
		if st.Place == nil {
			t.Errorf("station %s is not placed on the network", st.ID)
		}
		if st.RPI != nil {
			withRPI++
			if st.RPI.ClassCode < 1 || st.RPI.ClassCode > 4 || st.RPI.ClassZH == "" {
				t.Errorf("station %s: bad RPI %+v", st.ID, *st.RPI)
			}
		}
	}
	if withRPI < 10 {
		t.Errorf("only %d stations have an RPI", withRPI)
	}
}

func TestStation(t *testing.T) {
	s, _ := sharedServer(t)
	tests := []struct {
		name, id   string
		status     int
		wantParams []string // parameters that must be among the latest
		wantRPI    bool
	}{
		{name: "fixed station with RPI", id: "WQ-M01", status: 200, wantParams: []string{"BOD5", "COD", "DO", "NH3-N", "SS"}, wantRPI: true},
		{name: "continuous metals monitor", id: "WQ-C1-01", status: 200, wantParams: []string{"Cu", "Ni", "COND"}},
		{name: "unknown", id: "WQ-X99", status: 404},
		{name: "id too long", id: strings.Repeat("x", 300), status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/stations/"+url.PathEscape(tc.id))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != 200 {
				p := decode[problemOut](t, rec.Body.Bytes())
				if tc.status == 404 && (p.Type != api.ProblemNotFound || !strings.Contains(p.Detail, tc.id)) {
					t.Errorf("problem %+v does not name the station", p)
				}
				if tc.status == 400 && (len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != "id") {
					t.Errorf("problem %+v does not blame id", p)
				}
				return
			}
			st := decode[stationOut](t, rec.Body.Bytes())
			got := map[string]readingOut{}
			for _, r := range st.Latest {
				if _, dup := got[r.Parameter]; dup {
					t.Errorf("parameter %s listed twice", r.Parameter)
				}
				got[r.Parameter] = r
			}
			for _, p := range tc.wantParams {
				if _, ok := got[p]; !ok {
					t.Errorf("latest lacks %s (has %v)", p, st.Latest)
				}
			}
			if (st.RPI != nil) != tc.wantRPI {
				t.Errorf("rpi = %+v, want present=%v", st.RPI, tc.wantRPI)
			}
		})
	}
}

func TestReadings(t *testing.T) {
	s, _ := sharedServer(t)
	type page struct {
		Readings  []readingOut `json:"readings"`
		Count     int          `json:"count"`
		Truncated bool         `json:"truncated"`
	}
	tests := []struct {
		name, query string
		status      int
		badParam    string
		check       func(t *testing.T, p page)
	}{
		{name: "one parameter in a period", query: "parameter=化學需氧量&from=2026-03-01T00:00:00%2B08:00&to=2026-06-01T00:00:00%2B08:00", status: 200,
			check: func(t *testing.T, p page) {
				if p.Count == 0 {
					t.Fatal("no COD readings in spring")
				}
				from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("", 8*3600))
				for i, r := range p.Readings {
					if r.Parameter != "COD" || r.Time.Before(from) || !r.Time.Before(from.AddDate(0, 3, 0)) {
						t.Errorf("reading %+v outside the query", r)
					}
					if i > 0 && r.Time.Before(p.Readings[i-1].Time) {
						t.Errorf("readings not in time order")
					}
				}
			}},
		{name: "limit truncates", query: "limit=3", status: 200, check: func(t *testing.T, p page) {
			if p.Count != 3 || !p.Truncated {
				t.Errorf("count %d truncated %v", p.Count, p.Truncated)
			}
		}},
		{name: "lost plus in the zone is repaired", query: "from=2026-09-01T00:00:00+08:00&parameter=DO", status: 200, check: func(t *testing.T, p page) {
			if p.Count == 0 {
				t.Error("no readings")
			}
		}},
		{name: "time without zone", query: "from=2026-03-01T00:00:00", status: 400, badParam: "from"},
		{name: "to before from", query: "from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z", status: 400, badParam: "to"},
		{name: "unknown parameter", query: "parameter=unobtainium", status: 400, badParam: "parameter"},
		{name: "unknown query key", query: "param=COD", status: 400, badParam: "param"},
		{name: "limit too large", query: "limit=1000000", status: 400, badParam: "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/stations/WQ-M01/readings?"+tc.query)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.badParam != "" {
				checkTracingProblem(t, rec, api.ProblemInvalidParams, tc.badParam)
				return
			}
			tc.check(t, decode[page](t, rec.Body.Bytes()))
		})
	}
	if rec := get(t, s.Handler(), "/api/v1/stations/nope/readings"); rec.Code != 404 {
		t.Errorf("unknown station: status %d", rec.Code)
	}
}

// checkTracingProblem checks an error response is a problem document of the
// given type that names param in invalid-params.
func checkTracingProblem(t *testing.T, rec *httptest.ResponseRecorder, typ, param string) problemOut {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
		t.Errorf("content type %q, want %q", ct, api.ProblemContentType)
	}
	p := decode[problemOut](t, rec.Body.Bytes())
	if p.Type != typ || p.Status != rec.Code {
		t.Errorf("problem type %q status %d, want %q %d: %+v", p.Type, p.Status, typ, rec.Code, p)
	}
	if param == "" {
		return p
	}
	for _, ip := range p.InvalidParams {
		if ip.Name == param {
			if ip.Reason == "" {
				t.Errorf("parameter %s named without a reason", param)
			}
			return p
		}
	}
	t.Errorf("invalid-params %+v does not name %q", p.InvalidParams, param)
	return p
}

func TestFacilities(t *testing.T) {
	s, _ := sharedServer(t)
	rec := get(t, s.Handler(), "/api/v1/facilities")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	type outfall struct {
		ID       string     `json:"id"`
		Position [2]float64 `json:"position"`
		Place    *struct {
			Reach string `json:"reach"`
		} `json:"place"`
	}
	out := decode[struct {
		Facilities []struct {
			ID       string      `json:"id"`
			Position *[2]float64 `json:"position"`
			Outfalls []outfall   `json:"outfalls"`
		} `json:"facilities"`
		Count int `json:"count"`
	}](t, rec.Body.Bytes())
	if out.Count != 43 {
		t.Errorf("count %d, want the fixture's 43", out.Count)
	}
	for _, f := range out.Facilities {
		if f.Position == nil {
			t.Errorf("facility %s has no position", f.ID)
		} else {
			inTaiwan(t, *f.Position)
		}
		if len(f.Outfalls) == 0 && !strings.HasPrefix(f.ID, "Q73") { // the fixture's odour sources discharge nothing
			t.Errorf("facility %s has no outfall", f.ID)
		}
		for _, o := range f.Outfalls {
			inTaiwan(t, o.Position)
			if o.Place == nil {
				t.Errorf("outfall %s/%s not on the network", f.ID, o.ID)
			}
		}
	}
}

func TestFacilityAndPermit(t *testing.T) {
	s, _ := sharedServer(t)
	const perNo = "彰縣環水許字第10043號"
	type limit struct {
		Parameter string   `json:"parameter"`
		Value     *float64 `json:"value"`
		Unit      string   `json:"unit"`
		Bound     string   `json:"bound"`
	}
	type permit struct {
		ID                     string   `json:"id"`
		Facility               string   `json:"facility"`
		FacilityName           string   `json:"facility_name"`
		ValidFrom              string   `json:"valid_from"`
		MaxDailyM3             float64  `json:"max_daily_m3"`
		TreatmentCapacityM3Day *float64 `json:"treatment_capacity_m3_day"`
		Limits                 []limit  `json:"limits"`
	}
	rec := get(t, s.Handler(), "/api/v1/facilities/N1489153")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	f := decode[struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		Industry string   `json:"industry"`
		Permits  []permit `json:"permits"`
		Outfalls []struct {
			ID string `json:"id"`
		} `json:"outfalls"`
	}](t, rec.Body.Bytes())
	if f.Industry != "electroplating" || len(f.Outfalls) != 1 || len(f.Permits) != 1 {
		t.Fatalf("facility = %+v", f)
	}
	p := f.Permits[0]
	if p.ID != perNo || p.MaxDailyM3 != 900 || p.ValidFrom != "2022-06-01" || p.TreatmentCapacityM3Day == nil || *p.TreatmentCapacityM3Day != 1100 {
		t.Errorf("permit = %+v", p)
	}
	hasCu := slices.ContainsFunc(p.Limits, func(l limit) bool { return l.Parameter == "Cu" && l.Value != nil && *l.Value == 3 })
	hasPHLower := slices.ContainsFunc(p.Limits, func(l limit) bool { return l.Parameter == "pH" && l.Bound == "lower" })
	if !hasCu || !hasPHLower {
		t.Errorf("limits lack Cu ≤ 3 or a lower pH bound: %+v", p.Limits)
	}

	rec = get(t, s.Handler(), "/api/v1/permits/"+url.PathEscape(perNo))
	if rec.Code != 200 {
		t.Fatalf("permit: status %d: %s", rec.Code, rec.Body)
	}
	if got := decode[permit](t, rec.Body.Bytes()); got.ID != perNo || got.FacilityName != f.Name || len(got.Limits) != len(p.Limits) {
		t.Errorf("permit = %+v", got)
	}
	for _, target := range []string{"/api/v1/permits/none", "/api/v1/facilities/none", "/api/v1/facilities/none/checks"} {
		rec := get(t, s.Handler(), target)
		if rec.Code != 404 {
			t.Errorf("%s: status %d", target, rec.Code)
			continue
		}
		checkTracingProblem(t, rec, api.ProblemNotFound, "")
	}
}

func TestPermitChecks(t *testing.T) {
	s, _ := sharedServer(t)
	checks, err := fixtures.DMRChecks()
	if err != nil {
		t.Fatal(err)
	}
	type finding struct {
		Facility string             `json:"facility"`
		Check    string             `json:"check"`
		Severity string             `json:"severity"`
		Numbers  map[string]float64 `json:"numbers"`
	}
	rec := get(t, s.Handler(), "/api/v1/checks/permits")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	rep := decode[struct {
		Findings   []finding `json:"findings"`
		Facilities int       `json:"facilities"`
	}](t, rec.Body.Bytes())
	if rep.Facilities != 43 || len(rep.Findings) == 0 {
		t.Fatalf("report: %d facilities, %d findings", rep.Facilities, len(rep.Findings))
	}
	// Every planted exceedance and effluent anomaly of the fixture is a
	// finding, both in the report and on its facility's own checks.
	kinds := map[string]string{"exceedance": "limit", "constant_flow": "constant-flow",
		"permit_above_treatment_capacity": "capacity", "discharge_above_intake": "water-balance",
		"effluent_spike": "effluent-spike", "effluent_shift": "effluent-shift", "effluent_stuck": "effluent-stuck",
		"effluent_impossible": "effluent-impossible"}
	for _, c := range checks {
		want := kinds[c.Kind]
		if want == "" {
			continue
		}
		t.Run(c.EmsNo+" "+c.Kind, func(t *testing.T) {
			if !slices.ContainsFunc(rep.Findings, func(f finding) bool { return f.Facility == c.EmsNo && f.Check == want }) {
				t.Errorf("report lacks a %s finding for %s", want, c.EmsNo)
			}
			rec := get(t, s.Handler(), "/api/v1/facilities/"+c.EmsNo+"/checks")
			fc := decode[struct {
				Facility string    `json:"facility"`
				Findings []finding `json:"findings"`
			}](t, rec.Body.Bytes())
			if fc.Facility != c.EmsNo || !slices.ContainsFunc(fc.Findings, func(f finding) bool { return f.Check == want }) {
				t.Errorf("facility checks lack %s: %+v", want, fc)
			}
			for _, f := range fc.Findings {
				if f.Facility != c.EmsNo {
					t.Errorf("facility checks include %s's finding", f.Facility)
				}
			}
		})
	}
}

// TestTraceScenarios traces every scenario of the fixture over HTTP and
// checks the known answer: the culprit ranked first, or the unexplained
// verdict between the right stations.
func TestTraceScenarios(t *testing.T) {
	s, fx := sharedServer(t)
	for _, sc := range fx.scenarios {
		t.Run(sc.ID, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/trace?"+traceQuery(sc).Encode())
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			res := decode[traceOut](t, rec.Body.Bytes())
			if res.Station != sc.Station || res.Parameter != sc.Parameter {
				t.Errorf("traced %s %s, want %s %s", res.Station, res.Parameter, sc.Station, sc.Parameter)
			}
			if sc.Culprit != "" {
				if len(res.Suspects) == 0 || res.Suspects[0].FacilityID != sc.Culprit {
					t.Fatalf("top suspect is not the culprit %s: %+v", sc.Culprit, res.Suspects)
				}
				top := res.Suspects[0]
				if top.Rank != 1 || top.Score <= 0 || top.TravelHours <= 0 || top.DistanceKm <= 0 || !top.Evidence.PermitCovers {
					t.Errorf("top suspect %+v", top)
				}
				if res.Verdict != "explained" || !res.Unexplained.Explained {
					t.Errorf("verdict %s: %+v", res.Verdict, res.Unexplained)
				}
				if math.Abs(top.TravelHours-sc.TravelHours) > 0.5*sc.TravelHours {
					t.Errorf("travel hours %g, fixture design %g", top.TravelHours, sc.TravelHours)
				}
			} else {
				if res.Verdict != "unexplained" || len(res.Suspects) != 0 || res.Unexplained.Explained ||
					!slices.Equal(res.Unexplained.Between, sc.UnexplainedBetween) {
					t.Errorf("verdict %s %+v, want unexplained between %v", res.Verdict, res.Unexplained, sc.UnexplainedBetween)
				}
			}
			if res.Baseline.N < 5 || res.Baseline.Lower == nil || res.Baseline.Upper == nil || res.Observation.Background != res.Baseline.Median {
				t.Errorf("baseline %+v, background %v", res.Baseline, res.Observation.Background)
			}
			if res.MethodVersion == "" || !strings.HasPrefix(res.DataVersion, "sha256:") {
				t.Errorf("versions %q %q", res.MethodVersion, res.DataVersion)
			}
			for _, d := range sc.Distractors {
				for _, sp := range res.Suspects {
					if sp.FacilityID == d && sc.Culprit != "" && sp.Rank == 1 {
						t.Errorf("distractor %s ranked first", d)
					}
				}
			}
			for _, r := range slices.Concat(res.RuledOut, res.Insufficient) {
				if r.Rank != 0 || r.Evidence.Reason == "" {
					t.Errorf("%s listed unranked without a reason: %+v", r.FacilityID, r)
				}
			}
		})
	}
}

func TestTraceGeoJSON(t *testing.T) {
	s, fx := sharedServer(t)
	sc := scenario(t, fx, "piggery-ammonia")
	rec := get(t, s.Handler(), "/api/v1/trace?"+traceQuery(sc).Encode()+"&format=geojson&max_hours=24")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("content type %q", ct)
	}
	type feat struct {
		ID       string `json:"id"`
		Geometry *struct {
			Type        string `json:"type"`
			Coordinates any    `json:"coordinates"`
		} `json:"geometry"`
		Properties struct {
			Kind        string   `json:"kind"`
			FacilityID  string   `json:"facility_id"`
			Rank        int      `json:"rank"`
			Score       *float64 `json:"score"`
			ReachID     string   `json:"reach_id"`
			TravelHours *float64 `json:"travel_hours"`
		} `json:"properties"`
	}
	fc := decode[struct {
		Type  string `json:"type"`
		Trace struct {
			Station  string  `json:"station"`
			Reach    string  `json:"reach"`
			MaxHours float64 `json:"max_hours"`
		} `json:"trace"`
		Features       []feat `json:"features"`
		NumberReturned int    `json:"numberReturned"`
	}](t, rec.Body.Bytes())
	if fc.Type != "FeatureCollection" || fc.NumberReturned != len(fc.Features) || fc.Trace.Station != sc.Station || fc.Trace.MaxHours != 24 {
		t.Fatalf("collection header %+v, %d features", fc.Trace, len(fc.Features))
	}
	kinds := map[string]int{}
	reaches := map[string]bool{}
	for _, f := range fc.Features {
		kinds[f.Properties.Kind]++
		if f.Geometry == nil {
			t.Errorf("feature %s has no geometry", f.ID)
			continue
		}
		switch f.Properties.Kind {
		case "reach":
			reaches[f.Properties.ReachID] = true
			if f.Geometry.Type != "LineString" || f.Properties.TravelHours == nil || *f.Properties.TravelHours > 24+1e-9 {
				t.Errorf("reach feature %+v", f)
			}
		case "suspect":
			if f.Geometry.Type != "Point" || f.Properties.Rank < 1 || f.Properties.Score == nil {
				t.Errorf("suspect feature %+v", f)
			}
			if f.Properties.Rank == 1 && f.Properties.FacilityID != sc.Culprit {
				t.Errorf("rank 1 outfall belongs to %s, want %s", f.Properties.FacilityID, sc.Culprit)
			}
			pt := f.Geometry.Coordinates.([]any)
			inTaiwan(t, [2]float64{pt[0].(float64), pt[1].(float64)})
		case "station":
			if f.Geometry.Type != "Point" {
				t.Errorf("station feature %+v", f)
			}
		}
	}
	if kinds["station"] != 1 || kinds["suspect"] == 0 || kinds["reach"] < 3 {
		t.Errorf("feature kinds %v", kinds)
	}
	if !reaches[fc.Trace.Reach] {
		t.Errorf("the station's reach %s is not among the traced reaches", fc.Trace.Reach)
	}
}

func TestTracePost(t *testing.T) {
	s, fx := sharedServer(t)
	sc := scenario(t, fx, "dyeing-over-permit-cod")
	body := fmt.Sprintf(`{"station":%q,"parameter":"化學需氧量","value":%g,"unit":"mg/l","time":%q,"flow":%g}`,
		sc.Station, sc.Value, sc.Time.Format(time.RFC3339), sc.FlowM3s)
	rec := do(t, s.Handler(), http.MethodPost, "/api/v1/trace", body)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	res := decode[traceOut](t, rec.Body.Bytes())
	if res.Parameter != "COD" || len(res.Suspects) == 0 || res.Suspects[0].FacilityID != sc.Culprit {
		t.Errorf("result %+v", res)
	}
	if res.Observation.FlowSource != "given" || res.Observation.FlowM3s != sc.FlowM3s {
		t.Errorf("flow %g from %q, want the given %g", res.Observation.FlowM3s, res.Observation.FlowSource, sc.FlowM3s)
	}
	// The same trace by GET gives the same ranking.
	q := traceQuery(sc)
	q.Set("flow", fmt.Sprint(sc.FlowM3s))
	rec2 := get(t, s.Handler(), "/api/v1/trace?"+q.Encode())
	if rec2.Body.String() != rec.Body.String() {
		t.Errorf("GET and POST differ:\n%s\n%s", rec2.Body, rec.Body)
	}
}

// TestTraceBadInput checks that every kind of bad input becomes a problem
// document naming the offending parameter.
func TestTraceBadInput(t *testing.T) {
	s, _ := sharedServer(t)
	const good = "station=WQ-C1-01&parameter=Cu&value=1.8&unit=mg/L&time=2026-08-14T04:00:00%2B08:00"
	tests := []struct {
		name, method, target, body string
		status                     int
		typ, param                 string
	}{
		{"missing station", "GET", "/api/v1/trace?parameter=Cu&value=1&unit=mg/L&time=2026-08-14T04:00:00Z", "", 400, api.ProblemInvalidParams, "station"},
		{"missing everything", "GET", "/api/v1/trace", "", 400, api.ProblemInvalidParams, "time"},
		{"unknown station", "GET", strings.Replace("/api/v1/trace?"+good, "WQ-C1-01", "WQ-NOPE", 1), "", 404, api.ProblemNotFound, ""},
		{"unknown parameter", "GET", strings.Replace("/api/v1/trace?"+good, "parameter=Cu", "parameter=Kryptonite", 1), "", 400, api.ProblemInvalidParams, "parameter"},
		{"pH in mg/L", "GET", strings.Replace("/api/v1/trace?"+good, "parameter=Cu", "parameter=pH", 1), "", 400, api.ProblemInvalidParams, "unit"},
		{"pH 99", "GET", "/api/v1/trace?station=WQ-M01&parameter=pH&value=99&unit=pH&time=2026-08-14T04:00:00%2B08:00", "", 400, api.ProblemInvalidParams, "value"},
		{"DO 40 mg/L", "GET", "/api/v1/trace?station=WQ-M01&parameter=DO&value=40&unit=mg/L&time=2026-08-14T04:00:00%2B08:00", "", 400, api.ProblemInvalidParams, "value"},
		{"value 1e308", "GET", strings.Replace("/api/v1/trace?"+good, "value=1.8", "value=1e308", 1), "", 400, api.ProblemInvalidParams, "value"},
		{"flow 1e300", "GET", "/api/v1/trace?" + good + "&flow=1e300", "", 400, api.ProblemInvalidParams, "flow"},
		{"unit of the wrong kind", "GET", strings.Replace("/api/v1/trace?"+good, "unit=mg/L", "unit=m3/s", 1), "", 400, api.ProblemInvalidParams, "unit"},
		{"unknown unit", "GET", strings.Replace("/api/v1/trace?"+good, "unit=mg/L", "unit=ppm", 1), "", 400, api.ProblemInvalidParams, "unit"},
		{"value not a number", "GET", strings.Replace("/api/v1/trace?"+good, "value=1.8", "value=lots", 1), "", 400, api.ProblemInvalidParams, "value"},
		{"value NaN", "GET", strings.Replace("/api/v1/trace?"+good, "value=1.8", "value=NaN", 1), "", 400, api.ProblemInvalidParams, "value"},
		{"negative value", "GET", strings.Replace("/api/v1/trace?"+good, "value=1.8", "value=-2", 1), "", 400, api.ProblemInvalidParams, "value"},
		{"time without zone", "GET", strings.Replace("/api/v1/trace?"+good, "%2B08:00", "", 1), "", 400, api.ProblemInvalidParams, "time"},
		{"time garbage", "GET", strings.Replace("/api/v1/trace?"+good, "2026-08-14T04:00:00%2B08:00", "last+night", 1), "", 400, api.ProblemInvalidParams, "time"},
		{"zero flow", "GET", "/api/v1/trace?" + good + "&flow=0", "", 400, api.ProblemInvalidParams, "flow"},
		{"max_hours too large", "GET", "/api/v1/trace?" + good + "&max_hours=5000", "", 400, api.ProblemInvalidParams, "max_hours"},
		{"bad format", "GET", "/api/v1/trace?" + good + "&format=kml", "", 400, api.ProblemInvalidParams, "format"},
		{"unknown key", "GET", "/api/v1/trace?" + good + "&hours=3", "", 400, api.ProblemInvalidParams, "hours"},
		{"repeated key", "GET", "/api/v1/trace?" + good + "&value=2", "", 400, api.ProblemInvalidParams, "value"},
		{"post: wrong type", "POST", "/api/v1/trace", `{"station":"WQ-C1-01","parameter":"Cu","value":"1.8","unit":"mg/L","time":"2026-08-14T04:00:00+08:00"}`, 400, api.ProblemInvalidParams, "value"},
		{"post: unknown field", "POST", "/api/v1/trace", `{"station":"WQ-C1-01","parameter":"Cu","value":1.8,"unit":"mg/L","time":"2026-08-14T04:00:00+08:00","colour":"red"}`, 400, api.ProblemInvalidParams, "colour"},
		{"post: malformed", "POST", "/api/v1/trace", `{"station":`, 400, api.ProblemInvalidParams, "body"},
		{"post: missing time", "POST", "/api/v1/trace", `{"station":"WQ-C1-01","parameter":"Cu","value":1.8,"unit":"mg/L"}`, 400, api.ProblemInvalidParams, "time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, s.Handler(), tc.method, tc.target, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			checkTracingProblem(t, rec, tc.typ, tc.param)
		})
	}
	t.Run("post: not JSON", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/trace", strings.NewReader("station=WQ-C1-01"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// smallBasin is a dataset built in code on the test network: a plating
// shop discharging into headwater h1, a station on m2 that never measured
// flow, and one 5 km from every river.
func smallBasin(t *testing.T) *api.MemoryBackend {
	t.Helper()
	tm2 := func(x, y float64) model.Point { return model.Point{X: x, Y: y} }
	capacity := 200.0
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tw := time.FixedZone("+08", 8*3600)
	ds := &model.Dataset{
		Facilities: []model.Facility{{EmsNo: "F1", Name: "Plating shop", Industry: "electroplating"}},
		Outfalls:   []model.Outfall{{Facility: "F1", ID: "D01", Point: tm2(219500, 2672500)}},
		Permits: []model.Permit{{PerNo: "P1", Facility: "F1", ValidFrom: day(2020, 1, 1), ValidTo: day(2030, 12, 31),
			MaxDailyM3: 100, TreatmentCapacityM3PerDay: &capacity}},
		Limits: []model.PermitLimit{{Permit: "P1", Limit: dmr.Limit{Parameter: "Cu", Value: 3, Unit: "mg/L", StatBase: dmr.SingleSample}}},
		Stations: []model.Station{
			{ID: "S-ON", Name: "On the river", Kind: model.Fixed, Point: tm2(220000, 2670500)},
			{ID: "S-OFF", Name: "In the hills", Kind: model.Fixed, Point: tm2(226000, 2670500)},
		},
	}
	// Six months of copper history without a flow: enough for a baseline.
	for m, v := range []float64{0.012, 0.01, 0.015, 0.011, 0.013, 0.02} {
		ds.AppendReadings(model.Reading{Station: "S-ON", Time: time.Date(2026, time.Month(m+1), 1, 9, 0, 0, 0, tw),
			Parameter: "Cu", Value: v, Unit: "mg/L"})
	}
	b, err := basin.New(testNetwork(t), ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := api.NewMemoryBackendWithBasin(b)
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

// TestTraceUntraceable checks readings the data cannot answer: a 422
// problem naming what to change, and the trace once it is changed. A
// normal reading needs no flow: it names nobody.
func TestTraceUntraceable(t *testing.T) {
	s := newServer(t, quietConfig(), smallBasin(t))
	const reading = "&parameter=Cu&value=0.9&unit=mg/L&time=2026-06-20T10:00:00%2B08:00"
	tests := []struct {
		name, query string
		status      int
		param       string
	}{
		{"station off the network", "station=S-OFF" + reading, 422, "station"},
		{"no flow known", "station=S-ON" + reading, 422, "flow"},
		{"normal reading, no flow needed", "station=S-ON&parameter=Cu&value=0.014&unit=mg/L&time=2026-06-20T10:00:00%2B08:00", 200, ""},
		{"flow given", "station=S-ON" + reading + "&flow=0.1", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/trace?"+tc.query)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != 200 {
				checkTracingProblem(t, rec, api.ProblemUntraceable, tc.param)
				return
			}
			res := decode[traceOut](t, rec.Body.Bytes())
			if !strings.Contains(tc.query, "flow=") {
				if res.Verdict != "within_normal_range" || len(res.Suspects) != 0 {
					t.Errorf("normal reading: %s %+v", res.Verdict, res.Suspects)
				}
				return
			}
			if res.Verdict != "explained" || len(res.Suspects) != 1 || res.Suspects[0].FacilityID != "F1" || res.Suspects[0].Evidence.Outfall != "D01" {
				t.Errorf("%s: suspects %+v insufficient %+v", res.Verdict, res.Suspects, res.Insufficient)
			}
		})
	}
}

func TestBalance(t *testing.T) {
	s, _ := sharedServer(t)
	tests := []struct {
		name, query string
		status      int
		param       string
	}{
		{"ammonia in August", "parameter=NH3-N&from=2026-08-01T00:00:00%2B08:00&to=2026-09-01T00:00:00%2B08:00", 200, ""},
		{"alias", "parameter=氨氮&from=2026-08-01T00:00:00Z&to=2026-09-01T00:00:00Z", 200, ""},
		{"missing parameter", "from=2026-08-01T00:00:00Z&to=2026-09-01T00:00:00Z", 400, "parameter"},
		{"intensive parameter", "parameter=TEMP&from=2026-08-01T00:00:00Z&to=2026-09-01T00:00:00Z", 400, "parameter"},
		{"missing from", "parameter=COD&to=2026-09-01T00:00:00Z", 400, "from"},
		{"empty period", "parameter=COD&from=2026-09-01T00:00:00Z&to=2026-09-01T00:00:00Z", 400, "to"},
		{"date without time", "parameter=COD&from=2026-08-01&to=2026-09-01T00:00:00Z", 400, "from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/balance?"+tc.query)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != 200 {
				checkTracingProblem(t, rec, api.ProblemInvalidParams, tc.param)
				return
			}
			rep := decode[struct {
				Parameter string `json:"parameter"`
				Stations  []struct {
					Station   string  `json:"station"`
					LoadKgDay float64 `json:"load_kg_day"`
				} `json:"stations"`
				Segments []struct {
					Station  string   `json:"station"`
					Upstream []string `json:"upstream_stations"`
				} `json:"segments"`
			}](t, rec.Body.Bytes())
			if rep.Parameter != "NH3-N" || len(rep.Stations) < 5 || len(rep.Segments) < 5 {
				t.Errorf("report: %s, %d stations, %d segments", rep.Parameter, len(rep.Stations), len(rep.Segments))
			}
			for _, sg := range rep.Segments {
				if sg.Upstream == nil {
					t.Errorf("segment %s: upstream_stations is null", sg.Station)
				}
			}
		})
	}
}

func TestScenarios(t *testing.T) {
	s, fx := sharedServer(t)
	rec := get(t, s.Handler(), "/api/v1/scenarios")
	out := decode[struct {
		Scenarios []api.Scenario `json:"scenarios"`
	}](t, rec.Body.Bytes())
	if len(out.Scenarios) != len(fx.scenarios) || out.Scenarios[0].ID != fx.scenarios[0].ID || out.Scenarios[0].Culprit != fx.scenarios[0].Culprit {
		t.Errorf("scenarios %+v", out.Scenarios)
	}
	// A backend without scenarios answers an empty list.
	plain, err := api.NewMemoryBackendWithBasin(fx.basin)
	if err != nil {
		t.Fatal(err)
	}
	rec = get(t, newServer(t, quietConfig(), plain).Handler(), "/api/v1/scenarios")
	if body := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || body != `{"scenarios":[]}` {
		t.Errorf("no scenarios: %d %s", rec.Code, body)
	}
}

// TestTracingNeedsBasin checks that a bare network serves no tracing
// routes (404, not 500), while the network and the web map are there.
func TestTracingNeedsBasin(t *testing.T) {
	s := testServer(t)
	for _, target := range []string{"/api/v1/stations", "/api/v1/trace?station=a", "/api/v1/scenarios"} {
		if rec := get(t, s.Handler(), target); rec.Code != 404 {
			t.Errorf("%s: status %d", target, rec.Code)
		}
	}
	for _, target := range []string{"/api/v1/network.geojson", "/", "/webmap/js/app.js", "/webmap/vendor/leaflet/leaflet.js"} {
		if rec := get(t, s.Handler(), target); rec.Code != 200 {
			t.Errorf("%s: status %d", target, rec.Code)
		}
	}
}

func TestNetworkGeoJSON(t *testing.T) {
	s, fx := sharedServer(t)
	rec := get(t, s.Handler(), "/api/v1/network.geojson")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/geo+json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	fc := decode[struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates [][2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				StreamOrder int `json:"stream_order"`
			} `json:"properties"`
		} `json:"features"`
		NumberReturned int `json:"numberReturned"`
	}](t, rec.Body.Bytes())
	if len(fc.Features) != fx.net.Len() || fc.NumberReturned != fx.net.Len() {
		t.Fatalf("%d features, network has %d reaches", len(fc.Features), fx.net.Len())
	}
	for _, f := range fc.Features {
		if len(f.Geometry.Coordinates) < 2 || f.Properties.StreamOrder < 1 {
			t.Errorf("reach %s: %d points, order %d", f.ID, len(f.Geometry.Coordinates), f.Properties.StreamOrder)
		}
		inTaiwan(t, f.Geometry.Coordinates[0])
	}
}

// TestIngest checks POST /api/v1/readings: validation with every bad field
// named, idempotence (a batch sent twice is stored once), and that the new
// readings are what the station and trace endpoints use next.
func TestIngest(t *testing.T) {
	s, _ := centralServer(t)
	h := s.Handler()
	batch := `[
		{"station":"WQ-M01","time":"2026-10-01T09:00:00+08:00","parameter":"COD","value":12.5,"unit":"mg/L","flow":2.1,"flow_unit":"m3/s"},
		{"station":"WQ-M01","time":"2026-10-01T09:00:00+08:00","parameter":"氨氮","value":450,"unit":"µg/L"},
		{"station":"WQ-M01","time":"2026-10-01T01:00:00Z","parameter":"COD","value":12500,"unit":"µg/L"}
	]`
	type result struct {
		Received   int `json:"received"`
		Inserted   int `json:"inserted"`
		Duplicates int `json:"duplicates"`
	}
	rec := do(t, h, http.MethodPost, "/api/v1/readings", batch)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	// The third reading is the first one's instant in UTC and its value in
	// µg/L: the same reading, so it is a duplicate even within one batch.
	if got := decode[result](t, rec.Body.Bytes()); got != (result{Received: 3, Inserted: 2, Duplicates: 1}) {
		t.Errorf("first post: %+v", got)
	}
	rec = do(t, h, http.MethodPost, "/api/v1/readings", batch)
	if got := decode[result](t, rec.Body.Bytes()); rec.Code != 200 || got != (result{Received: 3, Inserted: 0, Duplicates: 3}) {
		t.Errorf("second post: %d %+v", rec.Code, got)
	}

	// Stored once, canonical, and now the station's latest.
	rec = get(t, h, "/api/v1/stations/WQ-M01/readings?from=2026-10-01T00:00:00Z")
	page := decode[struct {
		Readings []readingOut `json:"readings"`
	}](t, rec.Body.Bytes())
	if len(page.Readings) != 2 {
		t.Fatalf("stored %d readings after two posts, want 2: %+v", len(page.Readings), page.Readings)
	}
	for _, r := range page.Readings {
		switch r.Parameter {
		case "COD":
			if r.Value != 12.5 || r.Flow == nil || *r.Flow != 2.1 {
				t.Errorf("COD stored as %+v", r)
			}
		case "NH3-N":
			if math.Abs(r.Value-0.45) > 1e-12 || r.Unit != "mg/L" {
				t.Errorf("ammonia not converted to mg/L: %+v", r)
			}
		default:
			t.Errorf("unexpected reading %+v", r)
		}
	}
	st := decode[stationOut](t, get(t, h, "/api/v1/stations/WQ-M01").Body.Bytes())
	latestCOD := slices.IndexFunc(st.Latest, func(r readingOut) bool { return r.Parameter == "COD" })
	if latestCOD < 0 || st.Latest[latestCOD].Value != 12.5 {
		t.Errorf("latest COD is not the ingested reading: %+v", st.Latest)
	}

	// Another value for a stored reading conflicts: 409 with both values,
	// and nothing of the batch is stored.
	conflict := `[
		{"station":"WQ-M01","time":"2026-10-02T09:00:00+08:00","parameter":"COD","value":8,"unit":"mg/L"},
		{"station":"WQ-M01","time":"2026-10-01T01:00:00Z","parameter":"COD","value":99,"unit":"mg/L"}
	]`
	rec = do(t, h, http.MethodPost, "/api/v1/readings", conflict)
	p := decode[struct {
		Type      string `json:"type"`
		Conflicts []struct {
			Station   string `json:"station"`
			Parameter string `json:"parameter"`
			Stored    struct {
				Value float64 `json:"value"`
			} `json:"stored"`
			Sent struct {
				Value float64 `json:"value"`
			} `json:"sent"`
		} `json:"conflicts"`
	}](t, rec.Body.Bytes())
	if rec.Code != http.StatusConflict || p.Type != api.ProblemConflict || len(p.Conflicts) != 1 ||
		p.Conflicts[0].Stored.Value != 12.5 || p.Conflicts[0].Sent.Value != 99 || p.Conflicts[0].Parameter != "COD" {
		t.Fatalf("conflict: %d %s", rec.Code, rec.Body)
	}
	rec = get(t, h, "/api/v1/stations/WQ-M01/readings?from=2026-10-02T00:00:00Z")
	if n := decode[struct {
		Count int `json:"count"`
	}](t, rec.Body.Bytes()).Count; n != 0 {
		t.Errorf("%d readings stored from a conflicting batch", n)
	}
}

// TestIngestBadInput posts only batches the server refuses (and an empty
// one), so it asks the shared server, and checks at the end that nothing
// of them was stored.
func TestIngestBadInput(t *testing.T) {
	s, _ := sharedServer(t)
	good := `{"station":"WQ-M01","time":"2026-10-01T09:00:00+08:00","parameter":"COD","value":1,"unit":"mg/L"}`
	tests := []struct {
		name, body string
		status     int
		params     []string
	}{
		{"unknown station", `[` + strings.Replace(good, "WQ-M01", "WQ-ZZ", 1) + `]`, 400, []string{"[0].station"}},
		{"time without zone", `[` + good + `,` + strings.Replace(good, "+08:00", "", 1) + `]`, 400, []string{"[1].time"}},
		{"unit of the wrong kind", `[` + strings.Replace(good, `"mg/L"`, `"pH"`, 1) + `]`, 400, []string{"[0].unit"}},
		{"unknown parameter", `[` + strings.Replace(good, `"COD"`, `"XYZ"`, 1) + `]`, 400, []string{"[0].parameter"}},
		{"negative concentration", `[` + strings.Replace(good, `"value":1`, `"value":-1`, 1) + `]`, 400, []string{"[0].value"}},
		{"pH 99", `[` + strings.Replace(strings.Replace(good, `"COD"`, `"pH"`, 1), `"value":1,"unit":"mg/L"`, `"value":99,"unit":"pH"`, 1) + `]`, 400, []string{"[0].value"}},
		{"COD 1e300", `[` + strings.Replace(good, `"value":1`, `"value":1e300`, 1) + `]`, 400, []string{"[0].value"}},
		{"flow 1e300", `[` + strings.Replace(good, `"unit":"mg/L"`, `"unit":"mg/L","flow":1e300,"flow_unit":"m3/s"`, 1) + `]`, 400, []string{"[0].flow"}},
		{"conflict within the batch", `[` + good + `,` + strings.Replace(good, `"value":1`, `"value":2`, 1) + `]`, 409, nil},
		{"value as a string", `[` + strings.Replace(good, `"value":1`, `"value":"1"`, 1) + `]`, 400, []string{"[0].value"}},
		{"missing fields", `[{"station":"WQ-M01"}]`, 400, []string{"[0].time", "[0].parameter", "[0].value", "[0].unit"}},
		{"flow without unit", `[` + strings.Replace(good, `"unit":"mg/L"`, `"unit":"mg/L","flow":3`, 1) + `]`, 400, []string{"[0].flow_unit"}},
		{"flow in a concentration unit", `[` + strings.Replace(good, `"unit":"mg/L"`, `"unit":"mg/L","flow":3,"flow_unit":"mg/L"`, 1) + `]`, 400, []string{"[0].flow_unit"}},
		{"unknown field", `[` + strings.Replace(good, `"unit"`, `"units"`, 1) + `]`, 400, []string{"[0].units"}},
		{"object instead of array", good, 400, []string{"body"}},
		{"element not an object", `[1]`, 400, []string{"[0]"}},
		{"malformed", `[{"station":`, 400, []string{"body"}},
		{"two bad readings, one good", `[` + good + `,` + strings.Replace(good, "COD", "ZZZ", 1) + `,` + strings.Replace(good, "mg/L", "furlongs", 1) + `]`, 400, []string{"[1].parameter", "[2].unit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, s.Handler(), http.MethodPost, "/api/v1/readings", tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			for _, p := range tc.params {
				checkTracingProblem(t, rec, api.ProblemInvalidParams, p)
			}
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/readings", strings.NewReader(good))
		req.Header.Set("Content-Type", "text/csv")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType || rec.Header().Get("Content-Type") != api.ProblemContentType {
			t.Errorf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
		}
	})
	t.Run("empty batch", func(t *testing.T) {
		rec := do(t, s.Handler(), http.MethodPost, "/api/v1/readings", `[]`)
		if body := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || body != `{"received":0,"inserted":0,"duplicates":0}` {
			t.Errorf("%d %s", rec.Code, body)
		}
	})
	// Nothing of a rejected batch was stored.
	rec := get(t, s.Handler(), "/api/v1/stations/WQ-M01/readings?from=2026-10-01T00:00:00Z")
	if n := decode[struct {
		Count int `json:"count"`
	}](t, rec.Body.Bytes()).Count; n != 0 {
		t.Errorf("%d readings stored from rejected batches", n)
	}
}

// TestIngestWhileTracing runs ingests and traces together: under -race it
// checks the copy-on-write dataset, and each trace must succeed.
func TestIngestWhileTracing(t *testing.T) {
	s, fx := centralServer(t)
	sc := scenario(t, fx, "piggery-ammonia")
	h := s.Handler()
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := 0; w < 3; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				body := fmt.Sprintf(`[{"station":"WQ-T5-02","time":"2026-10-0%dT%02d:00:00+08:00","parameter":"NH3-N","value":0.3,"unit":"mg/L"}]`, w+1, i)
				if rec := do(t, h, http.MethodPost, "/api/v1/readings", body); rec.Code != 200 {
					errs <- fmt.Sprintf("ingest: %d %s", rec.Code, rec.Body)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				rec := get(t, h, "/api/v1/trace?"+traceQuery(sc).Encode())
				if rec.Code != 200 {
					errs <- fmt.Sprintf("trace: %d %s", rec.Code, rec.Body)
					continue
				}
				if res := decode[traceOut](t, rec.Body.Bytes()); len(res.Suspects) == 0 || res.Suspects[0].FacilityID != sc.Culprit {
					errs <- "trace lost its culprit during ingest"
				}
				get(t, h, "/api/v1/stations/WQ-T5-02")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	rec := get(t, h, "/api/v1/stations/WQ-T5-02/readings?from=2026-10-01T00:00:00%2B08:00")
	if n := decode[struct {
		Count int `json:"count"`
	}](t, rec.Body.Bytes()).Count; n != 15 {
		t.Errorf("stored %d concurrent readings, want 15", n)
	}
}
