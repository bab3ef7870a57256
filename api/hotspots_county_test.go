package api_test

import (
	"net/http"
	"testing"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/permits"
)

// TestViolationHotspotsByCounty: the violations hot spots count, for a
// bureau's officer, only its own county's facilities (events and sites),
// by the county rule of every other answer; the centre counts them all.
// The expected counts come from the permit checks' limit findings,
// grouped by the facilities' counties.
func TestViolationHotspotsByCounty(t *testing.T) {
	h, fx := countyServer(t)
	ds := fx.basin.DS
	want := map[string]int{}
	total := 0
	for _, f := range permits.Check(ds).Findings {
		fac, ok := ds.Facility(f.Facility)
		if f.Check != "limit" || !ok {
			continue
		}
		if _, _, located := fac.Position(); !located && len(ds.OutfallsOf(f.Facility)) == 0 {
			continue
		}
		want[access.CountyOf("", f.Facility)]++
		total++
	}
	if want["CHA"] == 0 || want["CHA"] == total {
		t.Fatalf("the test needs Changhua violations and others: %v", want)
	}
	sites := map[string]int{}
	for _, f := range ds.Facilities {
		sites[access.CountyOf("", f.EmsNo)]++
	}
	for _, tc := range []struct {
		key, county string
		events      int
	}{{"admin-key", "", total}, {"cha-key", "CHA", want["CHA"]}, {"txg-key", "TXG", want["TXG"]}} {
		t.Run(tc.key, func(t *testing.T) {
			rec := send(h, http.MethodGet, "/api/v1/hotspots?signal=violations&method=gi", "", tc.key)
			if tc.county != "" && tc.events == 0 {
				// No violation in the county: nothing to analyse.
				if rec.Code == http.StatusOK && decode[struct{ Events int }](t, rec.Body.Bytes()).Events != 0 {
					t.Errorf("%s: %s", tc.key, rec.Body)
				}
				return
			}
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.key, rec.Code, rec.Body)
			}
			res := decode[struct {
				Events int `json:"events"`
				Units  []struct {
					ID string `json:"id"`
				} `json:"units"`
			}](t, rec.Body.Bytes())
			if res.Events != tc.events {
				t.Errorf("%s: %d violations counted, want %d", tc.key, res.Events, tc.events)
			}
			if tc.county != "" && len(res.Units) > sites[tc.county] {
				t.Errorf("%s: %d units, more than the county's %d facilities", tc.key, len(res.Units), sites[tc.county])
			}
		})
	}
}
