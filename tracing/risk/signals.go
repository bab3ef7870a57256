package risk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// Windows, radius and cap of the water-trace and dumping terms
// (docs/inspection.md).
const (
	// TraceWindow: the explained traces of the readings of the year
	// before as-of count.
	TraceWindow = 365 * 24 * time.Hour
	// TraceCap caps the water-trace suspicion (suspect-days).
	TraceCap = 10.0
	// DumpingWindow and DumpingRadiusM: dumping reports within 1 km of
	// the site in the year before as-of count.
	DumpingWindow  = 365 * 24 * time.Hour
	DumpingRadiusM = 1000
)

// Traces are the water traces of a dataset's readings, recomputed from
// the readings by the verdict rules of tracing/suspect: a facility is
// named only by a trace whose reading is abnormal and that it can explain.
// They are computed once per dataset (TraceReadings) and counted as of
// any date (Compute), so calibration sees, at each quarter, only the
// traces of readings taken before it.
type Traces struct {
	// Named holds one entry per suspect of every explained trace.
	Named []TraceName
	// Traced are the times of the readings traced, sorted: the data the
	// term rests on, also for a facility that no trace names.
	Traced []time.Time
	// Skipped counts the readings that could not be traced (no flow, a
	// station off the network); they name nobody.
	Skipped int
}

// TraceName is one facility named by one explained trace.
type TraceName struct {
	Facility  string
	Station   string
	Parameter string
	// Time is the traced reading's time.
	Time time.Time
	// Share is the facility's score over the sum of the trace's suspects'
	// scores: a trace naming one suspect gives it 1, a trace naming
	// several splits 1 by their evidence.
	Share float64
}

// TraceReadings traces every uncensored reading of rs with eng and keeps
// the suspects of the explained traces. A reading judged within its
// normal range, not traceable or unexplained names nobody. Readings the
// engine cannot trace (no flow known, a station off the network, an
// unknown parameter) are counted in Skipped, not fatal: one bad station
// must not stop a ranking.
func TraceReadings(ctx context.Context, eng *suspect.Engine, rs []model.Reading) (*Traces, error) {
	t := &Traces{}
	for i, r := range rs {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("risk: water traces: %w", err)
			}
		}
		if r.Censored {
			continue
		}
		res, err := eng.Trace(ctx, suspect.Request{Station: r.Station, Parameter: r.Parameter, Value: r.Value,
			Unit: r.Unit, Time: r.Time})
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("risk: water traces: %w", err)
		}
		if err != nil {
			t.Skipped++
			continue
		}
		t.Traced = append(t.Traced, r.Time)
		if res.Verdict != suspect.VerdictExplained {
			continue
		}
		var sum float64
		for _, s := range res.Suspects {
			sum += s.Score
		}
		for _, s := range res.Suspects {
			share := 1 / float64(len(res.Suspects))
			if sum > 0 {
				share = s.Score / sum
			}
			t.Named = append(t.Named, TraceName{Facility: s.FacilityID, Station: r.Station, Parameter: r.Parameter,
				Time: r.Time, Share: share})
		}
	}
	sort.Slice(t.Traced, func(a, b int) bool { return t.Traced[a].Before(t.Traced[b]) })
	return t, nil
}

// With is t followed by more: the traces of readings that arrived after
// t's were traced (a running server's new readings), so that the term
// follows them without tracing every reading again. Neither t nor more is
// changed, since rankings under way keep reading t; either may be nil (a
// nil t is no reading traced yet).
func (t *Traces) With(more *Traces) *Traces {
	if t == nil {
		t = &Traces{}
	}
	if more == nil {
		return t
	}
	out := &Traces{
		Named:   append(append(make([]TraceName, 0, len(t.Named)+len(more.Named)), t.Named...), more.Named...),
		Traced:  make([]time.Time, 0, len(t.Traced)+len(more.Traced)),
		Skipped: t.Skipped + more.Skipped,
	}
	// Both are sorted: merge them, so that a late reading (one dated
	// before readings already traced) keeps Traced sorted.
	i, j := 0, 0
	for i < len(t.Traced) && j < len(more.Traced) {
		if more.Traced[j].Before(t.Traced[i]) {
			out.Traced = append(out.Traced, more.Traced[j])
			j++
		} else {
			out.Traced = append(out.Traced, t.Traced[i])
			i++
		}
	}
	out.Traced = append(append(out.Traced, t.Traced[i:]...), more.Traced[j:]...)
	return out
}

