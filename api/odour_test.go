package api_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/model"
)

func odourScenario(t *testing.T, id string) fixtures.OdourScenario {
	t.Helper()
	scs, err := fixtures.OdourScenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scs {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no odour scenario %s", id)
	return fixtures.OdourScenario{}
}

func window(sc fixtures.OdourScenario) string {
	return url.Values{"from": {sc.From.Format(time.RFC3339)}, "to": {sc.To.Format(time.RFC3339)}}.Encode()
}

type rankOut struct {
	Petitions  int `json:"petitions"`
	Candidates []struct {
		FacilityID string  `json:"facility_id"`
		Rank       int     `json:"rank"`
		Score      float64 `json:"score"`
		Evidence   struct {
			Votes []struct {
				PetitionID string  `json:"petition_id"`
				Vote       float64 `json:"vote"`
			} `json:"votes"`
		} `json:"evidence"`
	} `json:"candidates"`
	SurfaceMax *struct {
		NearestFacilityID string `json:"nearest_facility_id"`
	} `json:"surface_max"`
	Confidence struct {
		Level string `json:"level"`
	} `json:"confidence"`
	Trajectory []struct {
		Lon, Lat float64
	} `json:"trajectory"`
}

// TestOdourEndpoints answers the fixture's rendering episode through the
// REST API: the rendering plant ranks first, the votes add up to the
// scores, every response conforms to the OpenAPI document, and the trace
// of one of its petitions runs upwind.
func TestOdourEndpoints(t *testing.T) {
	s, _ := sharedServer(t)
	_, router := loadOpenAPIFrom(t, s.OpenAPIDocument())
	sc := odourScenario(t, "rendering-august")
	rec := get(t, s.Handler(), "/api/v1/odour/rank?"+window(sc))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	out := decode[rankOut](t, rec.Body.Bytes())
	if out.Petitions != sc.Petitions || len(out.Candidates) == 0 || out.Candidates[0].FacilityID != sc.Source || out.Candidates[0].Rank != 1 {
		t.Fatalf("rank: %d petitions, candidates %+v", out.Petitions, out.Candidates)
	}
	for _, c := range out.Candidates {
		var sum float64
		for _, v := range c.Evidence.Votes {
			sum += v.Vote
		}
		if math.Abs(sum-c.Score) > 1e-9 {
			t.Errorf("%s: votes %v, score %v", c.FacilityID, sum, c.Score)
		}
	}
	for _, private := range []string{"contact", "測試陳情人", "0900-000"} {
		if strings.Contains(rec.Body.String(), private) {
			t.Errorf("the ranking reveals %q", private)
		}
	}
	petition := out.Candidates[0].Evidence.Votes[0].PetitionID
	tr := decode[rankOut](t, get(t, s.Handler(), "/api/v1/odour/trace?petition="+url.QueryEscape(petition)).Body.Bytes())
	if len(tr.Trajectory) < 2 || len(tr.Candidates) == 0 {
		t.Errorf("trace of %s: %+v", petition, tr)
	}
	for _, target := range []string{
		"/api/v1/odour/rank?" + window(sc),
		"/api/v1/odour/rank?" + window(odourScenario(t, "unlisted-burning")),
		"/api/v1/odour/trace?petition=" + url.QueryEscape(petition),
		"/api/v1/odour/trace?petition=nope",
		"/api/v1/air/cpf?monitor=WX-DR01&parameter=H2S",
		"/api/v1/air/cpf?monitor=WX-DR01&parameter=hydrogen+sulfide&percentile=75&sector_deg=30&min_speed=0.44704",
		"/api/v1/air/cpf?monitor=WX-DR01&parameter=PM10",
		"/api/v1/air/cpf?monitor=nope&parameter=H2S",
	} {
		t.Run(target, func(t *testing.T) {
			checkOpenAPI(t, router, s.Handler(), httptest.NewRequest(http.MethodGet, target, nil), nil, true)
		})
	}
}

// TestOdourBadInput checks that every kind of bad input becomes a problem
// naming the offending parameter.
func TestOdourBadInput(t *testing.T) {
	s, _ := sharedServer(t)
	tests := []struct {
		name, target string
		status       int
		typ, param   string
	}{
		{"rank without to", "/api/v1/odour/rank?from=2026-08-20T00:00:00%2B08:00", 400, api.ProblemInvalidParams, "to"},
		{"rank without zone", "/api/v1/odour/rank?from=2026-08-20T00:00:00&to=2026-08-21T00:00:00%2B08:00", 400, api.ProblemInvalidParams, "from"},
		{"rank backwards", "/api/v1/odour/rank?from=2026-08-21T00:00:00%2B08:00&to=2026-08-20T00:00:00%2B08:00", 400, api.ProblemInvalidParams, "to"},
		{"rank unknown key", "/api/v1/odour/rank?from=2026-08-20T00:00:00%2B08:00&to=2026-08-21T00:00:00%2B08:00&wind=none", 400, api.ProblemInvalidParams, "wind"},
		{"trace without petition", "/api/v1/odour/trace", 400, api.ProblemInvalidParams, "petition"},
		{"trace unknown petition", "/api/v1/odour/trace?petition=OD-1999-0001", 404, api.ProblemNotFound, ""},
		{"cpf water parameter", "/api/v1/air/cpf?monitor=WX-DR01&parameter=COD", 400, api.ProblemInvalidParams, "parameter"},
		{"cpf unknown parameter", "/api/v1/air/cpf?monitor=WX-DR01&parameter=smell", 400, api.ProblemInvalidParams, "parameter"},
		{"cpf percentile 100", "/api/v1/air/cpf?monitor=WX-DR01&parameter=H2S&percentile=100", 400, api.ProblemInvalidParams, "percentile"},
		{"cpf sector 7", "/api/v1/air/cpf?monitor=WX-DR01&parameter=H2S&sector_deg=7", 400, api.ProblemInvalidParams, "sector_deg"},
		{"cpf negative speed", "/api/v1/air/cpf?monitor=WX-DR01&parameter=H2S&min_speed=-1", 400, api.ProblemInvalidParams, "min_speed"},
		{"cpf unknown monitor", "/api/v1/air/cpf?monitor=nope&parameter=H2S", 404, api.ProblemNotFound, ""},
		{"cpf no readings", "/api/v1/air/cpf?monitor=WX-DR01&parameter=SO2", 422, api.ProblemUntraceable, "parameter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), tc.target)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			checkTracingProblem(t, rec, tc.typ, tc.param)
		})
	}
}

