package rpi

import (
	"slices"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// Latest is the index of one complete sample of a station.
type Latest struct {
	Result
	// Time is when that sample was taken.
	Time time.Time
}

// SeriesByStation computes, for every station of the readings, the index
// of each sample that measured DO, BOD5, SS and NH3-N together (at the
// same instant), oldest first: the RPI is defined per sample, so values
// from different days are never mixed. A station with no complete sample
// is absent from the map.
//
// Censoring rule: a censored value ("<0.02") counts at its detection
// limit. For BOD5, SS and NH3-N, the inputs laboratories report that way,
// this can only overstate the pollution class, never hide it; DO is not
// reported censored. Readings must be canonical (mg/L), as every Dataset
// is once indexed.
func SeriesByStation(readings []model.Reading) map[string][]Latest {
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
	out := map[string][]Latest{}
	for st, byTime := range samples {
		var series []Latest
		for _, s := range byTime {
			if len(s.values) != len(Inputs) {
				continue
			}
			if res, err := Compute(s.values); err == nil {
				series = append(series, Latest{Result: res, Time: s.time})
			}
		}
		if len(series) == 0 {
			continue
		}
		slices.SortFunc(series, func(a, b Latest) int { return a.Time.Compare(b.Time) })
		out[st] = series
	}
	return out
}

// LatestByStation is each station's most recent complete sample of
// SeriesByStation.
func LatestByStation(readings []model.Reading) map[string]Latest {
	out := map[string]Latest{}
	for st, series := range SeriesByStation(readings) {
		out[st] = series[len(series)-1]
	}
	return out
}
