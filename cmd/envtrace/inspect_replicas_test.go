package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/risk"
)

// TestReplicaRankingFollowsReadings runs two servers on one database: an
// abnormal reading posted to the first raises, on the second, the
// water-trace term of the facility its trace names, by the facility's
// share of the trace (from the first's trace endpoint, not from the
// ranking), without a restart.
func TestReplicaRankingFollowsReadings(t *testing.T) {
	dbURL := replicaDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	a, b := startReplica(ctx, t, dbURL), startReplica(ctx, t, dbURL)
	defer func() {
		cancel()
		for _, r := range []*replica{a, b} {
			if code := <-r.done; code != 0 {
				t.Errorf("serve at %s exited with %d", r.base, code)
			}
		}
	}()
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	var sc fixtures.Scenario
	for _, s := range scs {
		if s.ID == "night-plating-canal" {
			sc = s
		}
	}
	if sc.ID == "" {
		t.Fatal("the fixture has no night-plating-canal scenario")
	}
	// A week after the planted dump, off the station's hourly clock.
	at := sc.Time.AddDate(0, 0, 7).Add(30 * time.Minute)
	q := url.Values{"station": {sc.Station}, "parameter": {sc.Parameter}, "value": {fmt.Sprint(sc.Value)},
		"unit": {sc.Unit}, "time": {at.Format(time.RFC3339)}}
	var tr struct {
		Verdict  string `json:"verdict"`
		Suspects []struct {
			FacilityID string  `json:"facility_id"`
			Score      float64 `json:"score"`
		} `json:"suspects"`
	}
	getJSON(t, a.base+"/api/v1/trace?"+q.Encode(), &tr)
	if tr.Verdict != "explained" || len(tr.Suspects) == 0 {
		t.Fatalf("the test needs an explained reading: %+v", tr)
	}
	var sum float64
	for _, s := range tr.Suspects {
		sum += s.Score
	}
	id, share := tr.Suspects[0].FacilityID, tr.Suspects[0].Score/sum
	term := func(r *replica) (float64, string) {
		var rk struct {
			Facilities []struct {
				FacilityID string `json:"facility_id"`
				Terms      []struct {
					Name     string  `json:"name"`
					Value    float64 `json:"value"`
					DataDate *string `json:"data_date"`
				} `json:"terms"`
			} `json:"facilities"`
		}
		getJSON(t, r.base+"/api/v1/inspect/rank?as_of=2026-09-01", &rk)
		for _, f := range rk.Facilities {
			for _, tm := range f.Terms {
				if f.FacilityID == id && tm.Name == risk.TermWaterTrace {
					if tm.DataDate == nil {
						return tm.Value, ""
					}
					return tm.Value, *tm.DataDate
				}
			}
		}
		t.Fatalf("%s: no water-trace term for %s", r.base, id)
		return 0, ""
	}
	before, _ := term(b)
	body := fmt.Sprintf(`[{"station":%q,"time":%q,"parameter":%q,"value":%g,"unit":%q}]`, sc.Station, at.Format(time.RFC3339),
		sc.Parameter, sc.Value, sc.Unit)
	resp, err := http.Post(a.base+"/api/v1/readings", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST reading: status %d", resp.StatusCode)
	}
	start := time.Now()
	// The second server's ranking is asked for once it serves the
	// reading: a ranking takes seconds, the station's readings do not.
	rq := url.Values{"parameter": {sc.Parameter}, "from": {at.Format(time.RFC3339)}, "to": {at.Add(time.Second).Format(time.RFC3339)}}
	waitUntil(t, "the second server to serve the reading", func() bool {
		var page struct{ Readings []struct{ Value float64 } }
		getJSON(t, b.base+"/api/v1/stations/"+sc.Station+"/readings?"+rq.Encode(), &page)
		return len(page.Readings) > 0
	})
	for {
		v, date := term(b)
		if v != before {
			want := math.Min(before+share, risk.TraceCap)
			if day := at.In(time.FixedZone("", 8*3600)).Format(time.DateOnly); math.Abs(v-want) > 1e-9 || date != day {
				t.Errorf("%s's term on the second server: %v dated %s, want %v (before %v + share %v) dated %s", id, v, date, want, before, share, day)
			}
			t.Logf("the second server's ranking counted the reading %v after it was posted to the first", time.Since(start))
			return
		}
		if time.Since(start) > 60*time.Second {
			t.Fatalf("%s's term on the second server is still %v 60 s after the reading was posted to the first", id, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
