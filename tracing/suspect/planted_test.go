package suspect_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/envtrace/envtrace/fixtures/planted"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// plantedRates traces n seeded random cases (fixtures/planted): the event
// reading of each, and every routine reading of its last twelve months.
type plantedRates struct {
	cases, first, explained int
	// nearest counts the cases where the baseline method, blaming the
	// nearest upstream discharger that covers the parameter, is right.
	nearest int
	// identifiable counts the cases the data can decide (planted.Case),
	// identFirst those of them with the culprit first.
	identifiable, identFirst int
	routine, accused         int
	misses                   []string
}

func measurePlanted(tb testing.TB, seeds []uint64) plantedRates {
	tb.Helper()
	ctx := context.Background()
	var r plantedRates
	for _, seed := range seeds {
		c, err := planted.Generate(ctx, seed)
		if err != nil {
			tb.Fatal(err)
		}
		eng := suspect.New(c.Basin, suspect.Options{})
		res, err := eng.Trace(ctx, suspect.Request{Station: c.Event.Station, Parameter: c.Event.Parameter, Value: c.Event.Value, Unit: c.Event.Unit, Time: c.Event.Time})
		if err != nil {
			tb.Fatalf("seed %d: %v", seed, err)
		}
		r.cases++
		if res.Verdict == suspect.VerdictExplained {
			r.explained++
		}
		first := len(res.Suspects) > 0 && res.Suspects[0].FacilityID == c.Culprit
		if nearestCovering(res) == c.Culprit {
			r.nearest++
		}
		if c.Identifiable {
			r.identifiable++
			if first {
				r.identFirst++
			}
		}
		if first {
			r.first++
		} else if c.Identifiable {
			top := "nobody"
			if len(res.Suspects) > 0 {
				top = res.Suspects[0].FacilityID
			}
			r.misses = append(r.misses, fmt.Sprintf("seed %d (%s, %s): %s ranked first, not %s: %s", seed, c.Parameter, c.Units, top, c.Culprit, res.Reason))
		}
		for _, rd := range c.Routine {
			res, err := eng.Trace(ctx, suspect.Request{Station: rd.Station, Parameter: rd.Parameter, Value: rd.Value, Unit: rd.Unit, Time: rd.Time})
			if err != nil {
				tb.Fatalf("seed %d routine: %v", seed, err)
			}
			r.routine++
			if len(res.Suspects) > 0 {
				r.accused++
				r.misses = append(r.misses, fmt.Sprintf("seed %d: routine %s %s %g %s at %s names %s", seed, rd.Station, rd.Parameter, rd.Value, rd.Unit, rd.Time, res.Suspects[0].FacilityID))
			}
		}
	}
	return r
}

// TestPlantedScenarios runs a small seeded sample of random basins: the
// culprit must rank first in at least 90 % of the cases the data can
// decide, and no routine reading may name anyone. BenchmarkPlantedScenarios
// measures the rates on a large sample (docs/tracing.md).
func TestPlantedScenarios(t *testing.T) {
	seeds := make([]uint64, 40)
	for i := range seeds {
		seeds[i] = uint64(i + 1)
	}
	r := measurePlanted(t, seeds)
	for _, m := range r.misses {
		t.Log(m)
	}
	t.Logf("%d cases: culprit first in %d (%.0f%%), explained %d; identifiable %d, culprit first in %d; %d routine readings, %d named someone",
		r.cases, r.first, 100*float64(r.first)/float64(r.cases), r.explained, r.identifiable, r.identFirst, r.routine, r.accused)
	if r.identifiable < r.cases/4 {
		t.Fatalf("only %d of %d cases can be decided: the sample measures nothing", r.identifiable, r.cases)
	}
	if float64(r.identFirst) < 0.9*float64(r.identifiable) {
		t.Errorf("culprit first in %d of %d decidable cases, below 90%%", r.identFirst, r.identifiable)
	}
	if r.accused > 0 {
		t.Errorf("%d routine readings named a suspect", r.accused)
	}
}

// nearestCovering is the baseline method: the discharger nearest upstream
// (in travel time) whose permit or industry covers the parameter.
func nearestCovering(res *suspect.Result) string {
	best, bestH := "", math.Inf(1)
	for _, s := range slices.Concat(res.Suspects, res.Insufficient, res.RuledOut) {
		if (s.Evidence.PermitCovers || s.Evidence.ProfileCovers) && s.TravelHours < bestH {
			best, bestH = s.FacilityID, s.TravelHours
		}
	}
	return best
}

// BenchmarkPlantedScenarios measures, over 500 seeded random cases, the
// rate at which the culprit ranks first (in all cases, and in those the
// data can decide), against the baseline of blaming the nearest upstream
// discharger of the parameter, and the rate at which a routine reading
// names anyone. Run it once:
//
//	go test -run '^$' -bench Planted -benchtime 1x ./tracing/suspect
func BenchmarkPlantedScenarios(b *testing.B) {
	seeds := make([]uint64, 500)
	for i := range seeds {
		seeds[i] = uint64(1000 + i)
	}
	var r plantedRates
	for b.Loop() {
		r = measurePlanted(b, seeds)
	}
	pct := func(a, n int) float64 { return 100 * float64(a) / float64(max(n, 1)) }
	b.ReportMetric(float64(r.cases), "cases")
	b.ReportMetric(pct(r.first, r.cases), "first_%")
	b.ReportMetric(pct(r.identifiable, r.cases), "decidable_%")
	b.ReportMetric(pct(r.identFirst, r.identifiable), "first_decidable_%")
	b.ReportMetric(pct(r.nearest, r.cases), "nearest_baseline_%")
	b.ReportMetric(float64(r.first)/float64(max(r.nearest, 1)), "x_baseline")
	b.ReportMetric(float64(r.routine), "routine")
	b.ReportMetric(pct(r.accused, r.routine), "false_accusation_%")
	b.Logf("%d cases (%d decidable): culprit first in %d (%.1f%%), in %d decidable (%.1f%%); nearest-discharger baseline %d (%.1f%%); %d routine readings, %d named someone",
		r.cases, r.identifiable, r.first, pct(r.first, r.cases), r.identFirst, pct(r.identFirst, r.identifiable), r.nearest, pct(r.nearest, r.cases), r.routine, r.accused)
}
