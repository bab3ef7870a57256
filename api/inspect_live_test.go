package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/risk"
)

// rankedTerm is one term of one facility in GET /api/v1/inspect/rank.
type rankedTerm struct {
	Value    float64 `json:"value"`
	DataDate *string `json:"data_date"`
}

// waterTraceTerms reads every facility's water-trace term (value and
// data date) from the ranking.
func waterTraceTerms(t *testing.T, h http.Handler, asOf string) map[string]rankedTerm {
	t.Helper()
	rec := do(t, h, http.MethodGet, "/api/v1/inspect/rank?as_of="+url.QueryEscape(asOf), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("rank: %d %s", rec.Code, rec.Body)
	}
	r := decode[struct {
		Facilities []struct {
			FacilityID string `json:"facility_id"`
			Terms      []struct {
				Name string `json:"name"`
				rankedTerm
			} `json:"terms"`
		} `json:"facilities"`
	}](t, rec.Body.Bytes())
	out := map[string]rankedTerm{}
	for _, f := range r.Facilities {
		for _, tm := range f.Terms {
			if tm.Name == risk.TermWaterTrace {
				out[f.FacilityID] = tm.rankedTerm
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("the ranking has no water-trace term")
	}
	return out
}

// TestPostedReadingsFeedTheWaterTraceTerm: an abnormal reading posted to
// a running server joins the ranking's water-trace term without a
// restart. The expectation comes from the trace endpoint, not from the
// ranking: the explained trace of the same reading names its suspects
// with scores, and each suspect's term grows by its share of them (a day
// none of its earlier traces counted), dated the reading's day; the
// facilities it does not name keep their terms.
func TestPostedReadingsFeedTheWaterTraceTerm(t *testing.T) {
	s, fx := centralServer(t)
	h := s.Echo()
	sc := scenario(t, fx, "night-plating-canal")
	// Six days after the planted dump, half past the hour (the station
	// logs on the hour, so the reading is new), before the ranking's date.
	at := sc.Time.AddDate(0, 0, 6).Add(30 * time.Minute)
	const asOf = "2026-09-01"
	q := url.Values{"station": {sc.Station}, "parameter": {sc.Parameter}, "value": {fmt.Sprint(sc.Value)},
		"unit": {sc.Unit}, "time": {at.Format(time.RFC3339)}}
	rec := do(t, h, http.MethodGet, "/api/v1/trace?"+q.Encode(), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("trace: %d %s", rec.Code, rec.Body)
	}
	tr := decode[struct {
		Verdict  string `json:"verdict"`
		Suspects []struct {
			FacilityID string  `json:"facility_id"`
			Score      float64 `json:"score"`
		} `json:"suspects"`
	}](t, rec.Body.Bytes())
	if tr.Verdict != "explained" || len(tr.Suspects) == 0 {
		t.Fatalf("the test needs an explained reading: %s", rec.Body)
	}
	var sum float64
	for _, sp := range tr.Suspects {
		sum += sp.Score
	}
	before := waterTraceTerms(t, h, asOf)
	day := at.In(time.FixedZone("Asia/Taipei", 8*3600)).Format(time.DateOnly)
	for _, sp := range tr.Suspects {
		if d := before[sp.FacilityID].DataDate; d != nil && *d >= day {
			t.Fatalf("%s's term already counts %s: %+v", sp.FacilityID, day, before[sp.FacilityID])
		}
	}
	body := fmt.Sprintf(`[{"station":%q,"time":%q,"parameter":%q,"value":%g,"unit":%q}]`, sc.Station, at.Format(time.RFC3339),
		sc.Parameter, sc.Value, sc.Unit)
	if rec := do(t, h, http.MethodPost, "/api/v1/readings", body); rec.Code != http.StatusOK {
		t.Fatalf("POST reading: %d %s", rec.Code, rec.Body)
	}
	first := tr.Suspects[0].FacilityID
	var after map[string]rankedTerm
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = waterTraceTerms(t, h, asOf)
		if after[first].Value != before[first].Value {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's water-trace term is still %+v 60 s after the reading was posted", first, before[first])
		}
	}
	named := map[string]bool{}
	for _, sp := range tr.Suspects {
		named[sp.FacilityID] = true
		want := math.Min(before[sp.FacilityID].Value+sp.Score/sum, risk.TraceCap)
		got := after[sp.FacilityID]
		if math.Abs(got.Value-want) > 1e-9 || got.DataDate == nil || *got.DataDate != day {
			t.Errorf("%s: term %v dated %v, want %v (before %v + share %v) dated %s", sp.FacilityID, got.Value,
				deref(got.DataDate), want, before[sp.FacilityID].Value, sp.Score/sum, day)
		}
	}
	for id, b := range before {
		if !named[id] && after[id].Value != b.Value {
			t.Errorf("%s, not named by the trace: term %v → %v", id, b.Value, after[id].Value)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestRankingFollowsAppliedAirPermits: air permits applied to a running
// server (as a `serve --db` replica applies those another process
// imported) reach the inspection ranking's air-permit term at once, not
// only the permit checks: a facility with no air permit on file before
// has one after, and its term says so.
func TestRankingFollowsAppliedAirPermits(t *testing.T) {
	mb, _ := centralBackend(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	airTerm := func(id string) string {
		t.Helper()
		rk, err := mb.InspectRank(context.Background(), asOf)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rk.Facilities {
			for _, tm := range f.Terms {
				if f.FacilityID == id && tm.Name == risk.TermAirPermit {
					return tm.Note
				}
			}
		}
		t.Fatalf("the ranking has no air-permit term for %s", id)
		return ""
	}
	const plant = "Q7301001"
	before := airTerm(plant)
	if strings.Contains(before, "CEMS") {
		t.Fatalf("the test needs a facility without air permits: %s's term says %q", plant, before)
	}
	mb.ApplyAirPermits(&airpermit.Data{Permits: []airpermit.Permit{{Facility: plant, PerNo: "府環空操證字第9003號", Process: "M01", Stack: "P001",
		Industry: "rendering", Pollutant: "SO2", PermittedKgH: 500, Capacity: 1, Fuel: "重油", SulphurPct: 0.5}}})
	if after := airTerm(plant); !strings.Contains(after, "no CEMS or declarations") {
		t.Errorf("after its permit was applied, %s's air-permit term says %q (before: %q)", plant, after, before)
	}
}

// TestRankingRetracesAfterCorrections: a correction applied to a running
// server (as a replica applies one another process imported) changes the
// traces of a reading traced at start, and the ranking counts it traced
// again: it equals, byte for byte, the ranking of a backend built from
// scratch over the corrected data. The data of before put in place again
// (ReplaceDataset, as a replica reloads after rows were deleted by hand)
// give back the water traces of before. A reading six days after a
// planted dump the trace explains is corrected up to the dump's value, so
// the traces change (as TestPostedReadingsFeedTheWaterTraceTerm's posted
// reading changes them). The data hold the readings of that station only,
// and the ranking (seconds under -race) is asked for twice.
func TestRankingRetracesAfterCorrections(t *testing.T) {
	fx := centralFixtureOf(t)
	ctx := context.Background()
	sc := scenario(t, fx, "night-plating-canal")
	full := fx.basin.DS
	var own []model.Reading
	for _, r := range full.CurrentReadings() {
		if r.Station == sc.Station {
			own = append(own, r)
		}
	}
	data := func(rs []model.Reading) *model.Dataset {
		ds := &model.Dataset{NetworkPath: full.NetworkPath, Facilities: full.Facilities, Outfalls: full.Outfalls, Permits: full.Permits,
			Limits: full.Limits, Reports: full.Reports, Effluent: full.Effluent, Stations: full.Stations}
		ds.SetReadings(slices.Clone(rs))
		return ds
	}
	// backend serves ds with the ranking's source, whose water traces are
	// the backend's own.
	backend := func(ds *model.Dataset) (*api.MemoryBackend, *inspection.Source) {
		t.Helper()
		b, err := basin.New(fx.net, ds, 0)
		if err != nil {
			t.Fatal(err)
		}
		dir := *fx.air
		dir.Water = ds
		src, err := inspection.NewSource(&dir)
		if err != nil {
			t.Fatal(err)
		}
		src.UseBasin(b)
		mem := store.NewMemory()
		src.Repo, src.SelfReports = mem, mem
		mb, err := api.NewMemoryBackendWithBasin(b, api.WithAirData(fx.air), api.WithInspections(src))
		if err != nil {
			t.Fatal(err)
		}
		return mb, src
	}
	asJSON := func(v any, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	key := model.ReadingKey{Station: sc.Station, UnixNano: sc.Time.AddDate(0, 0, 6).UnixNano(), Parameter: sc.Parameter}
	i := slices.IndexFunc(own, func(r model.Reading) bool { return model.KeyOf(&r) == key })
	if i < 0 || own[i].Value >= sc.Value/2 {
		t.Fatalf("the test needs a normal reading %+v in the fixture (index %d)", key, i)
	}
	fixed := slices.Clone(own)
	fixed[i].Value = sc.Value

	mb, src := backend(data(own))
	before := asJSON(src.WaterTraces(ctx))
	if n, err := mb.CorrectReadings(ctx, []model.Reading{fixed[i]}); err != nil || n != 1 {
		t.Fatalf("corrected %d readings: %v", n, err)
	}
	fresh, freshSrc := backend(data(fixed))
	if asJSON(freshSrc.WaterTraces(ctx)) == before {
		t.Fatal("the test needs a correction that changes the water traces")
	}
	got, want := asJSON(mb.InspectRank(ctx, asOf)), asJSON(fresh.InspectRank(ctx, asOf))
	if got != want {
		t.Errorf("after the correction the running server ranks\n%.600s\na server started on the corrected data\n%.600s", got, want)
	}

	if _, err := mb.ReplaceDataset(ctx, data(own)); err != nil {
		t.Fatal(err)
	}
	if got := asJSON(src.WaterTraces(ctx)); got != before {
		t.Errorf("after the data of before were put in place the running server's water traces are\n%.600s\nnot those of before\n%.600s", got, before)
	}
}
