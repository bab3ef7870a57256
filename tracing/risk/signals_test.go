package risk

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// centralTraces traces every reading of the fixture once per test binary.
var centralTraces = sync.OnceValues(func() (*tracedDir, error) {
	d, err := datadir.Read(centralDir)
	if err != nil {
		return nil, err
	}
	net, _, err := hydro.Load(context.Background(), d.Water.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		return nil, err
	}
	b, err := basin.New(net, d.Water, 0)
	if err != nil {
		return nil, err
	}
	tr, err := TraceReadings(context.Background(), suspect.New(b, suspect.Options{}), d.Water.CurrentReadings())
	if err != nil {
		return nil, err
	}
	return &tracedDir{dir: d, traces: tr}, nil
})

type tracedDir struct {
	dir    *datadir.Dir
	traces *Traces
}

func traced(t *testing.T) *tracedDir {
	t.Helper()
	td, err := centralTraces()
	if err != nil {
		t.Fatal(err)
	}
	return td
}

// plantedIncident is a scenario the fixture's generator planted: its
// culprit and the time of its reading (fixtures/central/scenarios.json,
// written before the ranking existed; the answer key is the generator's,
// not the trace engine's).
type plantedIncident struct {
	ID      string    `json:"id"`
	Culprit string    `json:"culprit"`
	Time    time.Time `json:"time"`
}

func planted(t *testing.T) []plantedIncident {
	t.Helper()
	b, err := os.ReadFile(centralDir + "/scenarios.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []plantedIncident
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWaterTraceNamesThePlantedCulprits: as of the day after each planted
// incident, its culprit has a non-zero water-trace suspicion dated the
// incident's day, which adds weight × value to its score; as of the start
// of that day the incident does not count yet (no look-ahead).
// The incident without a culprit (an unpermitted discharge) names nobody.
func TestWaterTraceNamesThePlantedCulprits(t *testing.T) {
	td := traced(t)
	ctx := context.Background()
	m := Prior()
	for _, inc := range planted(t) {
		if inc.Culprit == "" {
			for _, h := range td.traces.Named {
				if h.Time.Equal(inc.Time) {
					t.Errorf("%s: an unexplained incident names %s", inc.ID, h.Facility)
				}
			}
			continue
		}
		after := inc.Time.Add(24 * time.Hour)
		fs, err := Compute(ctx, Input{Dir: td.dir, Traces: td.traces}, after)
		if err != nil {
			t.Fatal(err)
		}
		v := fs[inc.Culprit][TermWaterTrace]
		day := inc.Time.In(taipei).Format(time.DateOnly)
		if v.V <= 0 || v.Date.In(taipei).Format(time.DateOnly) != day {
			t.Errorf("%s: %s's water-trace suspicion %v dated %v, want > 0 dated %s (%s)", inc.ID, inc.Culprit, v.V, v.Date, day, v.Note)
		}
		s := m.Score(inc.Culprit, fs[inc.Culprit])
		for _, term := range s.Terms {
			if term.Name == TermWaterTrace && (term.Contribution != m.Weights[TermWaterTrace]*v.V || term.DataDate == nil || *term.DataDate != day) {
				t.Errorf("%s: term %+v", inc.ID, term)
			}
		}
		t0 := inc.Time.In(taipei)
		dayStart := time.Date(t0.Year(), t0.Month(), t0.Day(), 0, 0, 0, 0, taipei)
		before, err := Compute(ctx, Input{Dir: td.dir, Traces: td.traces}, dayStart)
		if err != nil {
			t.Fatal(err)
		}
		if w := before[inc.Culprit][TermWaterTrace]; w.V >= v.V {
			t.Errorf("%s: suspicion %v before the incident's day, %v after", inc.ID, w.V, v.V)
		}
	}
}

// TestWaterTraceCountsDaysOnce: an incident read in several parameters at
// one time counts once for the day, with the largest share; every value
// is within [0, TraceCap] and every facility not named has value 0 with
// the newest traced reading's date.
func TestWaterTraceCountsDaysOnce(t *testing.T) {
	td := traced(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, taipei)
	fs, err := Compute(context.Background(), Input{Dir: td.dir, Traces: td.traces}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]map[string]bool{}
	for _, h := range td.traces.Named {
		if h.Time.Before(asOf) && !h.Time.Before(asOf.Add(-TraceWindow)) {
			if days[h.Facility] == nil {
				days[h.Facility] = map[string]bool{}
			}
			days[h.Facility][h.Time.In(taipei).Format(time.DateOnly)] = true
		}
	}
	var newest time.Time
	for _, r := range td.dir.Water.CurrentReadings() {
		if r.Time.Before(asOf) && !r.Censored && r.Time.After(newest) {
			newest = r.Time
		}
	}
	for id, f := range fs {
		v := f[TermWaterTrace]
		n := float64(len(days[id]))
		switch {
		case n == 0 && (v.V != 0 || !v.Date.Equal(newest)):
			t.Errorf("%s: named by no trace, value %v dated %v (newest reading %v)", id, v.V, v.Date, newest)
		case n > 0 && (v.V <= 0 || v.V > math.Min(n, TraceCap)+1e-12):
			t.Errorf("%s: named on %v days, value %v", id, n, v.V)
		}
	}
}

// TestDumpingNearTheSite: a report 100 m from a facility raises its
// dumping term by one; one 5 km away, one after the as-of date and one
// older than the window do not.
func TestDumpingNearTheSite(t *testing.T) {
	d := readCentral(t)
	asOf := time.Date(2026, 9, 1, 0, 0, 0, 0, taipei)
	f := d.Water.Facilities[0]
	lon, lat, ok := f.Position()
	if !ok {
		t.Fatalf("%s has no location", f.EmsNo)
	}
	dLat := 1 / 111.2 // degrees per km of latitude
	tests := []struct {
		name string
		r    DumpingReport
		want float64
	}{
		{"100 m north", DumpingReport{ID: "D1", Lon: lon, Lat: lat + 0.1*dLat, Time: asOf.AddDate(0, -1, 0)}, 1},
		{"5 km north", DumpingReport{ID: "D2", Lon: lon, Lat: lat + 5*dLat, Time: asOf.AddDate(0, -1, 0)}, 0},
		{"after the ranking", DumpingReport{ID: "D3", Lon: lon, Lat: lat, Time: asOf.Add(time.Hour)}, 0},
		{"two years before", DumpingReport{ID: "D4", Lon: lon, Lat: lat, Time: asOf.AddDate(-2, 0, 0)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := Compute(context.Background(), Input{Dir: d, Dumping: []DumpingReport{tc.r}}, asOf)
			if err != nil {
				t.Fatal(err)
			}
			v := fs[f.EmsNo][TermDumping]
			if v.V != tc.want {
				t.Errorf("value %v, want %v (%s)", v.V, tc.want, v.Note)
			}
			if tc.r.Time.Before(asOf) && !v.Date.Equal(tc.r.Time) {
				t.Errorf("data date %v, want the report's %v", v.Date, tc.r.Time)
			}
		})
	}
}
