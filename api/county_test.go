package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/gis/crs"
)

// countyKeys holds a token per principal of the county tests: the
// centre's administrator and the Changhua (CHA) and Taichung (TXG)
// bureaux' officers.
func countyKeys() access.StaticTokens {
	keys := access.StaticTokens{}
	keys.Add("admin-key", access.Principal{Subject: "centre", Role: access.Admin})
	keys.Add("cha-key", access.Principal{Subject: "cha-inspector", Role: access.Officer, Scope: access.Scope{County: "CHA"}})
	keys.Add("txg-key", access.Principal{Subject: "txg-inspector", Role: access.Officer, Scope: access.Scope{County: "TXG"}})
	return keys
}

// countyServer is the central fixture's server behind those tokens, its
// petition desk locating counties in the fixture's jurisdictions as
// `envtrace serve` does.
func countyServer(t *testing.T) (http.Handler, *centralFixture) {
	t.Helper()
	b, fx := centralBackend(t)
	d := newDumpingArea(t, fx.land, time.Now)
	pa := newPetitionArea(t)
	r, err := dumping.NewRouter(fx.land, 0)
	if err != nil {
		t.Fatal(err)
	}
	pa.Desk.LocateCounties(r.CountyAt)
	cfg := quietConfig()
	cfg.Auth = countyKeys()
	cfg.Audit = &access.MemoryAudit{}
	srv := newServer(t, cfg, &withPetitions{withDumpingAndAudit: withDumpingAndAudit{withDumping{MemoryBackend: b, area: d.area}}, petitions: pa})
	return srv.Handler(), fx
}

// seedRecords records one Taichung and one Changhua inspection as the
// administrator.
func seedRecords(t *testing.T, h http.Handler) {
	t.Helper()
	for id, fac := range map[string]string{"I-20260801-T1": "B1104735", "I-20260801-C1": "N1489153"} {
		body := fmt.Sprintf(`{"id":%q,"facility_id":%q,"date":"2026-08-01T10:00:00+08:00","selection":"routine","propensity":1}`, id, fac)
		if rec := send(h, http.MethodPost, "/api/v1/inspections", body, "admin-key"); rec.Code != http.StatusCreated {
			t.Fatalf("record %s: %d %s", id, rec.Code, rec.Body)
		}
	}
}

// countiesOf returns the counties (by control-number prefix) of the
// facility ids of a ranking, a plan or a record list.
func countiesOf(t *testing.T, body []byte) map[string]int {
	t.Helper()
	out := map[string]int{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["facility_id"].(string); ok {
				out[access.CountyOf("", id)]++
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(decode[any](t, body))
	return out
}

// TestOfficerCountyInspections: an officer's inspection ranking, plan and
// records hold their own county's facilities only; the administrator's
// hold both counties', so the fixture does test the filter.
func TestOfficerCountyInspections(t *testing.T) {
	h, _ := countyServer(t)
	seedRecords(t, h)
	const (
		rank = "/api/v1/inspect/rank?as_of=2026-09-01T00:00:00%2B08:00"
		plan = "/api/v1/inspect/plan?date=2026-09-01&teams=3"
		recs = "/api/v1/inspections"
	)
	tests := []struct {
		name, target, key string
		want              []string // the counties of the answer's facilities
	}{
		{"admin rank", rank, "admin-key", []string{"CHA", "CYQ", "TXG"}},
		{"admin plan", plan, "admin-key", nil},
		{"admin records", recs, "admin-key", []string{"CHA", "TXG"}},
		{"Changhua rank", rank, "cha-key", []string{"CHA"}},
		{"Changhua plan", plan, "cha-key", []string{"CHA"}},
		{"Changhua records", recs, "cha-key", []string{"CHA"}},
		{"Taichung rank", rank, "txg-key", []string{"TXG"}},
		{"Taichung plan", plan, "txg-key", []string{"TXG"}},
		{"Taichung records", recs, "txg-key", []string{"TXG"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := send(h, http.MethodGet, tc.target, "", tc.key)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
			}
			got := countiesOf(t, rec.Body.Bytes())
			if tc.want == nil { // the administrator's plan: more than one county
				if len(got) < 2 {
					t.Errorf("the administrator's plan covers %v", got)
				}
				return
			}
			if len(got) != len(tc.want) {
				t.Errorf("counties %v, want %v", got, tc.want)
			}
			for _, c := range tc.want {
				if got[c] == 0 {
					t.Errorf("no facility of %s in %v", c, got)
				}
			}
		})
	}
}

// TestOfficerCountyInspectionRecord: another county's inspection record
// is answered as a missing one, and recording an inspection of another
// county's facility is refused.
func TestOfficerCountyInspectionRecord(t *testing.T) {
	h, _ := countyServer(t)
	seedRecords(t, h)
	const txgRecord = "/api/v1/inspections/I-20260801-T1"
	post := `{"id":"I-20260901-T2","facility_id":"B1104735","date":"2026-09-01T10:00:00+08:00","selection":"routine","propensity":1}`
	tests := []struct {
		name, method, target, body, key string
		status                          int
	}{
		{"Taichung reads its record", http.MethodGet, txgRecord, "", "txg-key", 200},
		{"admin reads it", http.MethodGet, txgRecord, "", "admin-key", 200},
		{"Changhua reads it", http.MethodGet, txgRecord, "", "cha-key", 404},
		{"Changhua reads a missing one", http.MethodGet, "/api/v1/inspections/I-NONE", "", "cha-key", 404},
		{"Changhua records a Taichung inspection", http.MethodPost, "/api/v1/inspections", post, "cha-key", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := send(h, tc.method, tc.target, tc.body, tc.key)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == 404 && strings.Contains(rec.Body.String(), "B1104735") {
				t.Errorf("the refusal names the facility: %s", rec.Body)
			}
		})
	}
}

