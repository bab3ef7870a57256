package inspection

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/risk"
)

const centralDir = "../../fixtures/central"

// readCentral reads the fixture once per test binary; tests only read it.
var readCentral = sync.OnceValues(func() (*Source, error) { return ReadSource(centralDir) })

func centralSource(t *testing.T) *Source {
	t.Helper()
	s, err := readCentral()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// plans memoises the fixture's plans for 2026-09-01 by team count: each
// calibrates on the fixture's history, which the race detector makes slow.
var plans sync.Map

func planFor(t *testing.T, s *Source, teams int) *Plan {
	t.Helper()
	if p, ok := plans.Load(teams); ok {
		return p.(*Plan)
	}
	p, err := BuildPlan(context.Background(), s, PlanOptions{Date: time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei), Teams: teams})
	if err != nil {
		t.Fatal(err)
	}
	plans.Store(teams, p)
	return p
}

func entries(p *Plan) []Entry {
	var out []Entry
	for _, r := range p.Routes {
		out = append(out, r.Entries...)
	}
	return out
}

// TestPlanSpendsTheBudget: the plan has teams × per-team entries, each
// facility once, the random share drawn with a recorded propensity below
// 1, every entry with a reason, and no more day routes than teams.
func TestPlanSpendsTheBudget(t *testing.T) {
	s := centralSource(t)
	for _, teams := range []int{1, 3, 5} {
		p := planFor(t, s, teams)
		es := entries(p)
		if len(es) != teams*DefaultPerTeam || p.Budget != len(es) {
			t.Fatalf("%d teams: %d entries, budget %d", teams, len(es), p.Budget)
		}
		seen := map[string]bool{}
		random := 0
		for _, e := range es {
			if seen[e.FacilityID] {
				t.Errorf("%s listed twice", e.FacilityID)
			}
			seen[e.FacilityID] = true
			if len(e.Why) == 0 || len(e.WhyEN) != len(e.Why) {
				t.Errorf("%s: no reason given", e.FacilityID)
			}
			switch e.Selection {
			case risk.SelectRandom:
				random++
				if e.Propensity <= 0 || e.Propensity >= 1 {
					t.Errorf("%s: random with propensity %v", e.FacilityID, e.Propensity)
				}
			case risk.SelectRisk:
				if e.Propensity != 1 {
					t.Errorf("%s: targeted with propensity %v", e.FacilityID, e.Propensity)
				}
			}
		}
		if want := int(DefaultRandomShare*float64(len(es)) + 0.5); random != want {
			t.Errorf("%d teams: %d random entries, want %d", teams, random, want)
		}
		day := 0
		for _, r := range p.Routes {
			if r.Window == "day" {
				day++
			}
		}
		if day > teams {
			t.Errorf("%d day routes for %d teams", day, teams)
		}
	}
}

// TestPlanIsReproducible: the same date draws the same random share.
func TestPlanIsReproducible(t *testing.T) {
	s := centralSource(t)
	a, _ := json.Marshal(planFor(t, s, 3))
	again, err := BuildPlan(context.Background(), s, PlanOptions{Date: time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei), Teams: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Error("two plans for one date differ")
	}
}

// TestNightDischargersGetNightWindows: a facility whose nearby petitions
// come mostly at night is inspected in the night window, and says so.
func TestNightDischargersGetNightWindows(t *testing.T) {
	s := centralSource(t)
	day := time.Date(2026, 9, 1, 0, 0, 0, 0, Taipei)
	night := s.nightDischargers(day)
	if len(night) == 0 {
		t.Fatal("the fixture has no night discharger: the test proves nothing")
	}
	p := planFor(t, s, 5)
	found := 0
	for _, e := range entries(p) {
		_, isNight := night[e.FacilityID]
		if isNight != (e.Window.Name == "night") {
			t.Errorf("%s: window %s, night discharger %v", e.FacilityID, e.Window.Name, isNight)
		}
		if isNight {
			found++
			if e.Window.Start.Hour() != 22 || !strings.Contains(strings.Join(e.Why, " "), "夜間") {
				t.Errorf("%s: night window %v, why %v", e.FacilityID, e.Window, e.Why)
			}
		}
	}
	if found == 0 {
		t.Error("no night discharger made the plan")
	}
}

func TestPlanExports(t *testing.T) {
	p := planFor(t, centralSource(t), 3)
	es := entries(p)
	b, ctype, err := p.Export(FormatCSV)
	if err != nil || !strings.HasPrefix(ctype, "text/csv") {
		t.Fatal(err, ctype)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != len(es)+1 || rows[0][6] != "facility_id" {
		t.Errorf("CSV: %d rows (%v), want %d", len(rows), err, len(es)+1)
	}
	b, _, err = p.Export(FormatGeoJSON)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry struct{ Type string }
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	points := 0
	for _, f := range fc.Features {
		if f.Geometry.Type == "Point" {
			points++
		}
	}
	if points != len(es) {
		t.Errorf("GeoJSON: %d points, want %d", points, len(es))
	}
	b, _, err = p.Export(FormatHTML)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !strings.Contains(string(b), e.FacilityID) {
			t.Errorf("printable plan lacks %s", e.FacilityID)
		}
	}
	if !strings.Contains(string(b), `lang="zh-Hant-TW"`) || !strings.Contains(string(b), "列入理由") {
		t.Error("printable plan is not the zh-TW plan")
	}
	if _, _, err := p.Export("pdf"); !errors.Is(err, ErrPlan) {
		t.Errorf("pdf: %v", err)
	}
}

func TestPlanOptionsErrors(t *testing.T) {
	s := centralSource(t)
	for name, opt := range map[string]PlanOptions{
		"no teams":     {Teams: 0},
		"many teams":   {Teams: 101},
		"per team":     {Teams: 1, PerTeam: 50},
		"random share": {Teams: 1, RandomShare: 1.5},
	} {
		if _, err := BuildPlan(context.Background(), s, opt); !errors.Is(err, ErrPlan) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestFixtureHistoryCalibrates: the fixture's inspection history reaches
// the model, which is fitted rather than left at its prior.
func TestFixtureHistoryCalibrates(t *testing.T) {
	s := centralSource(t)
	if len(s.Records) == 0 {
		t.Fatal("the fixture has no inspections.csv records")
	}
	p := planFor(t, s, 1)
	if !strings.HasPrefix(p.Calibration, "fitted on ") {
		t.Errorf("calibration %q", p.Calibration)
	}
}

func TestReadDirErrors(t *testing.T) {
	head := "inspection_id,ems_no,date,selection,violation,propensity,article\n"
	for _, tc := range []struct{ name, body, want string }{
		{"violation without article", "I-20260101-1,N1,2026-01-01,routine,true,1,\n", "article"},
		{"unknown selection", "I-20260101-1,N1,2026-01-01,hunch,false,1,\n", "selection"},
		{"random without propensity", "I-20260101-1,N1,2026-01-01,random,false,,\n", "propensity"},
		{"duplicate", "I-20260101-1,N1,2026-01-01,routine,false,1,\nI-20260101-1,N1,2026-01-01,routine,false,1,\n", "twice"},
		{"bad bool", "I-20260101-1,N1,2026-01-01,routine,maybe,1,\n", "violation"},
		{"ROC date", "I-20260101-1,N1,1150101,routine,false,1,\n", "date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "inspections.csv"), []byte(head+tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadDir(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "inspections.csv") {
				t.Errorf("error %v, want one naming inspections.csv and %q", err, tc.want)
			}
		})
	}
}
