package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/access/accesstest"
	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/fixtures/odoursynth"
	"github.com/envtrace/envtrace/fixtures/sensorsynth"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// The fixture's objects the matrix reads. Facility A (the plating shop)
// and B are both in Changhua (control numbers N…); B7695416 is in
// Taichung.
const (
	facA     = "N1489153"
	facB     = "N7789799"
	permitA  = "彰縣環水許字第10043號"
	permitB  = "彰縣環水許字第10093號"
	stationS = "WQ-C1-01"
	audience = "envtrace-api"
)

// authzWorld is a server over the central fixture whose API tokens live
// in PostGIS and whose people log in at a local OIDC issuer.
type authzWorld struct {
	h      http.Handler
	tokens *store.Tokens
	iss    *accesstest.Issuer
	audit  *access.MemoryAudit
	// keys holds a token per principal name of the matrix.
	keys map[string]string
	// caseShared is shared with the investigator; caseOther is not.
	caseShared, caseOther string
	// reportNPA is routed to npa-central; reportWRA to wra-river3.
	reportNPA, reportWRA string
	// petition is an odour petition filed by the public.
	petition string
	// selfReport is facility A's self-report, awaiting the bureau.
	selfReport string
	// b is the backend, for tests that give it data the fixture lacks.
	b *api.MemoryBackend
}

// newAuthzWorld builds the world: it saves two cases and two dumping
// reports as the administrator, then issues a token for each principal.
func newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	pool := migratedPool(t)
	ctx := context.Background()
	w := &authzWorld{tokens: store.NewTokens(pool), iss: accesstest.NewIssuer(t), audit: &access.MemoryAudit{}, keys: map[string]string{}}
	oidc, err := access.NewOIDC(ctx, w.iss.URL, audience)
	if err != nil {
		t.Fatal(err)
	}
	fx, err := centralData()
	if err != nil {
		t.Fatal(err)
	}
	// Sensors under the rendering plant's plume, so that the OGC API
	// serves the sensor and risk layers too (ogcCollectionMatrix).
	air := *fx.air
	air.Sensors = plantedSensors(t, fx.air)
	b, _ := centralBackendWith(t, fx, &air)
	w.b = b
	d := newDumpingArea(t, fx.land, time.Now)
	cfg := quietConfig()
	cfg.Auth = access.Chain{Machines: access.Tokens{Store: w.tokens}, People: oidc}
	cfg.Audit = w.audit
	w.h = newServer(t, cfg, &withDumpingAndPetitions{withDumping{MemoryBackend: b, area: d.area}, newPetitionArea(t)}).Handler()

	w.issue(t, "admin", access.Principal{Role: access.Admin})
	sc := scenario(t, fx, "night-plating-canal")
	for _, id := range []*string{&w.caseShared, &w.caseOther} {
		rec := call(t, w.h, "POST", "/api/v1/cases", "application/json", []byte(caseBody(sc, "matrix case")), w.keys["admin"])
		if rec.Code != http.StatusCreated {
			t.Fatalf("create case: %d %s", rec.Code, rec.Body)
		}
		*id = decode[struct{ ID string }](t, rec.Body.Bytes()).ID
	}
	for manager, id := range map[string]*string{"npa-central": &w.reportNPA, "wra-river3": &w.reportWRA} {
		ll, _ := lonLatOn(t, d.rt, manager)
		body, _ := json.Marshal(map[string]any{"service_code": "dumping-household", "description": "廢棄家具", "x": ll[0], "y": ll[1]})
		rec := call(t, w.h, "POST", "/api/v1/dumping/reports", "application/json", body, "")
		if rec.Code != http.StatusCreated {
			t.Fatalf("submit report: %d %s", rec.Code, rec.Body)
		}
		*id = decode[dumping.PublicReport](t, rec.Body.Bytes()).ID
	}
	rec := call(t, w.h, "POST", "/api/v1/odour/petitions", "application/json", []byte(petitionBody), "")
	if rec.Code != http.StatusCreated {
		t.Fatalf("submit petition: %d %s", rec.Code, rec.Body)
	}
	w.petition = decode[struct {
		ID string `json:"petition_id"`
	}](t, rec.Body.Bytes()).ID
	w.issue(t, "officer", access.Principal{Role: access.Officer, Scope: access.Scope{County: "CHA"}})
	w.issue(t, "officer-TXG", access.Principal{Role: access.Officer, Scope: access.Scope{County: "TXG"}})
	w.issue(t, "investigator", access.Principal{Role: access.Investigator, Scope: access.Scope{Cases: []string{w.caseShared}}})
	w.issue(t, "land_agency", access.Principal{Role: access.LandAgency, Scope: access.Scope{Agency: "npa-central"}})
	w.issue(t, "facility", access.Principal{Role: access.Facility, Scope: access.Scope{Facility: facA}})
	w.issue(t, "ngo", access.Principal{Role: access.NGO})
	w.issue(t, "sensor", access.Principal{Role: access.Sensor, Scope: access.Scope{Stations: []string{stationS}}})
	w.keys["public"] = ""
	rec = call(t, w.h, "POST", "/api/v1/portal/self-reports", "application/json", []byte(selfReportBody), w.keys["facility"])
	if rec.Code != http.StatusCreated {
		t.Fatalf("submit self-report: %d %s", rec.Code, rec.Body)
	}
	w.selfReport = decode[struct{ ID string }](t, rec.Body.Bytes()).ID
	return w
}

