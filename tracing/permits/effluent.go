package permits

import (
	"fmt"
	"math"
	"slices"

	"github.com/envtrace/envtrace/tracing/anomaly"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// Check names of the effluent anomaly screen, one per anomaly kind.
const (
	CheckEffluentSpike      = "effluent-spike"
	CheckEffluentShift      = "effluent-shift"
	CheckEffluentStuck      = "effluent-stuck"
	CheckEffluentImpossible = "effluent-impossible"
)

// effluentCheck names the check and grades each anomaly kind. A flat line
// from an online monitor is what falsified monitoring looks like, so a
// long one is high; a level shift (a process or instrument change nobody
// reported) is medium, as is a physically impossible value (a failing
// probe); an isolated spike is low, a day to ask about.
func effluentCheck(f anomaly.Flag) (string, Severity) {
	switch f.Kind {
	case anomaly.Stuck:
		if f.Len >= 30 {
			return CheckEffluentStuck, High
		}
		return CheckEffluentStuck, Medium
	case anomaly.Shift:
		return CheckEffluentShift, Medium
	case anomaly.Impossible:
		return CheckEffluentImpossible, Medium
	}
	return CheckEffluentSpike, Low
}

// effluentSeries groups a facility's online monitoring readings into
// series (outfall, parameter), each in time order, values in the
// parameter's canonical unit.
func effluentSeries(ds *model.Dataset, ems string) ([]model.EffluentKey, map[model.EffluentKey][]*model.EffluentReading) {
	series := map[model.EffluentKey][]*model.EffluentReading{}
	var keys []model.EffluentKey
	for _, r := range ds.EffluentOf(ems) {
		k := r.Key()
		if _, ok := series[k]; !ok {
			keys = append(keys, k)
		}
		series[k] = append(series[k], r)
	}
	for _, k := range keys {
		slices.SortStableFunc(series[k], func(a, b *model.EffluentReading) int { return a.Time.Compare(b.Time) })
	}
	return keys, series
}

// effluentFindings screens each online monitoring series of a facility
// with tracing/anomaly (its per-parameter presets) and turns every flag
// into a finding with the numbers behind it.
func effluentFindings(ds *model.Dataset, f *model.Facility) []Finding {
	keys, series := effluentSeries(ds, f.EmsNo)
	var out []Finding
	for _, k := range keys {
		rs := series[k]
		p, err := param.Lookup(k.Parameter)
		if err != nil {
			continue // the dataset was validated; nothing to screen
		}
		cfg, err := anomaly.ForParameter(p.ID)
		if err != nil {
			continue
		}
		xs := make([]float64, len(rs))
		for i, r := range rs {
			if xs[i], err = p.Canonical(r.Value, r.Unit); err != nil {
				xs[i] = math.NaN()
			}
		}
		flags, err := anomaly.Screen(xs, cfg)
		if err != nil {
			continue
		}
		for _, fl := range flags {
			out = append(out, effluentFinding(f.EmsNo, k, p, rs, fl))
		}
	}
	return out
}

// effluentFinding describes one flag of one series.
func effluentFinding(ems string, k model.EffluentKey, p param.Parameter, rs []*model.EffluentReading, fl anomaly.Flag) Finding {
	check, sev := effluentCheck(fl)
	day := rs[fl.Index].Time.Format("2006-01-02")
	where := "the online monitor"
	if k.Outfall != "" {
		where = "the online monitor at " + k.Outfall
	}
	unit := p.Unit
	nums := map[string]float64{"value": round(fl.Value, 4)}
	var msg string
	switch fl.Kind {
	case anomaly.Spike:
		nums["expected"], nums["robust_sigmas"] = round(fl.Expected, 4), round(fl.Score, 1)
		msg = fmt.Sprintf("%s %s on %s: %.4g %s against a local median of %.4g %s (%.1f robust σ)",
			where, p.ID, day, fl.Value, unit, fl.Expected, unit, fl.Score)
	case anomaly.Shift:
		nums["before"], nums["score"] = round(fl.Expected, 4), round(fl.Score, 1)
		msg = fmt.Sprintf("%s %s shifted from a median of %.4g %s to %.4g %s on %s (%.1f robust σ)",
			where, p.ID, fl.Expected, unit, fl.Value, unit, day, fl.Score)
	case anomaly.Stuck:
		end := rs[min(fl.Index+fl.Len, len(rs))-1].Time.Format("2006-01-02")
		nums["values"] = float64(fl.Len)
		msg = fmt.Sprintf("%s %s stuck at %.4g %s for %d values, %s to %s: a working sensor never reads this flat",
			where, p.ID, fl.Value, unit, fl.Len, day, end)
	case anomaly.Impossible:
		msg = fmt.Sprintf("%s %s on %s: %.4g %s is physically impossible (a failing probe or a data error)",
			where, p.ID, day, fl.Value, unit)
	}
	return Finding{Facility: ems, Check: check, Severity: sev, Message: msg, Numbers: nums, Period: day,
		Outfall: k.Outfall, Parameter: p.ID}
}