// lonLatOf converts a TWD97 point inside a jurisdiction of the fixture
// to the lon/lat a petitioner's phone would report.
func lonLatOf(t *testing.T, x, y float64) (float64, float64) {
	t.Helper()
	p, err := crs.Transform(crs.TWD97TM2, crs.WGS84, orb.Point{x, y})
	if err != nil {
		t.Fatal(err)
	}
	return p[0], p[1]
}

// TestOfficerCountyPetitions: an officer sees the exact location of the
// petitions located in their county and the public view of the others'
// (and of petitions outside every jurisdiction), on the list and on a
// single petition; the administrator sees every exact location.
func TestOfficerCountyPetitions(t *testing.T) {
	h, _ := countyServer(t)
	// Points inside the fixture's 大里區 (Taichung) and 彰化市 (Changhua)
	// polygons, and one west of every jurisdiction.
	places := map[string][2]float64{"TXG": {222000, 2676000}, "CHA": {215000, 2645000}, "none": {170000, 2650000}}
	ids := map[string]string{}
	for i, county := range []string{"TXG", "CHA", "none"} {
		lon, lat := lonLatOf(t, places[county][0], places[county][1])
		body := fmt.Sprintf(`{"case_number":"C-%d","received":"2026-08-20T21:05:00+08:00","lon":%.7f,"lat":%.7f,"category":"agriculture/manure","intensity":3}`, i, lon, lat)
		rec := send(h, http.MethodPost, "/api/v1/odour/petitions", body, "admin-key")
		if rec.Code != http.StatusCreated {
			t.Fatalf("submit %s: %d %s", county, rec.Code, rec.Body)
		}
		ids[county] = decode[map[string]any](t, rec.Body.Bytes())["petition_id"].(string)
	}
	tests := []struct {
		name, key string
		exact     []string // the counties whose petitions the key sees exactly
	}{
		{"admin", "admin-key", []string{"TXG", "CHA", "none"}},
		{"Changhua officer", "cha-key", []string{"CHA"}},
		{"Taichung officer", "txg-key", []string{"TXG"}},
		{"public", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sees := map[string]bool{}
			for _, c := range tc.exact {
				sees[ids[c]] = true
			}
			list := decode[[]map[string]any](t, send(h, http.MethodGet, "/api/v1/odour/petitions", "", tc.key).Body.Bytes())
			if len(list) != len(ids) {
				t.Fatalf("%d petitions listed, want %d", len(list), len(ids))
			}
			for _, p := range list {
				id := p["petition_id"].(string)
				if _, exact := p["exact_lon"]; exact != sees[id] {
					t.Errorf("list: %s exact location shown %v, want %v", id, exact, sees[id])
				}
			}
			for county, id := range ids {
				rec := send(h, http.MethodGet, "/api/v1/odour/petitions/"+id, "", tc.key)
				if rec.Code != http.StatusOK {
					t.Fatalf("get %s: %d %s", id, rec.Code, rec.Body)
				}
				if exact := strings.Contains(rec.Body.String(), "exact_lon"); exact != sees[id] {
					t.Errorf("get %s (%s): exact location shown %v, want %v", id, county, exact, sees[id])
				}
			}
		})
	}
}

// TestOfficerSubmitsOtherCountysPetition: an officer who takes in a
// petition in another county gets its public view back.
func TestOfficerSubmitsOtherCountysPetition(t *testing.T) {
	h, _ := countyServer(t)
	lon, lat := lonLatOf(t, 222000, 2676000) // 大里區, Taichung
	body := fmt.Sprintf(`{"received":"2026-08-20T21:05:00+08:00","lon":%.7f,"lat":%.7f,"category":"agriculture/manure","intensity":3}`, lon, lat)
	for _, tc := range []struct {
		name, key string
		exact     bool
	}{{"Changhua officer", "cha-key", false}, {"Taichung officer", "txg-key", true}} {
		t.Run(tc.name, func(t *testing.T) {
			rec := send(h, http.MethodPost, "/api/v1/odour/petitions", body, tc.key)
			if rec.Code != http.StatusCreated {
				t.Fatalf("submit: %d %s", rec.Code, rec.Body)
			}
			if exact := strings.Contains(rec.Body.String(), "exact_lon"); exact != tc.exact {
				t.Errorf("exact location in the answer %v, want %v", exact, tc.exact)
			}
		})
	}
}
