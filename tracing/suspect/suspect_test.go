package suspect_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/suspect"
)

var (
	centralOnce  sync.Once
	centralBasin *basin.Basin
	centralErr   error
)

// central loads the embedded central-Taiwan fixture once per test binary.
func central(t *testing.T) *basin.Basin {
	t.Helper()
	centralOnce.Do(func() {
		dir, err := os.MkdirTemp("", "central")
		if err != nil {
			centralErr = err
			return
		}
		centralBasin, centralErr = fixtures.LoadCentral(context.Background(), dir)
	})
	if centralErr != nil {
		t.Fatal(centralErr)
	}
	return centralBasin
}

// TestScenarios traces every fixture scenario: the culprit ranks first and
// every distractor ranks below it or is ruled out; an unpermitted source is
// reported as unexplained between the named stations.
func TestScenarios(t *testing.T) {
	b := central(t)
	if len(b.Unplaced) > 0 {
		t.Fatalf("unplaced: %v", b.Unplaced)
	}
	eng := suspect.New(b, suspect.Options{})
	scenarios, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(scenarios) < 3 {
		t.Fatalf("%d scenarios; the fixture promises at least 3", len(scenarios))
	}
	for _, sc := range scenarios {
		t.Run(sc.ID, func(t *testing.T) {
			res, err := eng.Trace(context.Background(), suspect.Request{
				Station: sc.Station, Parameter: sc.Parameter, Value: sc.Value, Unit: sc.Unit, Time: sc.Time,
			})
			if err != nil {
				t.Fatal(err)
			}
			logResult(t, res)
			if sc.Culprit != "" {
				if len(res.Suspects) == 0 || res.Suspects[0].FacilityID != sc.Culprit {
					t.Fatalf("culprit %s is not ranked first", sc.Culprit)
				}
				if res.Verdict != suspect.VerdictExplained || !res.Unexplained.Explained {
					t.Fatalf("the culprit explains the load, but the verdict is %s: %q", res.Verdict, res.Reason)
				}
				top := res.Suspects[0].Score
				for _, d := range sc.Distractors {
					for _, s := range res.Suspects {
						if s.FacilityID == d && s.Score >= top {
							t.Errorf("distractor %s scores %.4f, not below the culprit's %.4f", d, s.Score, top)
						}
					}
				}
				w := res.Suspects[0].Evidence.DischargeWindow
				if sc.DischargeTime.Before(w.From) || sc.DischargeTime.After(w.To) {
					t.Errorf("discharge at %s falls outside the window %s – %s", sc.DischargeTime, w.From, w.To)
				}
				return
			}
			if res.Verdict != suspect.VerdictUnexplained || res.Unexplained.Explained || len(res.Suspects) != 0 {
				t.Fatalf("an unpermitted source was explained: %s %s", res.Verdict, res.Reason)
			}
			if !slices.Equal(res.Unexplained.Between, sc.UnexplainedBetween) {
				t.Fatalf("unexplained between %v, want %v", res.Unexplained.Between, sc.UnexplainedBetween)
			}
		})
	}
}

// logResult shows a trace in the test log, for a reader of a failure.
func logResult(t *testing.T, res *suspect.Result) {
	t.Helper()
	t.Logf("%s %s: %s — %s", res.Station, res.Parameter, res.Verdict, res.Reason)
	t.Logf("baseline %+v", res.Baseline)
	for _, list := range []struct {
		name string
		l    []suspect.Suspect
	}{{"suspect", res.Suspects}, {"insufficient", res.Insufficient}, {"ruled out", res.RuledOut}} {
		for _, s := range list.l {
			ev := s.Evidence
			t.Logf("%s #%d %s %s score %.4f %.1f km %.1f h cover %v/%v carry %v cap %.3g ratio %.3g hist %.2f brk %.2f %s",
				list.name, s.Rank, s.FacilityID, ev.Industry, s.Score, s.DistanceKm, s.TravelHours, ev.PermitCovers, ev.ProfileCovers,
				ev.CanCarry, ev.CapacityRatio, ev.LoadRatio, ev.Factors.History, ev.Factors.Bracketing, ev.Reason)
		}
	}
	for _, c := range res.Upstream {
		t.Logf("upstream %s %.1f h %s %v (bg %v) w %.2f %s", c.Station, c.TravelHours, c.Time.Format("01-02 15:04"), c.Value, c.Background, c.Weight, c.Verdict)
	}
}