// selfReportBody is facility A's own COD result under its own permit.
const selfReportBody = `{"kind":"monitoring","monitoring":{"permit":"` + permitA + `","parameter":"COD","value":85,"unit":"mg/L",
	"sampled_at":"2026-08-20T09:30:00+08:00","lab":"自設檢驗室"}}`

// withDumpingAndPetitions adds the petition desk to withDumping.
type withDumpingAndPetitions struct {
	withDumping
	petitions *api.PetitionArea
}

func (w *withDumpingAndPetitions) PetitionArea() *api.PetitionArea { return w.petitions }

// issue stores an API token for p under name.
func (w *authzWorld) issue(t *testing.T, name string, p access.Principal) {
	t.Helper()
	_, tok, err := w.tokens.Create(context.Background(), p, time.Hour, "matrix "+name)
	if err != nil {
		t.Fatal(err)
	}
	w.keys[name] = tok
}

// roles of the matrix, one principal each (the officer is Changhua's).
var matrixRoles = []string{"admin", "officer", "investigator", "land_agency", "facility", "ngo", "public", "sensor"}

// allBut lists every role except the named ones.
func allBut(except ...string) string {
	var out []string
	for _, r := range matrixRoles {
		if !slices.Contains(except, r) {
			out = append(out, r)
		}
	}
	return strings.Join(out, " ")
}

// matrixRow is the expectation for one route: the roles allowed, and
// whether a refused role may also be told 404 (the dumping desk does not
// reveal another agency's report exists).
type matrixRow struct {
	allowed string
	hides   bool
}

