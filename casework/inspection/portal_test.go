package inspection

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/risk"
)

type facilityPrincipal string

func (p facilityPrincipal) FacilityID() (string, bool) { return string(p), p != "" }

// TestPortalShowsOnlyItself is S-T1 on the fixture: the portal of
// facility A names no other facility (id, name or permit), and shows of
// A's risk only the own-record terms — no suspicion term, score, rank or
// probability.
func TestPortalShowsOnlyItself(t *testing.T) {
	s := centralSource(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	fs := s.Dir.Water.Facilities
	for i := 0; i < len(fs); i += 14 { // four portals: each calibrates on the whole history
		a := fs[i]
		p, err := FacilityPortal(context.Background(), s, facilityPrincipal(a.EmsNo), asOf)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p)
		body := string(b)
		for _, other := range fs {
			if other.EmsNo == a.EmsNo {
				continue
			}
			if strings.Contains(body, other.EmsNo) || strings.Contains(body, other.Name) {
				t.Errorf("%s's portal shows %s", a.EmsNo, other.EmsNo)
			}
			for _, pm := range s.Dir.Water.PermitsOf(other.EmsNo) {
				if strings.Contains(body, pm.PerNo) {
					t.Errorf("%s's portal shows %s's permit %s", a.EmsNo, other.EmsNo, pm.PerNo)
				}
			}
		}
		for _, hidden := range []string{"water_trace_suspicion", "odour_air_attribution", `"petitions"`, "dumping_reports", `"score"`, `"probability"`, `"rank"`, "propensity", "selection", "inspector"} {
			if strings.Contains(body, hidden) {
				t.Errorf("%s's portal shows %s", a.EmsNo, hidden)
			}
		}
		if len(p.Why) != len(OwnTerms) || len(p.Quarters) != 12 {
			t.Errorf("%s: %d own terms, %d quarters", a.EmsNo, len(p.Why), len(p.Quarters))
		}
		flagged := map[string]bool{}
		for _, q := range p.Quarters {
			flagged[q.Start] = q.NonCompliance
		}
		for _, e := range p.Effluent {
			if e.Status != "exceeded" {
				continue
			}
			if e.ExceedancePct <= 0 {
				t.Errorf("%s: exceeded point with exceedance %v%%", a.EmsNo, e.ExceedancePct)
			}
			end, _ := time.ParseInLocation(time.DateOnly, e.PeriodEnd, Taipei)
			q := risk.QuarterStart(end).Format(time.DateOnly)
			if on, in := flagged[q]; in && !on {
				t.Errorf("%s: %s exceeded in %s but the quarter is not in non-compliance", a.EmsNo, e.Parameter, q)
			}
		}
	}
}

func TestPortalRefusesOthers(t *testing.T) {
	s := centralSource(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	if _, err := FacilityPortal(context.Background(), s, facilityPrincipal(""), asOf); !errors.Is(err, ErrNotAFacility) {
		t.Errorf("a non-facility principal: %v", err)
	}
	if _, err := FacilityPortal(context.Background(), s, facilityPrincipal("NOPE0000"), asOf); !errors.Is(err, ErrUnknownFacility) {
		t.Errorf("an unknown facility: %v", err)
	}
}

// TestPortalTimelineCountsItsOwnRecord: an inspection violation of the
// facility marks its quarter, and the status follows EEW's ≥ 3 of 12 rule.
func TestPortalTimelineCountsItsOwnRecord(t *testing.T) {
	bad := map[time.Time]bool{}
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	for _, tc := range []struct {
		add  time.Time
		want string
	}{
		{time.Time{}, "in compliance"},
		{time.Date(2026, 5, 1, 0, 0, 0, 0, Taipei), "some non-compliance"},
		{time.Date(2025, 5, 1, 0, 0, 0, 0, Taipei), "some non-compliance"},
		{time.Date(2023, 11, 1, 0, 0, 0, 0, Taipei), "significant non-compliance"},
	} {
		if !tc.add.IsZero() {
			bad[risk.QuarterStart(tc.add)] = true
		}
		if _, got := timeline(bad, asOf); got != tc.want {
			t.Errorf("after %v: %s, want %s", tc.add, got, tc.want)
		}
	}
	// The 13th quarter back (2023Q2) is outside the window, the 12th (2023Q3) its first.
	if qs, got := timeline(map[time.Time]bool{risk.QuarterStart(time.Date(2023, 5, 1, 0, 0, 0, 0, Taipei)): true}, asOf); got != "in compliance" || qs[0].Start != "2023-07-01" {
		t.Errorf("13 quarters back: %s, first quarter %s", got, qs[0].Start)
	}
}
