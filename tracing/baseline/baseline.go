// Package baseline decides whether a river reading is abnormal for the
// station that took it, from that station's own history of the parameter.
// No one is named for a reading this package calls normal.
//
// # The rule
//
// The history is the station's readings of the parameter taken strictly
// before the traced one and more than GuardHours earlier (so that the
// rising edge of the same event does not lift its own baseline):
//
//  1. readings within ±SeasonDays (45) days of the traced reading's day of
//     year, in any earlier year (the same season: flows and temperatures
//     alike);
//  2. if fewer than MinSamples (5), the previous FallbackDays (365) days
//     (not for a quantity that follows the seasons, water temperature,
//     whose year-round history says nothing about one season);
//  3. if still fewer than MinSamples, the history is insufficient: the
//     median and MAD of what there is are reported, but no bounds.
//
// Continuous monitors (hourly DO, pH, conductivity, ammonia) follow a daily
// cycle, so their history is further restricted to readings within
// ±HourWindow (1) hour of the traced reading's time of day.
//
// From the n chosen values: the median m and the median absolute deviation
// MAD = Median(|xᵢ − m|) (unscaled). The spread is
//
//	s = max(1.4826·MAD, floor)
//
// where 1.4826·MAD estimates a normal standard deviation, and floor is the
// smallest spread the measurement itself supports: the caller's resolution
// (detection limit, reporting step or instrument uncertainty) or its
// relative floor times |m|, whichever is larger. A handful of monthly
// samples can agree by chance more closely than any laboratory measures,
// and an hourly monitor's day-to-day swings are wider than its hour-to-hour
// noise. tracing/param says which floor each parameter has (25 % for
// laboratory analyses; 0.2 pH, 0.5 °C and 0.5 mg/L of DO as amounts). The
// bounds are m ± K·s with K = 3.5, and a reading is abnormal when it lies beyond
// the bound on the side its parameter's direction makes bad (above for
// pollutants, below for dissolved oxygen, either for pH).
//
// The baseline also reports the median river flow of its window, so that a
// reading taken at a flow far above it (rain: runoff and dilution change
// what is normal) can be flagged; the flow does not select the history,
// because a station's few monthly samples rarely cover every flow.
package baseline

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
)

// The constants of the rule (package doc).
const (
	SeasonDays   = 45
	FallbackDays = 365
	MinSamples   = 5
	GuardHours   = 12
	HourWindow   = 1
	K            = 3.5
	MADScale     = 1.4826
)

// Point is one earlier reading: when, its value in the parameter's
// canonical unit (censored values at half the detection limit), and the
// river flow measured with it in m³/s (0 when none was).
type Point struct {
	Time  time.Time
	Value float64
	Flow  float64
}

// Window names the history a baseline was computed from.
type Window string

// The windows, in the order the rule tries them.
const (
	Season       Window = "season"        // ±45 days of the day of year
	Year         Window = "previous_year" // the previous 365 days
	Insufficient Window = "insufficient"  // fewer than MinSamples either way
)

// Baseline is a station's normal range for one parameter at one time.
type Baseline struct {
	// Median and MAD (unscaled) of the N values of the window.
	Median float64 `json:"median"`
	MAD    float64 `json:"mad"`
	N      int     `json:"n"`
	// Lower and Upper are Median ∓ K·Spread; nil when the history is
	// insufficient.
	Lower *float64 `json:"lower"`
	Upper *float64 `json:"upper"`
	// Spread is the s of the rule: max(1.4826·MAD, floor).
	Spread float64 `json:"spread"`
	// Window says which history was used; ByHour that only readings near
	// the same time of day were.
	Window Window `json:"window"`
	ByHour bool   `json:"by_hour"`
	// MedianFlowM3s is the median river flow of the window's readings
	// that measured one, 0 when none did.
	MedianFlowM3s float64 `json:"median_flow_m3s"`
}

// Sufficient reports whether the history was long enough for bounds.
func (b Baseline) Sufficient() bool { return b.Lower != nil && b.Upper != nil }

// Abnormal reports whether v lies beyond the bound on the side dir makes
// bad. An insufficient baseline calls nothing abnormal.
func (b Baseline) Abnormal(v float64, dir param.Direction) bool {
	if !b.Sufficient() {
		return false
	}
	high, low := v > *b.Upper, v < *b.Lower
	switch dir {
	case param.HighIsBad:
		return high
	case param.LowIsBad:
		return low
	case param.BothWays:
		return high || low
	}
	return false
}

// Query is the reading a baseline is computed for.
type Query struct {
	// Time is when the reading was taken.
	Time time.Time
	// ByHour restricts the history to the same time of day (continuous
	// monitors).
	ByHour bool
	// Resolution is the smallest difference the measurement resolves, in
	// the parameter's unit: its detection limit, reporting step or
	// instrument uncertainty (0 if unknown).
	Resolution float64
	// RelativeFloor is the share of the median the spread never falls
	// below (0 for none).
	RelativeFloor float64
	// SeasonOnly skips the previous-year fallback, for a quantity that
	// follows the seasons (water temperature).
	SeasonOnly bool
}

