package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/tracing/model"
)

// TestSelfReports follows self-reports through their lifecycle: facility
// A submits (units converted, limits judged, bad input refused naming the
// field), never sees nor decides B's or its own; Taichung's officer never
// sees a Changhua report; Changhua's officer rejects only with a reason,
// and a decision is final. The portal lists A's reports with their
// decisions and the monitoring nearby, nothing of B.
func TestSelfReports(t *testing.T) {
	b, _ := centralBackend(t)
	keys := access.StaticTokens{}
	keys.Add("fac-A", access.Principal{Subject: "fac-A", Role: access.Facility, Scope: access.Scope{Facility: facA}})
	keys.Add("fac-B", access.Principal{Subject: "fac-B", Role: access.Facility, Scope: access.Scope{Facility: facB}})
	keys.Add("cha", access.Principal{Subject: "cha-inspector", Role: access.Officer, Scope: access.Scope{County: "CHA"}})
	keys.Add("txg", access.Principal{Subject: "txg-inspector", Role: access.Officer, Scope: access.Scope{County: "TXG"}})
	keys.Add("admin", access.Principal{Subject: "centre", Role: access.Admin})
	cfg := quietConfig()
	cfg.Auth = keys
	audit := &access.MemoryAudit{}
	cfg.Audit = audit
	h := newServer(t, cfg, b).Handler()
	do := func(method, target, key, body string) (int, string) {
		rec := call(t, h, method, target, "application/json", []byte(body), key)
		return rec.Code, rec.Body.String()
	}
	const base = "/api/v1/portal/self-reports"
	submit := func(key, body string) inspection.SelfReport {
		code, out := do("POST", base, key, body)
		if code != http.StatusCreated {
			t.Fatalf("submit as %s: %d %s", key, code, out)
		}
		return decode[inspection.SelfReport](t, []byte(out))
	}
	// 0.15 g/L is 150 mg/L, above the 100 mg/L limit.
	mon := submit("fac-A", `{"kind":"monitoring","monitoring":{"permit":"`+permitA+`","parameter":"COD","value":0.15,"unit":"g/L","sampled_at":"2026-08-20T09:30:00+08:00"}}`)
	if m := mon.Monitoring; mon.Facility != facA || mon.Status != "submitted" || m.Unit != "mg/L" || m.Value != 150 || !m.Exceeds || mon.SubmittedBy != "fac-A" {
		t.Errorf("stored %+v %+v: want 150 mg/L above its limit, submitted by fac-A", mon, m)
	}
	fix := submit("fac-A", `{"kind":"corrective_action","corrective_action":{"inspection_id":"I-20251115-N1489153","violation":0,
		"action":"更換加藥泵並增設 COD 連續監測","started_on":"2025-11-20","completed_on":"2025-12-10"}}`)
	bOwn := submit("fac-B", `{"kind":"monitoring","monitoring":{"permit":"`+permitB+`","parameter":"pH","value":7.2,"unit":"pH","sampled_at":"2026-08-20T09:30:00+08:00"}}`)

	for _, tc := range []struct{ name, body, field string }{
		{"another facility's permit", `{"kind":"monitoring","monitoring":{"permit":"` + permitB + `","parameter":"COD","value":1,"unit":"mg/L","sampled_at":"2026-08-20T09:30:00+08:00"}}`, "monitoring.permit"},
		{"a unit of another dimension", `{"kind":"monitoring","monitoring":{"permit":"` + permitA + `","parameter":"COD","value":1,"unit":"m³/s","sampled_at":"2026-08-20T09:30:00+08:00"}}`, "monitoring.unit"},
		{"an implausible pH", `{"kind":"monitoring","monitoring":{"permit":"` + permitA + `","parameter":"pH","value":99,"unit":"pH","sampled_at":"2026-08-20T09:30:00+08:00"}}`, "monitoring.value"},
		{"a sample from the future", `{"kind":"monitoring","monitoring":{"permit":"` + permitA + `","parameter":"COD","value":1,"unit":"mg/L","sampled_at":"2099-01-01T00:00:00+08:00"}}`, "monitoring.sampled_at"},
		{"another facility's inspection", `{"kind":"corrective_action","corrective_action":{"inspection_id":"I-20230515-N7789799","violation":0,"action":"x","started_on":"2025-01-01"}}`, "corrective_action.inspection_id"},
		{"a violation the record lacks", `{"kind":"corrective_action","corrective_action":{"inspection_id":"I-20251115-N1489153","violation":3,"action":"x","started_on":"2025-11-20"}}`, "corrective_action.violation"},
		{"completed before it started", `{"kind":"corrective_action","corrective_action":{"inspection_id":"I-20251115-N1489153","violation":0,"action":"x","started_on":"2025-11-20","completed_on":"2025-11-01"}}`, "corrective_action.completed_on"},
		{"an unknown kind", `{"kind":"praise"}`, "kind"},
		{"a status set by the facility", `{"kind":"monitoring","status":"accepted"}`, "status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, h, "POST", base, "application/json", []byte(tc.body), "fac-A")
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Content-Type") != api.ProblemContentType || !strings.Contains(rec.Body.String(), `"name":"`+tc.field+`"`) {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
		})
	}

	for _, tc := range []struct {
		name, method, target, key, body string
		code                            int
	}{
		{"A reads its own", "GET", base + "/" + mon.ID, "fac-A", "", 200},
		{"A never reads B's", "GET", base + "/" + bOwn.ID, "fac-A", "", 404},
		{"nor lists B's", "GET", base + "?facility_id=" + facB, "fac-A", "", 403},
		{"A never decides its own", "POST", base + "/" + mon.ID + "/decision", "fac-A", `{"status":"accepted"}`, 403},
		{"Taichung's officer never sees a Changhua report", "GET", base + "/" + mon.ID, "txg", "", 404},
		{"nor decides it", "POST", base + "/" + mon.ID + "/decision", "txg", `{"status":"accepted"}`, 404},
		{"a rejection needs a reason", "POST", base + "/" + mon.ID + "/decision", "cha", `{"status":"rejected"}`, 400},
		{"an unknown decision", "POST", base + "/" + mon.ID + "/decision", "cha", `{"status":"maybe"}`, 400},
		{"Changhua's officer rejects with a reason", "POST", base + "/" + mon.ID + "/decision", "cha", `{"status":"rejected","reason":"檢驗報告未附認可實驗室證號"}`, 200},
		{"the decision is final", "POST", base + "/" + mon.ID + "/decision", "admin", `{"status":"accepted"}`, 409},
		{"the centre accepts the corrective action", "POST", base + "/" + fix.ID + "/decision", "admin", `{"status":"accepted"}`, 200},
		{"an unknown id", "GET", base + "/SR-20260101-0000000000000000", "admin", "", 404},
		{"the public", "GET", base, "", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, out := do(tc.method, tc.target, tc.key, tc.body); code != tc.code {
				t.Errorf("%d, want %d: %s", code, tc.code, out)
			}
		})
	}
	// Every submission, decision and refusal is in the audit trail.
	audited := map[string]bool{}
	for _, e := range audit.Entries() {
		audited[e.Actor+" "+e.Resource+" "+strconv.FormatBool(e.Allowed)] = true
	}
	for _, want := range []string{
		"fac-A POST " + base + " true",
		"cha-inspector POST " + base + "/" + mon.ID + "/decision true",
		"fac-A POST " + base + "/" + mon.ID + "/decision false",
		"txg-inspector GET " + base + "/" + mon.ID + " true", // answered 404: the object-level check is the handler's
	} {
		if !audited[want] {
			t.Errorf("no audit entry %q", want)
		}
	}
	list := func(key, query string) []inspection.SelfReport {
		code, out := do("GET", base+query, key, "")
		if code != 200 {
			t.Fatalf("list as %s: %d %s", key, code, out)
		}
		return decode[struct {
			SelfReports []inspection.SelfReport `json:"self_reports"`
		}](t, []byte(out)).SelfReports
	}
	if l := list("fac-A", ""); len(l) != 2 || l[0].Facility != facA || l[1].Facility != facA {
		t.Errorf("A's list: %+v", l)
	}
	if l := list("txg", ""); len(l) != 0 {
		t.Errorf("Taichung's officer lists %d Changhua reports", len(l))
	}
	if l := list("cha", "?status=submitted"); len(l) != 1 || l[0].ID != bOwn.ID {
		t.Errorf("Changhua's open reports: %+v", l)
	}
	got := list("admin", "?facility_id="+facA)
	if len(got) != 2 || got[0].Status != "rejected" || got[0].History[1].By != "cha-inspector" || got[0].History[1].Reason == "" || got[1].Status != "accepted" {
		t.Errorf("A's decided reports: %+v", got)
	}

	code, out := do("GET", "/api/v1/portal?as_of=2026-09-01", "fac-A", "")
	if code != 200 {
		t.Fatalf("portal: %d %s", code, out)
	}
	p := decode[inspection.Portal](t, []byte(out))
	if len(p.SelfReports) != 2 || p.SelfReports[0].Status != "rejected" || strings.Contains(out, bOwn.ID) || strings.Contains(out, facB) {
		t.Errorf("A's portal self-reports: %+v", p.SelfReports)
	}
	if len(p.Nearby.Places) == 0 {
		t.Fatal("no monitoring near the plating shop")
	}
	for _, pl := range p.Nearby.Places {
		if pl.Kind == inspection.PlaceRiverStation && (pl.Basis != inspection.BasisDownstream || pl.DistanceM > p.Nearby.StationDownstreamKm*1000) {
			t.Errorf("%s is %v m away (%s); the plating shop's outfall is on the network", pl.ID, pl.DistanceM, pl.Basis)
		}
		for _, r := range pl.Readings {
			if !strings.HasSuffix(r.Time, "+08:00") || r.Unit == "" || r.Time > "2026-09-01" || r.Time < "2026-08-02" {
				t.Errorf("%s reading %+v: want Taipei time within the 30 days before as-of, with a unit", pl.ID, r)
			}
		}
	}
	code, page := do("GET", "/api/v1/portal?as_of=2026-09-01&format=html", "fac-A", "")
	if code != 200 || !strings.Contains(page, `lang="zh-Hant-TW"`) || !strings.Contains(page, "檢驗報告未附認可實驗室證號") || strings.Contains(page, facB) {
		t.Errorf("portal page: %d %.300s", code, page)
	}
	// The answers, good and bad, are those the OpenAPI document describes.
	_, router := loadOpenAPI(t)
	for _, tc := range []struct {
		method, target, key, body string
		valid                     bool
	}{
		{"GET", "/api/v1/portal?as_of=2026-09-01", "fac-A", "", true},
		{"GET", base, "admin", "", true},
		{"GET", base + "/" + fix.ID, "fac-A", "", true},
		{"POST", base, "fac-A", `{"kind":"monitoring","monitoring":{"permit":"` + permitA + `","parameter":"pH","value":6.8,"unit":"pH","sampled_at":"2026-08-21T09:30:00+08:00"}}`, true},
		{"POST", base, "fac-A", `{"kind":"monitoring","monitoring":{"permit":"` + permitA + `","parameter":"pH","value":99,"unit":"pH","sampled_at":"2026-08-21T09:30:00+08:00"}}`, true},
		{"POST", base + "/" + mon.ID + "/decision", "cha", `{"status":"accepted"}`, true},
		{"POST", base + "/" + bOwn.ID + "/decision", "cha", `{"status":"maybe"}`, false},
	} {
		t.Run("openapi "+tc.method+" "+tc.target, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			req.Header.Set("Authorization", "Bearer "+tc.key)
			var body []byte
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
				body = []byte(tc.body)
			}
			checkOpenAPI(t, router, h, req, body, tc.valid)
		})
	}
}

