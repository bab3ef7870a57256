package inspection

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/risk"
	"github.com/envtrace/envtrace/tracing/sensor"
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

// TestPortalNearbyReadings: the portal lists the river stations down the
// river from its outfalls and the sensors and monitors
// within the air radius, each with its newest reading per parameter in
// the 30 days before as-of, in Taipei time; farther places and older or
// later readings are left out, and nothing names another facility.
func TestPortalNearbyReadings(t *testing.T) {
	s := *centralSource(t)
	const id = "N1489153"
	f, _ := s.Dir.Water.Facility(id)
	lon, lat, _ := f.Position()
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	near := sensor.Sensor{ID: "AB-NEAR", Lon: lon + 0.01, Lat: lat, Kind: sensor.KindAirBox} // about 1 km east
	far := sensor.Sensor{ID: "AB-FAR", Lon: lon + 0.1, Lat: lat, Kind: sensor.KindAirBox}    // about 10 km east
	at := func(d, h int) time.Time { return time.Date(2026, 8, d, h, 0, 0, 0, time.UTC) }
	dir := *s.Dir
	dir.Sensors = &sensor.Data{Sensors: []sensor.Sensor{near, far}, Readings: []sensor.Reading{
		{Device: "AB-NEAR", Time: at(31, 10), Parameter: "PM2.5", Value: 18, Unit: "µg/m³"},
		{Device: "AB-NEAR", Time: at(31, 11), Parameter: "PM2.5", Value: 25, Unit: "µg/m³"},
		{Device: "AB-NEAR", Time: at(1, 0).AddDate(0, 0, -10), Parameter: "PM10", Value: 40, Unit: "µg/m³"},
		{Device: "AB-NEAR", Time: at(31, 17), Parameter: "PM10", Value: 99, Unit: "µg/m³"}, // 01:00 on 1 September in Taipei: after as-of
		{Device: "AB-FAR", Time: at(31, 10), Parameter: "PM2.5", Value: 80, Unit: "µg/m³"},
	}}
	s.Dir = &dir
	n, err := s.nearby(context.Background(), id, asOf)
	if err != nil {
		t.Fatal(err)
	}
	var sensors, stations int
	for _, p := range n.Places {
		switch p.Kind {
		case PlaceSensor:
			sensors++
			if p.ID != "AB-NEAR" || len(p.Readings) != 1 || p.Readings[0].Value != 25 || p.Readings[0].Time != "2026-08-31T19:00:00+08:00" {
				t.Errorf("sensor %+v: want AB-NEAR's 25 µg/m³ of 19:00 Taipei only", p)
			}
		case PlaceRiverStation:
			stations++
			if p.Basis != BasisDownstream || p.DistanceM > NearbyDownstreamKm*1000 {
				t.Errorf("%s at %v m (%s)", p.ID, p.DistanceM, p.Basis)
			}
		}
	}
	if sensors != 1 || stations == 0 {
		t.Errorf("%d sensors and %d stations nearby: %+v", sensors, stations, n.Places)
	}
	for i := 1; i < len(n.Places); i++ {
		if n.Places[i].DistanceM < n.Places[i-1].DistanceM {
			t.Errorf("places not nearest first: %+v", n.Places)
		}
	}
}
