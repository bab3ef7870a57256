package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// cemsBody is a CEMS batch in cems.csv's format.
func cemsBody(rows ...string) []byte {
	return []byte("ems_no,stack_id,time,parameter,value,unit,status,basis,o2_ref_pct\n" + strings.Join(rows, "\n") + "\n")
}

// TestPostCEMS: POST /api/v1/air/cems stores a batch for the facility's
// own stacks and for the bureau (the county's officer, the
// administrator), never for another facility or county; a wrong row is a
// 400 naming its line and column, a contradiction of a stored record a
// 409 conflict problem, and neither stores anything; every request is
// audited.
func TestPostCEMS(t *testing.T) {
	w := newAuthzWorld(t)
	w.issue(t, "facility-B", access.Principal{Role: access.Facility, Scope: access.Scope{Facility: facB}})
	w.b.ApplyAirPermits(&airpermit.Data{Permits: []airpermit.Permit{
		{Facility: facA, PerNo: "彰府環空操證字第0001號", Stack: "P001", Pollutant: "SO2", PermittedKgH: 5, Capacity: 1, Fuel: "重油", SulphurPct: 0.5},
		{Facility: facB, PerNo: "彰府環空操證字第0002號", Stack: "P001", Pollutant: "SO2", PermittedKgH: 5, Capacity: 1, Fuel: "重油", SulphurPct: 0.5},
	}})
	a1 := facA + ",P001,2026-08-20T10:00:00+08:00,SO2,120,mg/Nm3,10,dry,6"
	a2 := facA + ",P001,2026-08-20T10:15:00+08:00,SO2,118,mg/Nm3,10,dry,6"
	a3 := facA + ",P001,2026-08-20T10:30:00+08:00,SO2,40,ppm,10,,"
	b1 := facB + ",P001,2026-08-20T10:00:00+08:00,SO2,60,ppm,10,,"
	tests := []struct {
		name, who string
		body      []byte
		code      int
		want      string // in the body
	}{
		{"a facility sends its own stack's records", "facility", cemsBody(a1, a2), 200, `{"received":2,"inserted":2,"duplicates":0}`},
		{"the same records again are duplicates", "facility", cemsBody(a1, a2), 200, `{"received":2,"inserted":0,"duplicates":2}`},
		{"never another facility's", "facility", cemsBody(a3, b1), 403, "write the CEMS records of facility " + facB},
		{"which sends its own", "facility-B", cemsBody(b1), 200, `"inserted":1`},
		{"the county's officer loads a Changhua facility's", "officer", cemsBody(a3), 200, `"inserted":1`},
		{"another county's officer may not", "officer-TXG", cemsBody(a3), 403, "write the CEMS records of facility " + facA},
		{"nor a feed", "sensor", cemsBody(a3), 403, ""},
		{"nor the public", "public", cemsBody(a3), 401, ""},
		{"a stored record with another value", "admin", cemsBody(facA+",P001,2026-08-20T10:45:00+08:00,SO2,1,ppm,10,,", facA+",P001,2026-08-20T10:00:00+08:00,SO2,125,mg/Nm3,10,dry,6"), 409,
			"body:3: " + facA + " stack P001 SO2 at 2026-08-20T10:00:00+08:00 is stored as 120 mg/Nm³ (dry, status 10 normal, at 6 % O₂), sent as 125 mg/Nm³"},
		{"a unit the parameter cannot be reported in", "admin", cemsBody(facA + ",P001,2026-08-20T11:00:00+08:00,SO2,1,Nm3/h,10,,"), 400, `"name":"line 2.unit"`},
		{"an unknown status code", "admin", cemsBody(a3, facA+",P001,2026-08-20T11:00:00+08:00,SO2,1,ppm,99,,"), 400, `"name":"line 3.status"`},
		{"an implausible value", "admin", cemsBody(facA + ",P001,2026-08-20T11:00:00+08:00,O2,130,%vol,10,,"), 400, `"name":"line 2.value"`},
		{"a stack without an air permit", "admin", cemsBody(facA + ",P404,2026-08-20T11:00:00+08:00,SO2,1,ppm,10,,"), 400, `"name":"line 2.stack_id"`},
		{"a facility without one", "admin", cemsBody("N0000000,P001,2026-08-20T11:00:00+08:00,SO2,1,ppm,10,,"), 400, `"name":"line 2.ems_no"`},
		{"an empty batch", "admin", cemsBody(), 400, `"name":"line 2"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(w.audit.Entries())
			rec := call(t, w.h, "POST", "/api/v1/air/cems", "text/csv", tc.body, w.keys[tc.who])
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("%d %s; want %d with %q", rec.Code, rec.Body, tc.code, tc.want)
			}
			if tc.code != 200 {
				if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
					t.Errorf("refusal is %q, not problem JSON", ct)
				}
			}
			if tc.code == 409 {
				var p api.Problem
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Type != api.ProblemConflict {
					t.Errorf("the conflict is %+v, %v", p, err)
				}
			}
			got := w.audit.Entries()[before:]
			if len(got) != 1 || got[0].Resource != "POST /api/v1/air/cems" || got[0].Allowed != (tc.code != 401 && tc.code != 403) {
				t.Errorf("audit entries %+v", got)
			}
		})
	}
	// Nothing of the refused batches was stored: the conflict's first
	// row is not held.
	rec := call(t, w.h, "POST", "/api/v1/air/cems", "text/csv", cemsBody(facA+",P001,2026-08-20T10:45:00+08:00,SO2,1,ppm,10,,"), w.keys["admin"])
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"inserted":1`) {
		t.Errorf("the refused batch's first row was stored: %d %s", rec.Code, rec.Body)
	}
}

// TestCEMSMatchesOpenAPI: the answers of POST /api/v1/air/cems (stored,
// a row at fault, a conflict with a stored record) conform to the
// document.
func TestCEMSMatchesOpenAPI(t *testing.T) {
	_, router := loadOpenAPI(t)
	s, _ := airServer(t, &sensor.Data{})
	stored := "E0001,P001,2024-05-06T00:00:00+08:00,SO2,120,mg/Nm3,10,dry,6"
	for _, tc := range []struct {
		name string
		body []byte
		code int
	}{
		{"stored", cemsBody(stored, "E0001,P001,2024-05-06T00:00:00+08:00,O2,8,%vol,10,,"), 200},
		{"a row at fault", cemsBody("E0001,P001,2024-05-06T00:15:00+08:00,SO2,-3,ppm,10,,"), 400},
		{"a conflict", cemsBody("E0001,P001,2024-05-06T00:00:00+08:00,SO2,121,mg/Nm3,10,dry,6"), 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/air/cems", nil)
			req.Header.Set("Content-Type", "text/csv")
			rec := httptest.NewRecorder()
			req.Body = io.NopCloser(bytes.NewReader(tc.body))
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.code)
			}
			if tc.code == 200 {
				return // a second post of the same batch is all duplicates: checked below
			}
			req = httptest.NewRequest(http.MethodPost, "/api/v1/air/cems", nil)
			req.Header.Set("Content-Type", "text/csv")
			checkOpenAPI(t, router, s.Handler(), req, tc.body, true)
		})
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/air/cems", nil)
	req.Header.Set("Content-Type", "text/csv")
	checkOpenAPI(t, router, s.Handler(), req, cemsBody(stored), true)
}
