package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework/inspection"
)

// TestInspectRankTwin: GET /api/v1/inspect/rank gives the JSON `envtrace
// inspect rank --json` prints (both marshal inspection.Rank's result), in
// exactly the contract's shape.
func TestInspectRankTwin(t *testing.T) {
	s, fx := sharedServer(t)
	rec := do(t, s.Echo(), http.MethodGet, "/api/v1/inspect/rank?as_of=2026-09-01T00:00:00%2B08:00", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	asOf, _ := inspection.ParseAsOf("2026-09-01T00:00:00+08:00")
	want, err := inspection.Rank(context.Background(), fx.inspect, asOf)
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	if strings.TrimSpace(rec.Body.String()) != string(wb) {
		t.Errorf("REST and CLI JSON differ:\n%s\n%s", rec.Body, wb)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return strings.Join(sorted(ks), ",")
	}
	if k := keys(got); k != "as_of,facilities" {
		t.Errorf("top-level keys %s", k)
	}
	f := got["facilities"].([]any)[0].(map[string]any)
	if k := keys(f); k != "facility_id,probability,rank,score,terms" {
		t.Errorf("facility keys %s", k)
	}
	if k := keys(f["terms"].([]any)[0].(map[string]any)); k != "contribution,data_date,name,value,weight" {
		t.Errorf("term keys %s", k)
	}
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestInspectBadInput(t *testing.T) {
	s, _ := sharedServer(t)
	for _, tc := range []struct{ name, target, param string }{
		{"rank without as_of", "/api/v1/inspect/rank", "as_of"},
		{"rank bad as_of", "/api/v1/inspect/rank?as_of=yesterday", "as_of"},
		{"plan without teams", "/api/v1/inspect/plan?date=2026-09-01", "teams"},
		{"plan zero teams", "/api/v1/inspect/plan?date=2026-09-01&teams=0", "teams"},
		{"plan bad date", "/api/v1/inspect/plan?date=2026-13-01&teams=2", "date"},
		{"plan bad share", "/api/v1/inspect/plan?date=2026-09-01&teams=2&random_share=2", "random_share"},
		{"plan bad format", "/api/v1/inspect/plan?date=2026-09-01&teams=2&format=pdf", "format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, s.Echo(), http.MethodGet, tc.target, "")
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.param) ||
				!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
				t.Errorf("status %d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		})
	}
}

func TestInspectPlanFormats(t *testing.T) {
	s, _ := sharedServer(t)
	for _, tc := range []struct{ format, ctype, contains string }{
		{"json", "application/json", `"routes"`},
		{"csv", "text/csv", "facility_id"},
		{"geojson", "application/geo+json", "FeatureCollection"},
		{"html", "text/html", "稽查計畫"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			rec := do(t, s.Echo(), http.MethodGet, "/api/v1/inspect/plan?date=2026-09-01&teams=2&format="+tc.format, "")
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.ctype) || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("status %d %s: %.300s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		})
	}
}

// TestInspectMatchesOpenAPI validates the inspection responses, good and
// bad, against the document.
func TestInspectMatchesOpenAPI(t *testing.T) {
	_, router := loadOpenAPI(t)
	s, _ := sharedServer(t)
	for _, tc := range []struct {
		target string
		valid  bool
	}{
		{"/api/v1/inspect/rank?as_of=2026-09-01", true},
		{"/api/v1/inspect/plan?date=2026-09-01&teams=3", true},
		{"/api/v1/inspect/plan?date=2026-09-01&teams=3&format=csv", true},
		{"/api/v1/inspect/plan?date=2026-09-01&teams=3&format=geojson", true},
		{"/api/v1/inspect/plan?date=2026-09-01&teams=0", false},
		{"/api/v1/inspect/rank", false},
		{"/api/v1/portal?as_of=2026-09-01", true},
	} {
		t.Run(tc.target, func(t *testing.T) {
			checkOpenAPI(t, router, s.Handler(), httptest.NewRequest(http.MethodGet, tc.target, nil), nil, tc.valid)
		})
	}
}

// TestPostedRecordsFeedTheRanking: a record posted to /api/v1/inspections
// is stored with its units converted, and the next ranking counts it: the
// facility's years-since-inspection term dates from it, and a violation
// adds a quarter in non-compliance.
func TestPostedRecordsFeedTheRanking(t *testing.T) {
	s, _ := centralServer(t)
	h := s.Echo()
	term := func(id, name string) map[string]any {
		rec := do(t, h, http.MethodGet, "/api/v1/inspect/rank?as_of=2026-09-01", "")
		var r struct {
			Facilities []struct {
				FacilityID string           `json:"facility_id"`
				Terms      []map[string]any `json:"terms"`
			} `json:"facilities"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Facilities {
			if f.FacilityID == id {
				for _, tm := range f.Terms {
					if tm["name"] == name {
						return tm
					}
				}
			}
		}
		t.Fatalf("no %s term for %s", name, id)
		return nil
	}
	const fac = "N7789799"
	beforeQ := term(fac, "compliance_quarters")["value"].(float64)
	body := `{"id":"I-20260520-T1","facility_id":"` + fac + `","date":"2026-05-20T10:00:00+08:00","selection":"random","propensity":0.1,
		"findings":[{"description":"廢水處理設施未操作"}],
		"samples":[{"id":"S-1","parameter":"COD","value":250000,"unit":"µg/L","limit":100}],
		"violations":[{"article":"水污法第7條","description":"COD 超標"}],
		"penalties":[{"article":"水污法第40條","amount_twd":60000,"date":"2026-06-01T00:00:00+08:00"}]}`
	rec := do(t, h, http.MethodPost, "/api/v1/inspections", body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, h, http.MethodGet, "/api/v1/inspections/I-20260520-T1", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"unit":"mg/L"`) || !strings.Contains(rec.Body.String(), `"value":250`) {
		t.Errorf("GET: %d %s", rec.Code, rec.Body)
	}
	since := term(fac, "years_since_inspection")
	if since["data_date"] != "2026-05-20" {
		t.Errorf("years since inspection dated %v, want the posted record's 2026-05-20", since["data_date"])
	}
	if after := term(fac, "compliance_quarters")["value"].(float64); after != beforeQ+1 {
		t.Errorf("compliance quarters %v → %v, want one more", beforeQ, after)
	}
	for _, tc := range []struct{ name, body, field string }{
		{"unknown selection", `{"id":"I-20260520-T2","facility_id":"X","date":"2026-05-20T10:00:00+08:00","selection":"hunch"}`, "selection"},
		{"bad unit", `{"id":"I-20260520-T3","facility_id":"X","date":"2026-05-20T10:00:00+08:00","selection":"risk","samples":[{"id":"s","parameter":"COD","value":1,"unit":"furlongs"}]}`, "samples[0]"},
		{"unknown field", `{"id":"I-20260520-T4","facility":"X"}`, "facility"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, http.MethodPost, "/api/v1/inspections", tc.body)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.field) {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	if rec := do(t, h, http.MethodGet, "/api/v1/inspections/I-20990101-X", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown record: %d", rec.Code)
	}
	rec = do(t, h, http.MethodGet, "/api/v1/inspections?facility_id="+fac, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "I-20260520-T1") {
		t.Errorf("list: %d %s", rec.Code, rec.Body)
	}
}

// TestPortalAuthorisation is S-T1 over the portal: who may call it, and
// that facility A's answer never holds facility B's data or the
// suspicion terms.
func TestPortalAuthorisation(t *testing.T) {
	b, fx := centralBackend(t)
	fs := fx.air.Water.Facilities
	keys := access.StaticTokens{}
	keys.Add("prosecutor", access.Principal{Subject: "prosecutor", Role: access.Investigator})
	keys.Add("unknown", access.Principal{Subject: "ghost", Role: access.Facility, Scope: access.Scope{Facility: "NOPE0000"}})
	for _, f := range fs {
		keys.Add("facility-"+f.EmsNo, access.Principal{Subject: f.EmsNo, Role: access.Facility, Scope: access.Scope{Facility: f.EmsNo}})
	}
	cfg := quietConfig()
	cfg.Auth = keys
	h := newServer(t, cfg, b).Echo()
	get := func(key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/portal?as_of=2026-09-01", nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, tc := range []struct {
		name, key string
		status    int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"not a facility", "prosecutor", http.StatusForbidden},
		{"unknown facility", "unknown", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if rec := get(tc.key); rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
				t.Errorf("%d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		})
	}
	for _, a := range []int{0, len(fs) / 2, len(fs) - 1} {
		me := fs[a]
		rec := get("facility-" + me.EmsNo)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), me.EmsNo) {
			t.Fatalf("%s: %d %s", me.EmsNo, rec.Code, rec.Body)
		}
		for _, other := range fs {
			if other.EmsNo != me.EmsNo && (strings.Contains(rec.Body.String(), other.EmsNo) || strings.Contains(rec.Body.String(), other.Name)) {
				t.Errorf("%s's portal shows %s", me.EmsNo, other.EmsNo)
			}
		}
		for _, hidden := range []string{"odour_air_attribution", "water_trace_suspicion", `"petitions"`, "dumping_reports", `"probability"`} {
			if strings.Contains(rec.Body.String(), hidden) {
				t.Errorf("%s's portal shows %s", me.EmsNo, hidden)
			}
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/portal?facility_id="+fs[1].EmsNo, nil)
	req.Header.Set("Authorization", "Bearer facility-"+fs[0].EmsNo)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a facility_id parameter was accepted: %d", rec.Code)
	}
}
