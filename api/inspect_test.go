package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/casework/inspection"
)

// TestInspectRankTwin: GET /api/v1/inspect/rank gives the JSON `envtrace
// inspect rank --json` prints (both marshal inspection.Rank's result), in
// exactly the contract's shape.
func TestInspectRankTwin(t *testing.T) {
	s, fx := centralServer(t)
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
	s, _ := centralServer(t)
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
	s, _ := centralServer(t)
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
	s, _ := centralServer(t)
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
	} {
		t.Run(tc.target, func(t *testing.T) {
			checkOpenAPI(t, router, s.Handler(), httptest.NewRequest(http.MethodGet, tc.target, nil), nil, tc.valid)
		})
	}
}
