package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/tracing/odour"
)

// petitionBackend adds a petition desk to the test network's backend.
type petitionBackend struct {
	*api.MemoryBackend
	area *api.PetitionArea
}

func (b *petitionBackend) PetitionArea() *api.PetitionArea { return b.area }

// withPetitions adds a petition desk to the central fixture's backend.
type withPetitions struct {
	withDumpingAndAudit
	petitions *api.PetitionArea
}

func (w *withPetitions) PetitionArea() *api.PetitionArea { return w.petitions }

// petitionServer serves a petition desk behind the access middleware
// with one static token per principal of the matrix (petitionKeys) and
// an audit log the tests read back.
func petitionServer(t *testing.T) (http.Handler, *access.MemoryAudit) {
	t.Helper()
	b := &petitionBackend{MemoryBackend: memoryBackend(t, testNetwork(t)), area: newPetitionArea(t)}
	cfg := quietConfig()
	cfg.Auth = petitionKeys()
	audit := &access.MemoryAudit{}
	cfg.Audit = audit
	return newServer(t, cfg, b).Handler(), audit
}

// petitionKeys holds a token per principal: the centre's administrator,
// Changhua's officer, a land agency and an NGO.
func petitionKeys() access.StaticTokens {
	keys := access.StaticTokens{}
	keys.Add("centre-key", access.Principal{Subject: "desk", Role: access.Admin})
	keys.Add("officer-key", access.Principal{Subject: "inspector", Role: access.Officer, Scope: access.Scope{County: "CHA"}})
	keys.Add("agency-key", access.Principal{Subject: "npa-central", Role: access.LandAgency, Scope: access.Scope{Agency: "npa-central"}})
	keys.Add("ngo-key", access.Principal{Subject: "watch", Role: access.NGO})
	return keys
}

// newPetitionArea is a desk with a test key.
func newPetitionArea(t testing.TB) *api.PetitionArea {
	t.Helper()
	ring, err := petition.TestKeyring()
	if err != nil {
		t.Fatal(err)
	}
	secret, err := privacy.ParseSecret([]byte(strings.Repeat("6f", 32)))
	if err != nil {
		t.Fatal(err)
	}
	desk, err := petition.NewDesk(petition.KeyringSealer{Keys: ring}, privacy.NewFuzzer(secret))
	if err != nil {
		t.Fatal(err)
	}
	return &api.PetitionArea{Desk: desk}
}

