package suspect_test

import (
	"context"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// eventKey identifies a reading a scenario planted.
type eventKey struct {
	station, parameter string
	at                 int64
}

// events lists every reading the fixture's scenarios planted.
func events(t *testing.T) map[eventKey]bool {
	t.Helper()
	scs, err := fixtures.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	out := map[eventKey]bool{}
	for _, sc := range scs {
		if len(sc.EventReadings) == 0 {
			t.Fatalf("scenario %s lists no event readings", sc.ID)
		}
		for _, e := range sc.EventReadings {
			out[eventKey{e.Station, e.Parameter, e.Time.UnixNano()}] = true
		}
	}
	return out
}

// TestRoutineReadingsNameNobody traces every routine reading of the
// fixture: none may name a suspect. The scenarios' own readings are the
// only abnormal ones planted, and TestScenarios traces them.
func TestRoutineReadingsNameNobody(t *testing.T) {
	b := central(t)
	eng := suspect.New(b, suspect.Options{})
	ev := events(t)
	verdicts := map[suspect.Verdict]int{}
	start := time.Now()
	for i := range b.DS.NumReadings() {
		r := b.DS.Reading(i)
		if ev[eventKey{r.Station, r.Parameter, r.Time.UnixNano()}] || !traceable(b.DS, r) {
			continue
		}
		res, err := eng.Trace(context.Background(), suspect.Request{Station: r.Station, Parameter: r.Parameter, Value: r.Value, Unit: r.Unit, Time: r.Time})
		if err != nil {
			t.Fatalf("%s %s %s: %v", r.Station, r.Parameter, r.Time, err)
		}
		verdicts[res.Verdict]++
		if res.Verdict == suspect.VerdictUnexplained || res.Verdict == suspect.VerdictExplained {
			t.Logf("abnormal routine reading %s %s %g at %s: %s", r.Station, r.Parameter, r.Value, r.Time.Format(time.RFC3339), res.Reason)
		}
		if len(res.Suspects) > 0 || res.Verdict == suspect.VerdictExplained {
			t.Errorf("routine %s %s %g at %s names %s: %s", r.Station, r.Parameter, r.Value, r.Time.Format(time.RFC3339), res.Suspects[0].FacilityID, res.Reason)
		}
	}
	t.Logf("%d routine readings traced in %v: %v", sum(verdicts), time.Since(start).Round(time.Millisecond), verdicts)
	if verdicts[suspect.VerdictWithinNormalRange] == 0 {
		t.Fatal("no routine reading was judged within the normal range")
	}
}

// traceable skips readings whose station is off the network.
func traceable(ds *model.Dataset, r *model.Reading) bool {
	_, ok := ds.Station(r.Station)
	return ok
}

func sum(m map[suspect.Verdict]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