// waterTraces is every facility's water-trace suspicion as of asOf: the
// explained traces of the readings of the TraceWindow before it naming
// the facility, each Taiwan day counting once with the largest share that
// day names it by (one incident read at several stations or in several
// parameters is one), summed and capped at TraceCap. The data date is the
// newest reading naming the facility, else the newest reading traced.
func waterTraces(t *Traces, asOf time.Time) (map[string]Value, Value) {
	if t == nil {
		return nil, Value{Note: "no data: no river network to trace the readings on"}
	}
	n := sort.Search(len(t.Traced), func(i int) bool { return !t.Traced[i].Before(asOf) })
	if n == 0 {
		return nil, Value{Note: "no data: no readings before the ranking"}
	}
	none := Value{Date: t.Traced[n-1], Note: fmt.Sprintf("no explained trace of the last year's readings names it (%d readings traced to date)", n)}
	from := asOf.Add(-TraceWindow)
	days := map[string]map[string]*traceDay{}
	for _, h := range t.Named {
		if h.Time.Before(from) || !h.Time.Before(asOf) {
			continue
		}
		d := h.Time.In(taipei).Format(time.DateOnly)
		if days[h.Facility] == nil {
			days[h.Facility] = map[string]*traceDay{}
		}
		td := days[h.Facility][d]
		if td == nil {
			td = &traceDay{readings: map[string]bool{}}
			days[h.Facility][d] = td
		}
		td.share = math.Max(td.share, h.Share)
		td.readings[h.Station+" "+h.Parameter] = true
		td.newest = later(td.newest, h.Time)
	}
	out := map[string]Value{}
	for id, ds := range days {
		v := Value{}
		list := make([]string, 0, len(ds))
		for d, td := range ds {
			v.V += td.share
			v.Date = later(v.Date, td.newest)
			rs := make([]string, 0, len(td.readings))
			for r := range td.readings {
				rs = append(rs, r)
			}
			sort.Strings(rs)
			list = append(list, fmt.Sprintf("%s share %.2f: %s", d, td.share, strings.Join(rs, ", ")))
		}
		sort.Strings(list)
		v.V = math.Min(v.V, TraceCap)
		v.Note = fmt.Sprintf("named by explained water traces on %d day(s) of the last year (%s)", len(ds), strings.Join(list, "; "))
		out[id] = v
	}
	return out, none
}

// traceDay is one facility's explained traces of one Taiwan day.
type traceDay struct {
	share    float64
	readings map[string]bool // "station parameter"
	newest   time.Time
}

// DumpingReport is a dumping report as the ranking counts it: where and
// when it was made. The caller (the dumping desk's repository) gives one
// per dump, duplicates left out.
type DumpingReport struct {
	ID       string
	Lon, Lat float64
	Time     time.Time
}

// dumpingNear counts the dumping reports within DumpingRadiusM of the
// site in the DumpingWindow before asOf. The data date is the newest
// report before asOf anywhere, as for petitions: the desk was read up to
// then.
func dumpingNear(rs []DumpingReport, lon, lat float64, located bool, asOf time.Time) Value {
	if len(rs) == 0 {
		return Value{Note: "no data: no dumping reports"}
	}
	if !located {
		return Value{Note: "no data: the facility has no location"}
	}
	v := Value{}
	for _, r := range rs {
		if !r.Time.Before(asOf) {
			continue
		}
		v.Date = later(v.Date, r.Time)
		if !r.Time.Before(asOf.Add(-DumpingWindow)) && Haversine(lon, lat, r.Lon, r.Lat) <= DumpingRadiusM {
			v.V++
		}
	}
	if v.Date.IsZero() {
		return Value{Note: "no data: no dumping reports before the ranking"}
	}
	v.Note = fmt.Sprintf("%g dumping reports within 1 km in the last year", v.V)
	return v
}