func send(h http.Handler, method, target, body, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const petitionBody = `{"case_number":"CH-2026-0815","received":"2026-08-20T21:05:00+08:00","time":"2026-08-20T20:40:00+08:00",
"lon":120.3456789,"lat":23.9876543,"category":"agriculture/manure","intensity":4,"hedonic":-3,"duration":"continuous-hour",
"channel":"1999","description":"豬糞味很重","contact":{"name":"王小明","phone":"0912345678","address":"彰化縣大城鄉"}}`

// TestPetitionAuthorisationMatrix is acceptance test O-T5 over REST: the
// public (and a land agency or an NGO) never receives the exact location,
// the text, the case number or the contact; a bureau officer sees the
// exact location but not the contact; the centre's administrator opens
// the contact, and every opening is audited. Bad input is a 400 problem
// naming the field.
func TestPetitionAuthorisationMatrix(t *testing.T) {
	h, audit := petitionServer(t)
	_, router := loadOpenAPI(t)
	rec := send(h, http.MethodPost, "/api/v1/odour/petitions", petitionBody, "")
	if rec.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	secrets := []string{"120.3456789", "23.9876543", "exact_", "CH-2026-0815", "豬糞", "王小明", "0912345678", "大城", "\"phone\""}
	leaks := func(who string, body []byte, allowed ...string) {
		for _, s := range secrets {
			ok := false
			for _, a := range allowed {
				ok = ok || a == s
			}
			if !ok && bytes.Contains(body, []byte(s)) {
				t.Errorf("%s receives %q: %s", who, s, body)
			}
		}
	}
	leaks("the submitting public", rec.Body.Bytes())
	id := decode[map[string]any](t, rec.Body.Bytes())["petition_id"].(string)
	tests := []struct {
		name, target, key string
		status            int
		allowed           []string
	}{
		{"public list", "/api/v1/odour/petitions", "", 200, nil},
		{"public one", "/api/v1/odour/petitions/" + id, "", 200, nil},
		{"public contact", "/api/v1/odour/petitions/" + id + "/contact", "", 401, nil},
		{"officer one", "/api/v1/odour/petitions/" + id, "officer-key", 200, []string{"120.3456789", "23.9876543", "exact_", "CH-2026-0815", "豬糞"}},
		{"officer list", "/api/v1/odour/petitions", "officer-key", 200, []string{"120.3456789", "23.9876543", "exact_", "CH-2026-0815", "豬糞"}},
		{"officer contact", "/api/v1/odour/petitions/" + id + "/contact", "officer-key", 403, nil},
		{"land agency one", "/api/v1/odour/petitions/" + id, "agency-key", 200, nil},
		{"land agency list", "/api/v1/odour/petitions", "agency-key", 200, nil},
		{"land agency contact", "/api/v1/odour/petitions/" + id + "/contact", "agency-key", 403, nil},
		{"ngo list", "/api/v1/odour/petitions", "ngo-key", 200, nil},
		{"ngo contact", "/api/v1/odour/petitions/" + id + "/contact", "ngo-key", 403, nil},
		{"centre one", "/api/v1/odour/petitions/" + id, "centre-key", 200, []string{"120.3456789", "23.9876543", "exact_", "CH-2026-0815", "豬糞"}},
		{"centre contact", "/api/v1/odour/petitions/" + id + "/contact", "centre-key", 200, []string{"王小明", "0912345678", "大城", "\"phone\""}},
		{"unknown key", "/api/v1/odour/petitions", "nope", 401, nil},
		{"unknown petition", "/api/v1/odour/petitions/OP-999999", "", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := send(h, http.MethodGet, tc.target, "", tc.key)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			leaks(tc.name, rec.Body.Bytes(), tc.allowed...)
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			if tc.key != "" {
				req.Header.Set("Authorization", "Bearer "+tc.key)
			}
			checkOpenAPI(t, router, h, req, nil, true)
		})
	}
	// Every request for the contact is in the audit log, refusals as
	// denied, the centre's opening as allowed.
	contact := "GET /api/v1/odour/petitions/" + id + "/contact"
	got := map[string]bool{}
	for _, e := range audit.Entries() {
		if e.Resource == contact {
			got[e.Role] = e.Allowed
		}
	}
	want := map[string]bool{"public": false, "officer": false, "land_agency": false, "ngo": false, "admin": true}
	if len(got) != len(want) {
		t.Errorf("contact audit entries by role: %v, want %v", got, want)
	}
	for role, allowed := range want {
		if a, ok := got[role]; !ok || a != allowed {
			t.Errorf("contact request as %s: audited %v (allowed %v), want allowed %v", role, ok, a, allowed)
		}
	}
	// The public shift is stable across reads.
	a := send(h, http.MethodGet, "/api/v1/odour/petitions/"+id, "", "").Body.String()
	b := send(h, http.MethodGet, "/api/v1/odour/petitions/"+id, "", "").Body.String()
	if a != b {
		t.Error("two public reads differ")
	}
	bad := []struct{ body, field string }{
		{strings.Replace(petitionBody, `"intensity":4`, `"intensity":9`, 1), "intensity"},
		{strings.Replace(petitionBody, `"agriculture/manure"`, `"durian"`, 1), "category"},
		{strings.Replace(petitionBody, `"CH-2026-0815"`, `"CH-2026-0816"`, 1)[:40], "body"},
		{petitionBody, "case_number"},
	}
	for _, tc := range bad {
		rec := send(h, http.MethodPost, "/api/v1/odour/petitions", tc.body, "")
		if rec.Code != 400 || !strings.Contains(rec.Header().Get("Content-Type"), "problem+json") || !strings.Contains(rec.Body.String(), tc.field) {
			t.Errorf("bad %s: %d %s %s", tc.field, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
}

// TestPetitionsOGCCollection: the OGC petitions layer of the central
// fixture holds every petition at its public location, within 0.1 mile of
// the exact one per axis and never on it, with no text or contact.
func TestPetitionsOGCCollection(t *testing.T) {
	s, fx := sharedServer(t)
	rec := get(t, s.Handler(), "/ogc/collections/petitions/items?limit=1000")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	fc := decode[struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}](t, rec.Body.Bytes())
	if len(fc.Features) != len(fx.air.Petitions) || len(fc.Features) == 0 {
		t.Fatalf("%d features for %d petitions", len(fc.Features), len(fx.air.Petitions))
	}
	exact := map[string][2]float64{}
	for _, p := range fx.air.Petitions {
		exact[p.ID] = [2]float64{p.Lon, p.Lat}
	}
	for _, f := range fc.Features {
		e, pub := exact[f.ID], f.Geometry.Coordinates
		dx := crs.GeodesicDistance(e[0], e[1], pub[0], e[1])
		dy := crs.GeodesicDistance(pub[0], e[1], pub[0], pub[1])
		if dx > petition.MaxPublicShiftM || dy > petition.MaxPublicShiftM || dx+dy < 1e-3 {
			t.Errorf("%s: public point %v is %.1f m, %.1f m from the exact %v", f.ID, pub, dx, dy, e)
		}
		for _, k := range []string{"description", "contact_name", "address", "exact_lon"} {
			if _, ok := f.Properties[k]; ok {
				t.Errorf("%s: the public layer carries %s", f.ID, k)
			}
		}
	}
	if bytes.Contains(rec.Body.Bytes(), []byte("測試陳情人")) {
		t.Error("a petitioner's name is in the public layer")
	}
}

// TestDeskPetitionsJoinTheAnalyses: a petition taken in over REST can be
// traced upwind at once, appears in the OGC petitions layer at its public
// location, and counts in the petition hotspot screen.
func TestDeskPetitionsJoinTheAnalyses(t *testing.T) {
	fx, err := centralData()
	if err != nil {
		t.Fatal(err)
	}
	area := newPetitionArea(t)
	mb, err := api.NewMemoryBackendWithBasin(fx.basin, api.WithAirData(fx.air), api.WithPetitions(area))
	if err != nil {
		t.Fatal(err)
	}
	h := newServer(t, quietConfig(), mb).Handler()
	at := fx.air.Wind[len(fx.air.Wind)/2].Time
	body := `{"received":"` + at.Format(time.RFC3339) + `","lon":120.6756,"lat":24.1601,"category":"agriculture/dead-animal","intensity":4}`
	rec := send(h, http.MethodPost, "/api/v1/odour/petitions", body, "")
	if rec.Code != http.StatusCreated {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	id := decode[map[string]any](t, rec.Body.Bytes())["petition_id"].(string)
	rec = send(h, http.MethodGet, "/api/v1/odour/trace?petition="+id, "", "")
	if rec.Code != 200 || decode[map[string]any](t, rec.Body.Bytes())["petition"] != id {
		t.Fatalf("trace of the new petition: %d %.300s", rec.Code, rec.Body)
	}
	rec = send(h, http.MethodGet, "/ogc/collections/petitions/items?limit=10000", "", "")
	fc := decode[struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}](t, rec.Body.Bytes())
	if len(fc.Features) != len(fx.air.Petitions)+1 {
		t.Fatalf("%d features for %d + 1 petitions", len(fc.Features), len(fx.air.Petitions))
	}
	for _, f := range fc.Features {
		if f.ID == id && (f.Geometry.Coordinates == [2]float64{120.6756, 24.1601}) {
			t.Error("the new petition is published at its exact location")
		}
	}
	rec = send(h, http.MethodGet, "/api/v1/hotspots?signal=petitions&method=gi&hex_edge=1000", "", "")
	if rec.Code != 200 || int(decode[map[string]any](t, rec.Body.Bytes())["events"].(float64)) != countTraceable(fx.air.Petitions)+1 {
		t.Errorf("hotspots: %d %.200s", rec.Code, rec.Body)
	}
}

func countTraceable(ps []odour.Petition) int {
	n := 0
	for _, p := range ps {
		if p.Traceable() {
			n++
		}
	}
	return n
}