// TestSelfReportsFollowAppliedRecords: a permit applied to a running
// server (as a `serve --db` replica applies one another process imported,
// MemoryBackend.ApplyRecords) is one its facility reports against at once,
// judged by the new permit's limits: refused before it was applied, taken
// after, and 150 mg/L of COD is within the new permit's 200 mg/L while it
// still exceeds the old permit's limit.
func TestSelfReportsFollowAppliedRecords(t *testing.T) {
	b, _ := centralBackend(t)
	keys := access.StaticTokens{}
	keys.Add("fac-A", access.Principal{Subject: "fac-A", Role: access.Facility, Scope: access.Scope{Facility: facA}})
	cfg := quietConfig()
	cfg.Auth = keys
	h := newServer(t, cfg, b).Handler()
	const live = "彰縣環水許字第99001號"
	report := func(permit string) *httptest.ResponseRecorder {
		return call(t, h, "POST", "/api/v1/portal/self-reports", "application/json", []byte(`{"kind":"monitoring","monitoring":{"permit":"`+permit+
			`","parameter":"COD","value":150,"unit":"mg/L","sampled_at":"2026-08-20T09:30:00+08:00"}}`), "fac-A")
	}
	if rec := report(live); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"name":"monitoring.permit"`) {
		t.Fatalf("a report against a permit not yet applied: %d %s", rec.Code, rec.Body)
	}
	ds := b.Basin().DS
	old, ok := ds.Permit(permitA)
	if !ok {
		t.Fatalf("no permit %s", permitA)
	}
	pm := *old
	pm.PerNo = live
	var limits []model.PermitLimit
	for _, l := range ds.LimitsOf(permitA) {
		l2 := *l
		l2.Permit = live
		if l2.Parameter == "COD" {
			l2.Value = 200
		}
		limits = append(limits, l2)
	}
	if err := b.ApplyRecords(context.Background(), &model.Dataset{Permits: []model.Permit{pm}, Limits: limits}); err != nil {
		t.Fatal(err)
	}
	rec := report(live)
	if rec.Code != http.StatusCreated {
		t.Fatalf("a report against the applied permit: %d %s", rec.Code, rec.Body)
	}
	if m := decode[inspection.SelfReport](t, rec.Body.Bytes()).Monitoring; m.Exceeds || len(m.Limits) == 0 || m.Limits[0].Value != 200 {
		t.Errorf("150 mg/L judged against the applied permit: %+v, want within its 200 mg/L limit", m)
	}
	rec = report(permitA)
	if m := decode[inspection.SelfReport](t, rec.Body.Bytes()).Monitoring; rec.Code != http.StatusCreated || !m.Exceeds {
		t.Errorf("150 mg/L against %s: %d %+v, want its limit exceeded", permitA, rec.Code, m)
	}
}