// TestOdourRankFollowsAppliedRecords: a facility applied to a running
// server (as a `serve --db` replica applies one another process imported)
// joins the odour ranking at once. A second plant of the rendering
// episode's source, at its site and in its industry, is ranked beside it.
func TestOdourRankFollowsAppliedRecords(t *testing.T) {
	mb, _ := centralBackend(t)
	h := newServer(t, quietConfig(), mb).Handler()
	sc := odourScenario(t, "rendering-august")
	ranked := func() map[string]bool {
		t.Helper()
		rec := get(t, h, "/api/v1/odour/rank?"+window(sc))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		out := map[string]bool{}
		for _, c := range decode[rankOut](t, rec.Body.Bytes()).Candidates {
			out[c.FacilityID] = true
		}
		return out
	}
	if before := ranked(); !before[sc.Source] || before["R0000001"] {
		t.Fatalf("the test needs the source %s ranked and no R0000001: %v", sc.Source, before)
	}
	src, ok := mb.Basin().DS.Facility(sc.Source)
	if !ok {
		t.Fatalf("no facility %s", sc.Source)
	}
	twin := *src
	twin.EmsNo, twin.Name = "R0000001", "同業新廠"
	if err := mb.ApplyRecords(context.Background(), &model.Dataset{Facilities: []model.Facility{twin}}); err != nil {
		t.Fatal(err)
	}
	if after := ranked(); !after["R0000001"] || !after[sc.Source] {
		t.Errorf("after the twin was applied the ranking holds %v, want both %s and R0000001", after, sc.Source)
	}
}