// Compute applies the rule to a station's history of one parameter,
// sorted by time.
func Compute(history []Point, q Query) Baseline {
	t := q.Time
	end := t.Add(-GuardHours * time.Hour)
	keep := newHourFilter(q.ByHour, t)
	var s sample
	seasonal(history, t, end, keep, &s)
	win := Season
	if len(s.vals) < MinSamples && !q.SeasonOnly {
		s.vals, s.flows = s.vals[:0], s.flows[:0]
		between(history, t.AddDate(0, 0, -FallbackDays), end, keep, &s)
		win = Year
	}
	vals, flows := s.vals, s.flows
	b := Baseline{N: len(vals), ByHour: q.ByHour, Window: win}
	if len(flows) > 0 {
		b.MedianFlowM3s = sortedMedian(flows)
	}
	if len(vals) == 0 {
		b.Window = Insufficient
		return b
	}
	b.Median = sortedMedian(vals)
	for i, v := range vals { // vals is sorted and used no more: reuse it
		vals[i] = math.Abs(v - b.Median)
	}
	b.MAD = sortedMedian(vals)
	b.Spread = math.Max(MADScale*b.MAD, math.Max(q.Resolution, q.RelativeFloor*math.Abs(b.Median)))
	if len(vals) < MinSamples {
		b.Window = Insufficient
		return b
	}
	lo, hi := b.Median-K*b.Spread, b.Median+K*b.Spread
	b.Lower, b.Upper = &lo, &hi
	return b
}

// seasonal adds to s the points within ±SeasonDays of t's day of year in t's
// year and every earlier year the history reaches, all before end.
func seasonal(history []Point, t, end time.Time, keep *hourFilter, s *sample) {
	if len(history) == 0 {
		return
	}
	first := history[0].Time
	for y := 0; ; y++ {
		centre := t.AddDate(-y, 0, 0)
		from, to := centre.AddDate(0, 0, -SeasonDays), centre.AddDate(0, 0, SeasonDays)
		if to.Before(first) {
			return
		}
		if to.After(end) {
			to = end
		}
		between(history, from, to, keep, s)
	}
}

// sample is what a baseline is computed from: the values of the points
// kept, and the flows measured with them.
type sample struct{ vals, flows []float64 }

func (s *sample) add(p Point) {
	s.vals = append(s.vals, p.Value)
	if p.Flow > 0 {
		s.flows = append(s.flows, p.Flow)
	}
}

// between adds to s the kept points with from ≤ time < to. A point the
// hour filter refuses tells how far ahead the next kept one can be at the
// earliest (hourFilter.skip), and the scan jumps there by binary search:
// an hourly monitor's history is read a few points a day, not 24.
func between(history []Point, from, to time.Time, keep *hourFilter, s *sample) {
	i := sort.Search(len(history), func(i int) bool { return !history[i].Time.Before(from) })
	for i < len(history) && history[i].Time.Before(to) {
		a := history[i].Time
		if !keep.on || keep.keeps(a) {
			s.add(history[i])
			i++
			continue
		}
		next, ok := keep.skip(a)
		if !ok {
			i++
			continue
		}
		rest := history[i+1:]
		i += 1 + sort.Search(len(rest), func(k int) bool { return !rest[k].Time.Before(next) })
	}
}

// hourFilter keeps, when on, the points within HourWindow hours of of's
// time of day, in of's zone (midnight wraps). It remembers the zone offset
// of the last point it placed and the instants that offset holds for
// (time.Time.ZoneBounds), so that a point's time of day is arithmetic on
// its Unix time instead of a conversion into the zone for every point.
type hourFilter struct {
	on  bool
	loc *time.Location
	mb  int // of's minute of the day
	// off is loc's offset (s) from lo to hi (Unix seconds, hi excluded);
	// lo > hi until the first point is placed.
	off, lo, hi int64
}

func newHourFilter(on bool, of time.Time) *hourFilter {
	return &hourFilter{on: on, loc: of.Location(), mb: of.Hour()*60 + of.Minute(), lo: 1, hi: 0}
}

// local returns a's seconds since midnight in the filter's zone, and the
// end of the zone offset's span (Unix seconds; math.MaxInt64 for none).
func (h *hourFilter) local(a time.Time) (int64, int64) {
	sec := a.Unix()
	if sec < h.lo || sec >= h.hi {
		z := a.In(h.loc)
		_, off := z.Zone()
		start, end := z.ZoneBounds()
		h.off, h.lo, h.hi = int64(off), math.MinInt64, math.MaxInt64
		if !start.IsZero() {
			h.lo = start.Unix()
		}
		if !end.IsZero() {
			h.hi = end.Unix()
		}
	}
	day := (sec + h.off) % 86400
	if day < 0 {
		day += 86400
	}
	return day, h.hi
}

// keeps reports whether a is within HourWindow hours of the filter's time
// of day.
func (h *hourFilter) keeps(a time.Time) bool {
	day, _ := h.local(a)
	d := int(day/60) - h.mb
	if d < 0 {
		d = -d
	}
	return min(d, 1440-d) <= HourWindow*60
}

// skip returns, for a point at a that keeps refuses, an instant before
// which no later point can be kept: the start of the first minute of the
// kept window of hours after a's time of day, less a minute (offsets with
// seconds), in the zone's offset at a. It is false when the zone's offset
// changes before then (daylight saving), where the scan steps point by
// point instead, so the points kept are exactly those of a full scan.
func (h *hourFilter) skip(a time.Time) (time.Time, bool) {
	day, end := h.local(a)
	ma := int(day / 60)
	first := ((h.mb-HourWindow*60-ma)%1440 + 1440) % 1440 // minutes from ma to the window's first minute
	if first <= 1 {
		return time.Time{}, false
	}
	next := a.Add(time.Duration(first-1)*time.Minute - time.Duration(day%60)*time.Second - time.Duration(a.Nanosecond()))
	if end != math.MaxInt64 && next.Unix() >= end {
		return time.Time{}, false
	}
	return next, true
}

// Median is the median of v (v is not changed): the middle value, or the
// mean of the two middle ones; 0 for no values.
func Median(v []float64) float64 {
	return sortedMedian(slices.Clone(v))
}

// sortedMedian is Median of s, which it sorts in place.
func sortedMedian(s []float64) float64 {
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