// expectedMatrix is written from the issue's role table, not read from
// the policy: a route missing here fails the test.
func expectedMatrix() map[string]matrixRow {
	all := allBut()
	staff := "admin officer facility" // a facility's records: admin, its county's officer, itself
	analysis := "admin officer"
	return map[string]matrixRow{
		"GET /healthz": {all, false}, "GET /readyz": {all, false}, "GET /openapi.json": {all, false}, "GET /": {all, false}, "GET /webmap/{path}": {all, false},
		"GET /metrics":                         {"admin", false},
		"GET /api/v1/network":                  {all, false},
		"GET /api/v1/network.geojson":          {all, false},
		"GET /api/v1/reaches/{id}":             {all, false},
		"GET /api/v1/navigate":                 {all, false},
		"GET /api/v1/snap":                     {all, false},
		"GET /api/v1/basin":                    {analysis, false}, // it names the dischargers upstream
		"GET /api/v1/stations":                 {all, false},
		"GET /api/v1/stations/{id}":            {all, false},
		"GET /api/v1/stations/{id}/readings":   {all, false},
		"GET /api/v1/stations/{id}/rpi":        {all, false},
		"GET /api/v1/scenarios":                {all, false},
		"GET /api/v1/facilities":               {all, false},
		"GET /api/v1/facilities/{id}":          {staff, false},
		"GET /api/v1/facilities/{id}/checks":   {staff, false},
		"GET /api/v1/facilities/{id}/effluent": {staff, false},
		"GET /api/v1/permits/{id}":             {staff, false},
		"GET /api/v1/checks/permits":           {staff, false},
		"GET /api/v1/checks/air-permits":       {staff, false},
		"GET /api/v1/trace":                    {analysis, false},
		"POST /api/v1/trace":                   {analysis, false},
		"GET /api/v1/balance":                  {analysis, false},
		"GET /api/v1/odour/rank":               {analysis, false},
		"GET /api/v1/odour/trace":              {analysis, false},
		"GET /api/v1/air/cpf":                  {analysis, false},
		"GET /api/v1/air/anomalies":            {analysis, false},
		"GET /api/v1/air/attribution":          {analysis, false},
		"GET /api/v1/air/risk":                 {analysis, false},
		"GET /api/v1/air/calibration":          {analysis, false},
		"GET /api/v1/farmland/impact":          {analysis, false},
		"GET /api/v1/farmland/accumulation":    {analysis, false},
		"GET /api/v1/farmland/alerts":          {analysis, false},
		"POST /api/v1/farmland/alerts":         {analysis, false},
		"GET /api/v1/hotspots":                 {analysis, false},
		"POST /api/v1/readings":                {"admin sensor", false},
		"POST /api/v1/air/readings":            {"admin sensor", false},
		// A facility transmits its own stacks' CEMS records, the bureau
		// loads them (TestPostCEMS checks the object level).
		"POST /api/v1/air/cems": {staff, false},
		// Mounted only where a PostGIS audit log backs it (serve --db with
		// authentication); this test server has none, so 404 for everyone.
		"GET /api/v1/audit": {"admin", true},
		// Whom to inspect is the bureaus' own planning: never shown to a
		// facility (it would tip off an unannounced inspection) nor to the
		// public. The portal is a facility's view of itself.
		"GET /api/v1/inspect/rank":     {analysis, false},
		"GET /api/v1/inspect/plan":     {analysis, false},
		"GET /api/v1/inspections":      {analysis, false},
		"GET /api/v1/inspections/{id}": {analysis, false},
		"POST /api/v1/inspections":     {analysis, false},
		"GET /api/v1/portal":           {"facility", false},
		// A facility reports on itself; its county's bureau (or the
		// centre) decides, never the facility (TestSelfReports).
		"POST /api/v1/portal/self-reports":               {"facility", false},
		"GET /api/v1/portal/self-reports":                {staff, false},
		"GET /api/v1/portal/self-reports/{id}":           {staff, false},
		"POST /api/v1/portal/self-reports/{id}/decision": {"admin officer", false},
		"POST /api/v1/cases":                             {"admin officer", false},
		"GET /api/v1/cases":                              {"admin officer investigator ngo", false},
		"GET /api/v1/cases/{id}":                         {"admin investigator", false},
		"GET /api/v1/cases/{id}/report":                  {"admin investigator", false},
		"GET /api/v1/cases/{id}/export":                  {"admin investigator", false},
		// Changing a case is for bureaus (the object-level check is
		// TestJointCases); a group reports into cases shared with it.
		"POST /api/v1/cases/{id}/items":     {"admin officer", false},
		"POST /api/v1/cases/{id}/shares":    {"admin officer", false},
		"POST /api/v1/cases/{id}/reports":   {"admin ngo", false},
		"POST /api/v1/cases/{id}/referrals": {"admin officer", false},

		"GET /api/v1/dumping/route":                     {all, false},
		"GET /api/v1/dumping/services":                  {all, false},
		"GET /api/v1/dumping/agencies":                  {all, false},
		"POST /api/v1/dumping/reports":                  {allBut("sensor"), false},
		"GET /api/v1/dumping/reports":                   {"admin land_agency", false},
		"GET /api/v1/dumping/reports/{id}":              {"admin land_agency", true},
		"POST /api/v1/dumping/reports/{id}/transitions": {"admin land_agency", true},
		"POST /api/v1/dumping/reports/{id}/replies":     {"admin land_agency", true},
		"POST /api/v1/dumping/reports/{id}/photos":      {allBut("sensor"), false},
		"GET /api/v1/dumping/reports/{id}/audit":        {"admin", false},
		"GET /api/v1/dumping/reports/{id}/contact":      {"admin", false},
		"GET /api/v1/dumping/photos/{id}":               {all, false},
		"GET /api/v1/dumping/public/reports":            {all, false},
		"GET /api/v1/dumping/public/reports/{id}":       {all, false},
		"GET /api/v1/dumping/dashboard":                 {"admin", false},
		"GET /api/v1/dumping/sites":                     {"admin land_agency", false},
		"POST /api/v1/dumping/sites/{id}/measures":      {"admin land_agency", true},
		"GET /api/v1/dumping/patrols":                   {"admin land_agency", false},
		"POST /api/v1/dumping/patrols":                  {"admin land_agency", false},
		// Anyone but a feed may petition; everybody reads petitions (the
		// public at fuzzed locations); a petitioner's contact is the
		// centre's alone.
		"POST /api/v1/odour/petitions":             {allBut("sensor"), false},
		"GET /api/v1/odour/petitions":              {all, false},
		"GET /api/v1/odour/petitions/{id}":         {all, false},
		"GET /api/v1/odour/petitions/{id}/contact": {"admin", false},
		"GET /open311/v2/services.json":            {all, false},
		"GET /open311/v2/services.xml":             {all, false},
		"GET /open311/v2/services/{file}":          {all, false},
		"GET /open311/v2/requests.json":            {all, false},
		"GET /open311/v2/requests.xml":             {all, false},
		"GET /open311/v2/requests/{file}":          {all, false},
		"POST /open311/v2/requests.json":           {allBut("sensor"), false},
		"POST /open311/v2/requests.xml":            {allBut("sensor"), false},

		"GET /ogc": {all, false}, "GET /ogc/": {all, false}, "GET /ogc/api": {all, false},
		"GET /ogc/conformance": {all, false}, "GET /ogc/collections": {all, false},
		"GET /ogc/collections/{collectionId}":                   {all, false},
		"GET /ogc/collections/{collectionId}/items":             {all, false},
		"GET /ogc/collections/{collectionId}/items/{featureId}": {all, false},
	}
}

