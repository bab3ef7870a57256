package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
)

// The contract's keys, in the contract's words.
var impactKeys = []string{"area_ha", "arrival_time", "concentration", "dilution", "exceeds", "intake_id", "office", "reach_id", "standard", "travel_hours", "unit"}

func TestFarmlandImpactMatchesREST(t *testing.T) {
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	ms := fixtureServer(t, dir)
	srv, ob := ms.srv, ms.outbox
	at := "2026-08-14T04:00:00+08:00"
	cases := []struct {
		name string
		args []string
		q    url.Values
	}{
		{"facility at its permit limit", []string{"--facility", "N1489153", "--parameter", "Cu", "--time", at},
			url.Values{"facility": {"N1489153"}, "parameter": {"Cu"}, "time": {at}}},
		{"facility with a value in µg/L", []string{"--facility", "B7695416", "--parameter", "Cu", "--value", "3500", "--unit", "µg/L", "--time", at},
			url.Values{"facility": {"B7695416"}, "parameter": {"Cu"}, "value": {"3500"}, "unit": {"µg/L"}, "time": {at}}},
		{"station reading", []string{"--station", "WQ-M03", "--parameter", "Cu", "--value", "1.815", "--unit", "mg/L", "--time", at},
			url.Values{"station": {"WQ-M03"}, "parameter": {"Cu"}, "value": {"1.815"}, "unit": {"mg/L"}, "time": {at}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"farmland", "impact", "--data", dir, "--json"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/farmland/impact?"+tc.q.Encode(), nil))
			if rec.Code != 200 {
				t.Fatalf("REST %d: %s", rec.Code, rec.Body)
			}
			var a, b map[string][]map[string]any
			if err := json.Unmarshal([]byte(stdout), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("the command and REST differ:\n%.600s\n%.600s", stdout, rec.Body)
			}
			if len(a) != 1 || len(a["intakes"]) == 0 {
				t.Fatalf("want {\"intakes\": [...]} with intakes, got %.300s", stdout)
			}
			for _, in := range a["intakes"] {
				var keys []string
				for k := range in {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if !slices.Equal(keys, impactKeys) {
					t.Fatalf("intake keys %v, want the contract's %v", keys, impactKeys)
				}
			}
		})
	}
	// An exceedance is recorded once and sent to the offices.
	q := url.Values{"station": {"WQ-M03"}, "parameter": {"Cu"}, "value": {"1.815"}, "unit": {"mg/L"}, "time": {at}}.Encode()
	for i, want := range []int{http.StatusCreated, http.StatusOK} {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/farmland/alerts?"+q, nil))
		if rec.Code != want {
			t.Fatalf("alert %d: status %d, want %d: %s", i, rec.Code, want, rec.Body)
		}
	}
	if n := len(ob.Messages()); n != 4 {
		t.Errorf("%d messages in the outbox, want one per office reached (4 work stations)", n)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/farmland/alerts", nil))
	if rec.Code != 200 || strings.Count(rec.Body.String(), `"alert_id"`) != 1 {
		t.Errorf("alerts list %d: %.300s", rec.Code, rec.Body)
	}
}

func TestFarmlandErrors(t *testing.T) {
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	srv := fixtureServer(t, dir).srv
	at := "2026-08-14T04:00:00+08:00"
	tests := []struct {
		name   string
		args   []string
		code   int
		status int
		want   string
	}{
		{"neither facility nor station", []string{"--parameter", "Cu"}, 2, 400, "facility"},
		{"station without a value", []string{"--station", "WQ-M03", "--parameter", "Cu", "--time", at}, 2, 400, "value"},
		{"time without a zone", []string{"--station", "WQ-M03", "--parameter", "Cu", "--value", "1", "--unit", "mg/L", "--time", "2026-08-14T04:00:00"}, 2, 400, "zone"},
		{"unknown facility", []string{"--facility", "X9999999", "--parameter", "Cu", "--time", at}, 1, 404, "X9999999"},
		{"unknown station", []string{"--station", "WQ-NOPE", "--parameter", "Cu", "--value", "1", "--unit", "mg/L", "--time", at}, 1, 404, "WQ-NOPE"},
		{"unknown parameter", []string{"--station", "WQ-M03", "--parameter", "Unobtainium", "--value", "1", "--unit", "mg/L", "--time", at}, 1, 400, "Unobtainium"},
		{"no limit in the permit", []string{"--facility", "N1489153", "--parameter", "Hg", "--time", at}, 1, 422, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, append([]string{"farmland", "impact", "--data", dir}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d (want %d): %s", code, tt.code, stderr)
			}
			v := url.Values{}
			for i := 0; i+1 < len(tt.args); i += 2 {
				v.Set(strings.TrimPrefix(tt.args[i], "--"), tt.args[i+1])
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/farmland/impact?"+v.Encode(), nil))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") {
				t.Errorf("REST %d (want %d) %s: %s", rec.Code, tt.status, rec.Header().Get("Content-Type"), rec.Body)
			}
		})
	}
}
