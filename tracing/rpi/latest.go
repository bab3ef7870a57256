package rpi

import (
	"slices"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// Latest is the index of a station's most recent complete sample.
type Latest struct {
	Result
	// Time is when that sample was taken.
	Time time.Time
}

// LatestByStation computes, for every station of the readings, the index
// of its most recent sample that measured DO, BOD5, SS and NH3-N together
// (at the same instant): the RPI is defined per sample, so values from
// different days are never mixed. A station with no complete sample is
// absent from the map.
//
// Censoring rule: a censored value ("<0.02") counts at its detection
// limit. For BOD5, SS and NH3-N, the inputs laboratories report that way,
// this can only overstate the pollution class, never hide it; DO is not
// reported censored. Readings must be canonical (mg/L), as every Dataset
// is once indexed.
func LatestByStation(readings []model.Reading) map[string]Latest {
	type sample struct {
		time   time.Time
		values Measurements
	}
	samples := map[string]map[int64]*sample{}
	for i := range readings {
		r := &readings[i]
		if !slices.Contains(Inputs[:], r.Parameter) {
			continue
		}
		byTime := samples[r.Station]
		if byTime == nil {
			byTime = map[int64]*sample{}
			samples[r.Station] = byTime
		}
		s := byTime[r.Time.UnixNano()]
		if s == nil {
			s = &sample{time: r.Time, values: Measurements{}}
			byTime[r.Time.UnixNano()] = s
		}
		s.values[r.Parameter] = r.Value // the detection limit when censored
	}
	out := map[string]Latest{}
	for st, byTime := range samples {
		var best *sample
		for _, s := range byTime {
			if len(s.values) == len(Inputs) && (best == nil || s.time.After(best.time)) {
				best = s
			}
		}
		if best == nil {
			continue
		}
		if res, err := Compute(best.values); err == nil {
			out[st] = Latest{Result: res, Time: best.time}
		}
	}
	return out
}