// target fills a path template with the matrix's objects.
func (w *authzWorld) target(path string) string {
	report := w.reportNPA
	r := strings.NewReplacer(
		"/reaches/{id}", "/reaches/C1-04",
		"/stations/{id}", "/stations/"+stationS,
		"/facilities/{id}", "/facilities/"+facA,
		"/permits/{id}", "/permits/"+url.PathEscape(permitA),
		"/cases/{id}", "/cases/"+w.caseShared,
		"/self-reports/{id}", "/self-reports/"+w.selfReport,
		"/reports/{id}", "/reports/"+report,
		"/petitions/{id}", "/petitions/"+w.petition,
		"/photos/{id}", "/photos/none",
		"/sites/{id}", "/sites/none",
		"/services/{file}", "/services/dumping-household.json",
		"/requests/{file}", "/requests/"+report+".json",
		"/webmap/{path}", "/webmap/app.js",
		"{collectionId}", "stations",
		"{featureId}", stationS,
	)
	out := r.Replace(path)
	if strings.HasSuffix(out, "/export") {
		out += "?f=csv"
	}
	return out
}

// TestAuthorisationMatrix sends every route of /openapi.json as every
// role and checks allow or deny against expectedMatrix: allowed roles
// are never told 401 or 403; refused ones get 401 (the public) or 403.
// A route without an expectation fails, as api.New fails for a route
// without a policy.
func TestAuthorisationMatrix(t *testing.T) {
	w := newAuthzWorld(t)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	rec := call(t, w.h, "GET", "/openapi.json", "", nil, "")
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	want := expectedMatrix()
	var routes []string
	for p, ops := range doc.Paths {
		for m := range ops {
			switch m {
			case "get", "post", "put", "patch", "delete":
				routes = append(routes, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(routes)
	if len(routes) < 60 {
		t.Fatalf("only %d routes in /openapi.json", len(routes))
	}
	for _, route := range routes {
		row, ok := want[route]
		if !ok {
			t.Errorf("%s: no expectation in the authorisation matrix (add one, and a policy in api/policy.go)", route)
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		target := w.target(path)
		for _, role := range matrixRoles {
			t.Run(route+"/"+role, func(t *testing.T) {
				rec := call(t, w.h, method, target, "application/json", []byte("{}"), w.keys[role])
				allowed := slices.Contains(strings.Fields(row.allowed), role)
				code := rec.Code
				switch {
				case allowed && (code == 401 || code == 403 || code >= 500):
					t.Fatalf("%s %s as %s: %d, want allowed: %s", method, target, role, code, rec.Body)
				case !allowed && role == "public" && code != 401 && !(row.hides && code == 404):
					t.Fatalf("%s %s as the public: %d, want 401: %s", method, target, code, rec.Body)
				case !allowed && role != "public" && code != 403 && !(row.hides && code == 404):
					t.Fatalf("%s %s as %s: %d, want 403: %s", method, target, role, code, rec.Body)
				}
				if code == 401 || code == 403 {
					if ct := rec.Header().Get("Content-Type"); ct != api.ProblemContentType {
						t.Errorf("refusal is %q, not problem JSON", ct)
					}
				}
			})
		}
	}
}

// TestObjectLevelAccess: an id in a URL never reveals another tenant's
// object.
func TestObjectLevelAccess(t *testing.T) {
	w := newAuthzWorld(t)
	w.issue(t, "facility-B", access.Principal{Role: access.Facility, Scope: access.Scope{Facility: facB}})
	w.issue(t, "sensor-other", access.Principal{Role: access.Sensor, Scope: access.Scope{Stations: []string{"WQ-M01"}}})
	reading := `[{"station":"` + stationS + `","time":"2026-08-20T10:17:00+08:00","parameter":"Cu","value":0.01,"unit":"mg/L"}]`
	tests := []struct {
		name, who, method, target, body string
		code                            int
	}{
		{"facility A reads itself", "facility", "GET", "/api/v1/facilities/" + facA, "", 200},
		{"facility A never reads B", "facility", "GET", "/api/v1/facilities/" + facB, "", 403},
		{"nor B's findings", "facility", "GET", "/api/v1/facilities/" + facB + "/checks", "", 403},
		{"nor B's effluent", "facility", "GET", "/api/v1/facilities/" + facB + "/effluent", "", 403},
		{"nor B's permit", "facility", "GET", "/api/v1/permits/" + url.PathEscape(permitB), "", 403},
		{"nor a facility that does not exist", "facility", "GET", "/api/v1/facilities/N0000000", "", 403},
		{"facility B reads itself", "facility-B", "GET", "/api/v1/facilities/" + facB, "", 200},
		{"Changhua officer reads a Changhua facility", "officer", "GET", "/api/v1/facilities/" + facA, "", 200},
		{"Taichung officer never reads a Changhua facility", "officer-TXG", "GET", "/api/v1/facilities/" + facA, "", 403},
		{"nor its permit", "officer-TXG", "GET", "/api/v1/permits/" + url.PathEscape(permitA), "", 403},
		{"investigator reads the shared case", "investigator", "GET", "/api/v1/cases/" + w.caseShared, "", 200},
		{"investigator never reads an unshared case", "investigator", "GET", "/api/v1/cases/" + w.caseOther, "", 403},
		{"nor exports it", "investigator", "GET", "/api/v1/cases/" + w.caseOther + "/export?f=csv", "", 403},
		{"officer never reads a case not shared with the county", "officer", "GET", "/api/v1/cases/" + w.caseOther, "", 403},
		{"land agency reads its routed report", "land_agency", "GET", "/api/v1/dumping/reports/" + w.reportNPA, "", 200},
		{"land agency never sees another agency's report", "land_agency", "GET", "/api/v1/dumping/reports/" + w.reportWRA, "", 404},
		{"sensor writes its own station", "sensor", "POST", "/api/v1/readings", reading, 200},
		{"sensor never writes another station", "sensor-other", "POST", "/api/v1/readings", reading, 403},
		{"the public may not read the OGC facilities layer", "public", "GET", "/ogc/collections/facilities/items", "", 401},
		{"an officer may not either (it is every county's)", "officer", "GET", "/ogc/collections/facilities/items", "", 403},
		{"the administrator may", "admin", "GET", "/ogc/collections/facilities/items", "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, w.h, tc.method, tc.target, "application/json", []byte(tc.body), w.keys[tc.who])
			if rec.Code != tc.code {
				t.Fatalf("%s %s as %s: %d, want %d: %s", tc.method, tc.target, tc.who, rec.Code, tc.code, rec.Body)
			}
		})
	}
	t.Run("a facility's register lists only itself", func(t *testing.T) {
		rec := call(t, w.h, "GET", "/api/v1/facilities", "", nil, w.keys["facility"])
		list := decode[struct {
			Facilities []struct{ ID string } `json:"facilities"`
		}](t, rec.Body.Bytes())
		if len(list.Facilities) != 1 || list.Facilities[0].ID != facA {
			t.Fatalf("facility A's list: %+v", list)
		}
	})
	t.Run("a list with nothing visible is an empty array", func(t *testing.T) {
		rec := call(t, w.h, "GET", "/api/v1/cases", "", nil, w.keys["ngo"])
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"cases":[]`) {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
	t.Run("the investigator's case list holds only the shared case", func(t *testing.T) {
		rec := call(t, w.h, "GET", "/api/v1/cases", "", nil, w.keys["investigator"])
		list := decode[struct {
			Cases []struct{ ID string } `json:"cases"`
		}](t, rec.Body.Bytes())
		if len(list.Cases) != 1 || list.Cases[0].ID != w.caseShared {
			t.Fatalf("investigator's cases: %+v", list)
		}
	})
	t.Run("permit findings are filtered to the facility", func(t *testing.T) {
		rec := call(t, w.h, "GET", "/api/v1/checks/permits", "", nil, w.keys["facility"])
		rep := decode[struct {
			Findings []struct{ Facility string } `json:"findings"`
		}](t, rec.Body.Bytes())
		all := decode[struct {
			Findings []struct{ Facility string } `json:"findings"`
		}](t, call(t, w.h, "GET", "/api/v1/checks/permits", "", nil, w.keys["admin"]).Body.Bytes())
		for _, f := range rep.Findings {
			if f.Facility != facA {
				t.Fatalf("facility A sees a finding of %s", f.Facility)
			}
		}
		if len(all.Findings) <= len(rep.Findings) {
			t.Fatalf("the administrator sees %d findings, facility A %d: the filter is not tested", len(all.Findings), len(rep.Findings))
		}
	})
}

// TestAuthzWorldReaders runs the checks that only read the world (and
// add tokens of their own) on one world: building one, a PostGIS
// database, an OIDC issuer and a server over the fixture with its
// sensors, takes seconds under -race. Each subtest keeps its claims.
func TestAuthzWorldReaders(t *testing.T) {
	w := newAuthzWorld(t)
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *authzWorld)
	}{
		{"OfficerTraceAcrossCounties", officerTraceAcrossCounties},
		{"TokensDenied", tokensDenied},
		{"OfficerOdourAcrossCounties", officerOdourAcrossCounties},
		{"OGCCollectionMatrix", ogcCollectionMatrix},
		{"GDALAnalysisLayers", gdalAnalysisLayers},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, w) })
	}
}

// officerTraceAcrossCounties: a trace crosses counties; a Taichung
// officer's answer keeps the Changhua suspects with their public fields
// only and says where to refer the case, while Changhua's officer sees
// the permits.
func officerTraceAcrossCounties(t *testing.T, w *authzWorld) {
	fx := centralFixtureOf(t)
	sc := scenario(t, fx, "night-plating-canal")
	q := url.Values{"station": {sc.Station}, "parameter": {sc.Parameter}, "value": {strconvF(sc.Value)}, "unit": {sc.Unit},
		"time": {sc.Time.Format(time.RFC3339)}}
	type result struct {
		Suspects []struct {
			FacilityID string         `json:"facility_id"`
			Evidence   map[string]any `json:"evidence"`
		} `json:"suspects"`
		Warnings []string `json:"warnings"`
	}
	get := func(who string) result {
		rec := call(t, w.h, "GET", "/api/v1/trace?"+q.Encode(), "", nil, w.keys[who])
		if rec.Code != 200 {
			t.Fatalf("trace as %s: %d %s", who, rec.Code, rec.Body)
		}
		return decode[result](t, rec.Body.Bytes())
	}
	own, other := get("officer"), get("officer-TXG")
	if len(own.Suspects) == 0 || own.Suspects[0].FacilityID != facA || own.Suspects[0].Evidence["permit"] != permitA {
		t.Fatalf("Changhua officer's trace: %+v", own.Suspects)
	}
	if len(other.Suspects) != len(own.Suspects) || other.Suspects[0].FacilityID != facA {
		t.Fatalf("the Taichung officer's trace lost suspects: %+v", other.Suspects)
	}
	for _, s := range other.Suspects {
		for _, k := range []string{"permit", "permit_limit", "permitted_load_kg_day", "max_volume_m3_day", "past_exceedances_of_parameter"} {
			if v, ok := s.Evidence[k]; ok && v != nil && v != 0.0 && v != "" {
				t.Errorf("%s's %s (%v) reached another county's officer", s.FacilityID, k, v)
			}
		}
	}
	if !slices.ContainsFunc(other.Warnings, func(s string) bool { return strings.Contains(s, "(CHA)") }) {
		t.Errorf("no referral warning: %q", other.Warnings)
	}
}

// tokensDenied: an expired, revoked or wrong-audience credential is
// a 401 problem; so is a malformed Authorization header.
func tokensDenied(t *testing.T, w *authzWorld) {
	ctx := context.Background()
	admin := access.Principal{Role: access.Admin}
	rec, revoked, err := w.tokens.Create(ctx, admin, time.Hour, "to revoke")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.tokens.Revoke(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	_, expired, err := w.tokens.Create(ctx, admin, 50*time.Millisecond, "short")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	officer := map[string]any{"envtrace_role": "officer", "county": "CHA"}
	target := "/api/v1/checks/permits"
	for _, tc := range []struct{ name, header string }{
		{"revoked token", "Bearer " + revoked},
		{"expired token", "Bearer " + expired},
		{"unknown token", "Bearer " + access.TokenPrefix + "000000000000_nothing"},
		{"wrong audience", "Bearer " + w.iss.Token(t, "o1", "another-api", time.Hour, officer)},
		{"expired OIDC token", "Bearer " + w.iss.Token(t, "o1", audience, -time.Minute, officer)},
		{"another issuer", "Bearer " + accesstest.NewIssuer(t).Token(t, "o1", audience, time.Hour, officer)},
		{"not a bearer", "Basic YWRtaW46YWRtaW4="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Authorization", tc.header)
			res := serve(w.h, req)
			if res.Code != 401 || res.Header().Get("Content-Type") != api.ProblemContentType || res.Header().Get("WWW-Authenticate") == "" {
				t.Fatalf("%d %q %s", res.Code, res.Header().Get("Content-Type"), res.Body)
			}
		})
	}
	t.Run("a valid OIDC officer is let in", func(t *testing.T) {
		res := call(t, w.h, "GET", target, "", nil, w.iss.Token(t, "o1", audience, time.Hour, officer))
		if res.Code != 200 || res.Header().Get(api.HeaderIdentity) != "officer" {
			t.Fatalf("%d %s", res.Code, res.Body)
		}
	})
}

// TestAuditEntries: every denied request, every write and every trace is
// audited with its digests; a public read of a station is not.
func TestAuditEntries(t *testing.T) {
	w := newAuthzWorld(t)
	before := len(w.audit.Entries())
	call(t, w.h, "GET", "/api/v1/stations/"+stationS, "", nil, "")
	call(t, w.h, "GET", "/api/v1/cases/"+w.caseOther, "", nil, w.keys["investigator"])
	call(t, w.h, "GET", "/api/v1/cases/"+w.caseShared, "", nil, w.keys["investigator"])
	call(t, w.h, "GET", "/api/v1/checks/permits", "", nil, "")
	got := w.audit.Entries()[before:]
	type brief struct {
		role, resource string
		allowed        bool
	}
	var b []brief
	for _, e := range got {
		b = append(b, brief{e.Role, e.Resource, e.Allowed})
		if len(e.RequestDigest) != 32 || e.RequestID == "" || e.ClientAddr == "" || e.Actor == "" || e.Time.IsZero() {
			t.Errorf("incomplete entry %+v", e)
		}
	}
	want := []brief{
		{"investigator", "GET /api/v1/cases/" + w.caseOther, false},
		{"investigator", "GET /api/v1/cases/" + w.caseShared, true},
		{"public", "GET /api/v1/checks/permits", false},
	}
	if !slices.Equal(b, want) {
		t.Fatalf("audit entries\n got %+v\nwant %+v", b, want)
	}
	if len(got[1].ResultDigest) != 32 {
		t.Errorf("an allowed case view has no result digest: %+v", got[1])
	}
}

// serve runs one prepared request in-process.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func strconvF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// officerOdourAcrossCounties: an odour ranking crosses counties, as
// the water trace does, under the same rule: a Changhua officer's answer
// keeps every candidate, its votes and score, but another county's
// candidate loses its permit record (water and air permits, findings)
// and a warning names that county; Taichung's officer and the
// administrator see the Taichung piggery's permits.
func officerOdourAcrossCounties(t *testing.T, w *authzWorld) {
	sc := odourScenario(t, "piggery-manure-summer-night")
	type result struct {
		Candidates []struct {
			FacilityID string  `json:"facility_id"`
			Score      float64 `json:"score"`
			Evidence   struct {
				Votes      []struct{ Vote float64 } `json:"votes"`
				Compliance struct {
					Permits    []map[string]any `json:"permits"`
					AirPermits []map[string]any `json:"air_permits"`
					Multiplier float64          `json:"multiplier"`
					Redacted   bool             `json:"redacted"`
				} `json:"compliance"`
			} `json:"evidence"`
		} `json:"candidates"`
		Warnings []string `json:"warnings"`
	}
	get := func(who string) result {
		rec := call(t, w.h, "GET", "/api/v1/odour/rank?"+window(sc), "", nil, w.keys[who])
		if rec.Code != 200 {
			t.Fatalf("rank as %s: %d %s", who, rec.Code, rec.Body)
		}
		return decode[result](t, rec.Body.Bytes())
	}
	admin, cha, txg := get("admin"), get("officer"), get("officer-TXG")
	if len(admin.Candidates) < 2 || admin.Candidates[0].FacilityID != sc.Source || len(admin.Candidates[0].Evidence.Compliance.Permits) == 0 {
		t.Fatalf("the administrator's ranking: %+v", admin.Candidates)
	}
	if len(admin.Warnings) != 0 {
		t.Errorf("the administrator is warned: %q", admin.Warnings)
	}
	for i, c := range cha.Candidates {
		a := admin.Candidates[i]
		if c.FacilityID != a.FacilityID || c.Score != a.Score || len(c.Evidence.Votes) != len(a.Evidence.Votes) ||
			c.Evidence.Compliance.Multiplier != a.Evidence.Compliance.Multiplier {
			t.Errorf("the Changhua officer's candidate %d %+v differs from the administrator's %+v beyond the permit record", i, c, a)
		}
		other := !strings.HasPrefix(c.FacilityID, "N") // N…: Changhua's control numbers
		cm := c.Evidence.Compliance
		if other && (!cm.Redacted || len(cm.Permits)+len(cm.AirPermits) != 0) {
			t.Errorf("%s (another county) shows its permit record to a Changhua officer: %+v", c.FacilityID, cm)
		}
		if !other && cm.Redacted {
			t.Errorf("%s (Changhua) is redacted for its own officer", c.FacilityID)
		}
	}
	if !slices.ContainsFunc(cha.Warnings, func(s string) bool { return strings.Contains(s, "(TXG)") }) {
		t.Errorf("no referral warning to Taichung: %q", cha.Warnings)
	}
	if top := txg.Candidates[0]; top.FacilityID != sc.Source || top.Evidence.Compliance.Redacted || len(top.Evidence.Compliance.Permits) == 0 {
		t.Errorf("Taichung's officer does not see its own piggery's permits: %+v", top)
	}
}

// plantedSensors are 40 micro-sensors around the fixture's rendering
// plant with its PM2.5 plume under the fixture's wind (fixtures/sensorsynth).
func plantedSensors(t *testing.T, d *datadir.Dir) *sensor.Data {
	t.Helper()
	f, ok := d.Water.Facility("Q7301001")
	if !ok {
		t.Fatal("the fixture has no rendering plant Q7301001")
	}
	lon, lat, _ := f.Position()
	src := odoursynth.Factory{ID: f.EmsNo, Name: f.Name, Industry: f.Industry, Lon: lon, Lat: lat}
	sc, err := sensorsynth.Generate(t.Context(), sensorsynth.Config{Station: d.Monitors[0], Wind: d.Wind, Centre: [2]float64{lon, lat},
		Factories: []odoursynth.Factory{src}, Sensors: 40, Hours: 3}, 3)
	if err != nil {
		t.Fatal(err)
	}
	return sc.Data
}

// expectedCollections is, per OGC collection, the roles that may read it,
// written from the role table as expectedMatrix is: the public layers,
// hot spots of the public signals on hexagons for everyone; the facility
// layer and the violation hot spots (every county's records) for the
// administrator; risk areas and the odour surface for analysts.
func expectedCollections() map[string]string {
	all := allBut()
	return map[string]string{
		"reaches": all, "stations": all, "outfalls": all, "readings-latest": all, "intakes": all, "irrigated-areas": all,
		"sensor-anomalies": all, "petitions": all,
		"facilities":                       "admin",
		"hotspots-petitions-gi":            all,
		"hotspots-petitions-ehsa":          all,
		"hotspots-sensor-exceedances-gi":   all,
		"hotspots-sensor-exceedances-ehsa": all,
		"hotspots-violations-gi":           "admin",
		"hotspots-violations-ehsa":         "admin",
		"air-risk-areas":                   "admin officer",
		"odour-surface":                    "admin officer",
	}
}

// ogcCollectionMatrix reads every OGC collection as every role:
// /ogc/collections lists exactly the collections the role may read, a
// collection's page and items answer 200 to those roles and 401 (the
// public) or 403 problem JSON to the others, and a collection served
// without an expectation fails, as api.New fails for one without a
// policy. The analysis layers must all be served here.
func ogcCollectionMatrix(t *testing.T, w *authzWorld) {
	want := expectedCollections()
	list := func(role string) []string {
		rec := call(t, w.h, "GET", "/ogc/collections?f=json", "", nil, w.keys[role])
		if rec.Code != 200 {
			t.Fatalf("/ogc/collections as %s: %d %s", role, rec.Code, rec.Body)
		}
		var doc struct {
			Collections []struct{ ID string } `json:"collections"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range doc.Collections {
			ids = append(ids, c.ID)
		}
		sort.Strings(ids)
		return ids
	}
	served := list("admin")
	for _, id := range []string{"hotspots-petitions-gi", "hotspots-petitions-ehsa", "hotspots-sensor-exceedances-gi",
		"hotspots-sensor-exceedances-ehsa", "hotspots-violations-gi", "hotspots-violations-ehsa", "air-risk-areas", "odour-surface"} {
		if !slices.Contains(served, id) {
			t.Errorf("the analysis layer %s is not served (served: %v)", id, served)
			continue
		}
		rec := call(t, w.h, "GET", "/ogc/collections/"+id+"/items?f=json&limit=1", "", nil, w.keys["admin"])
		n := decode[struct {
			N int `json:"numberMatched"`
		}](t, rec.Body.Bytes()).N
		t.Logf("%s: %d features", id, n)
		if n == 0 {
			t.Errorf("the analysis layer %s is empty", id)
		}
	}
	for _, id := range served {
		if _, ok := want[id]; !ok {
			t.Errorf("collection %s: no expectation in expectedCollections (add one, and a policy in collectionPolicies)", id)
		}
	}
	for _, role := range matrixRoles {
		var visible []string
		for _, id := range served {
			if slices.Contains(strings.Fields(want[id]), role) {
				visible = append(visible, id)
			}
		}
		if got := list(role); !slices.Equal(got, visible) {
			t.Errorf("/ogc/collections as %s lists %v, want %v", role, got, visible)
		}
		for _, id := range served {
			allowed := slices.Contains(strings.Fields(want[id]), role)
			for _, path := range []string{"/ogc/collections/" + id + "?f=json", "/ogc/collections/" + id + "/items?f=json&limit=2"} {
				rec := call(t, w.h, "GET", path, "", nil, w.keys[role])
				switch {
				case allowed && rec.Code != 200:
					t.Errorf("%s as %s: %d, want 200: %.300s", path, role, rec.Code, rec.Body)
				case !allowed && role == "public" && rec.Code != 401, !allowed && role != "public" && rec.Code != 403:
					t.Errorf("%s as %s: %d, want a refusal: %.300s", path, role, rec.Code, rec.Body)
				case !allowed && rec.Header().Get("Content-Type") != api.ProblemContentType:
					t.Errorf("%s as %s: refusal is %q, not problem JSON", path, role, rec.Header().Get("Content-Type"))
				}
			}
		}
	}
	// Reads of staff layers are audited, refusals too.
	n := len(w.audit.Entries())
	call(t, w.h, "GET", "/ogc/collections/odour-surface/items?f=json", "", nil, w.keys["officer"])
	call(t, w.h, "GET", "/ogc/collections/odour-surface/items?f=json", "", nil, w.keys["ngo"])
	if got := w.audit.Entries()[n:]; len(got) != 2 || !got[0].Allowed || got[1].Allowed {
		t.Errorf("audit of the odour surface: %+v", got)
	}
}
