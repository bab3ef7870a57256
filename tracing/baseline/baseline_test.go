package baseline

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
)

var tz = time.FixedZone("CST", 8*3600)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, tz) }

// monthly makes one reading on the 10th of each month from..to at 09:00.
func monthly(from, to time.Time, vals ...float64) []Point {
	var out []Point
	i := 0
	for t := from; !t.After(to) && i < len(vals); t = t.AddDate(0, 1, 0) {
		out = append(out, Point{Time: t, Value: vals[i]})
		i++
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestBounds checks median, MAD, spread and bounds against values worked
// out by hand.
func TestBounds(t *testing.T) {
	tests := []struct {
		name                string
		vals                []float64
		resolution          float64
		median, mad, spread float64
	}{
		// median 12; |x−12| = 2 1 0 1 18 → MAD 1; 1.4826 < 0.25·12 = 3.
		{"relative floor", []float64{10, 11, 12, 13, 30}, 0, 12, 1, 3},
		// median 20; |x−20| = 10 6 0 6 10 → MAD 6; 1.4826·6 = 8.8956 > 5.
		{"MAD", []float64{10, 14, 20, 26, 30}, 0, 20, 6, 8.8956},
		// all 0.002: MAD 0; the reporting step 0.001 beats 0.25·0.002.
		{"resolution floor", []float64{0.002, 0.002, 0.002, 0.002, 0.002, 0.002}, 0.001, 0.002, 0, 0.001},
		// even count: median (3+4)/2 = 3.5; |x−3.5| = 2.5 1.5 .5 .5 1.5 2.5 → MAD 1.5.
		{"even count", []float64{1, 2, 3, 4, 5, 6}, 0, 3.5, 1.5, 2.2239},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := monthly(at(2025, 1, 10, 9), at(2026, 1, 1, 0), tc.vals...)
			b := Compute(h, Query{Time: at(2026, 1, 10, 9), Resolution: tc.resolution, RelativeFloor: 0.25})
			if b.N != len(tc.vals) || !near(b.Median, tc.median) || !near(b.MAD, tc.mad) || !near(b.Spread, tc.spread) {
				t.Fatalf("n %d median %v MAD %v spread %v, want %d %v %v %v", b.N, b.Median, b.MAD, b.Spread, len(tc.vals), tc.median, tc.mad, tc.spread)
			}
			if !b.Sufficient() || !near(*b.Upper, tc.median+3.5*tc.spread) || !near(*b.Lower, tc.median-3.5*tc.spread) {
				t.Fatalf("bounds %v %v", *b.Lower, *b.Upper)
			}
		})
	}
}

func TestAbnormalByDirection(t *testing.T) {
	h := monthly(at(2025, 1, 10, 9), at(2026, 1, 1, 0), 10, 11, 12, 13, 30) // bounds 1.5 and 22.5
	b := Compute(h, Query{Time: at(2026, 1, 10, 9), RelativeFloor: 0.25})
	tests := []struct {
		v    float64
		dir  param.Direction
		want bool
	}{
		{23, param.HighIsBad, true}, {22, param.HighIsBad, false}, {1, param.HighIsBad, false},
		{1, param.LowIsBad, true}, {2, param.LowIsBad, false}, {25, param.LowIsBad, false},
		{1, param.BothWays, true}, {25, param.BothWays, true}, {12, param.BothWays, false},
	}
	for _, tc := range tests {
		if got := b.Abnormal(tc.v, tc.dir); got != tc.want {
			t.Errorf("Abnormal(%v, %v) = %v", tc.v, tc.dir, got)
		}
	}
}

// TestWindows: the same season of earlier years first, then the previous
// year, then insufficient.
func TestWindows(t *testing.T) {
	// Three years of monthly readings: the season around 10 July holds
	// June, July and August (±45 days) of 2024 and 2025, and June 2026.
	var h []Point
	for y := 2024; y <= 2026; y++ {
		for m := time.January; m <= time.December; m++ {
			v := 10.0
			if m >= time.June && m <= time.August {
				v = 30 // a wet-season level
			}
			if p := (Point{Time: at(y, m, 10, 9), Value: v}); p.Time.Before(at(2026, 7, 10, 9)) {
				h = append(h, p)
			}
		}
	}
	b := Compute(h, Query{Time: at(2026, 7, 10, 9)})
	if b.Window != Season || b.N != 7 || b.Median != 30 {
		t.Fatalf("season: %+v", b)
	}
	// From 2025 on, the season holds June–August 2025 and June 2026: four,
	// too few; the previous 365 days hold July 2025 to June 2026.
	b = Compute(h[12:], Query{Time: at(2026, 7, 10, 9)})
	if b.Window != Year || b.N != 12 || b.Median != 10 {
		t.Fatalf("one year back %+v", b)
	}
	b = Compute(h[len(h)-8:], Query{Time: at(2026, 7, 10, 9)})
	if b.Window != Year || b.N != 8 || b.Median != 10 {
		t.Fatalf("previous year: %+v", b)
	}
	b = Compute(h[len(h)-4:], Query{Time: at(2026, 7, 10, 9)})
	if b.Window != Insufficient || b.N != 4 || b.Sufficient() || b.Abnormal(1e6, param.HighIsBad) {
		t.Fatalf("insufficient: %+v", b)
	}
	if b := Compute(nil, Query{Time: at(2026, 7, 10, 9)}); b.N != 0 || b.Window != Insufficient {
		t.Fatalf("no history: %+v", b)
	}
}

// TestGuardAndHour: readings in the 12 hours before are left out (the
// event's own rising edge), and a continuous monitor is compared with the
// same time of day.
func TestGuardAndHour(t *testing.T) {
	var h []Point
	for d := 1; d <= 20; d++ {
		for hr := 0; hr < 24; hr++ {
			v := 1.0
			if hr >= 10 && hr <= 16 {
				v = 5 // a daytime level
			}
			h = append(h, Point{Time: at(2026, 8, d, hr), Value: v})
		}
	}
	// Spikes in the 12 hours before the traced reading at 04:00 on the 21st.
	for hr := 17; hr < 24; hr++ {
		h = append(h, Point{Time: at(2026, 8, 20, hr), Value: 100})
	}
	b := Compute(h, Query{Time: at(2026, 8, 21, 4), ByHour: true})
	// 03:00–05:00 of 20 days, the hours after 16:00 of the 20th excluded.
	if !b.ByHour || b.N != 60 || b.Median != 1 {
		t.Fatalf("by hour: %+v", b)
	}
	b = Compute(h, Query{Time: at(2026, 8, 21, 13), ByHour: true})
	if b.Median != 5 {
		t.Fatalf("daytime hours: %+v", b)
	}
}

func TestMedianFlow(t *testing.T) {
	h := []Point{{at(2026, 1, 1, 9), 1, 2}, {at(2026, 2, 1, 9), 1, 0}, {at(2026, 3, 1, 9), 1, 4}, {at(2026, 4, 1, 9), 1, 6},
		{at(2026, 5, 1, 9), 1, 8}}
	if b := Compute(h, Query{Time: at(2026, 6, 1, 9)}); b.MedianFlowM3s != 5 {
		t.Fatalf("median flow %v (flows 2 4 6 8, one unknown)", b.MedianFlowM3s)
	}
}

// TestSeasonOnly: water temperature is judged against the same season
// only; a year of winter readings says nothing about June.
func TestSeasonOnly(t *testing.T) {
	h := monthly(at(2026, 1, 10, 9), at(2026, 5, 10, 9), 16, 17, 19, 22, 25)
	if b := Compute(h, Query{Time: at(2026, 6, 10, 9), SeasonOnly: true}); b.Sufficient() || b.Window != Insufficient || b.N != 1 {
		t.Fatalf("season only: %+v", b)
	}
	if b := Compute(h, Query{Time: at(2026, 6, 10, 9)}); !b.Sufficient() || b.Window != Year {
		t.Fatalf("with the fallback: %+v", b)
	}
}

// TestBetweenSkipsExactly compares the scan that jumps over the hours a
// continuous monitor's baseline does not use with a scan of every point,
// over seeded histories: hourly and irregular series, times with seconds,
// fixed zones, zones with daylight saving (whose changes stop the jumps),
// and traced times at every minute of the day.
func TestBetweenSkipsExactly(t *testing.T) {
	zones := []*time.Location{time.UTC, tz, time.FixedZone("LMT", 8*3600+6*60+2)}
	for _, name := range []string{"America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Taipei"} {
		if loc, err := time.LoadLocation(name); err == nil {
			zones = append(zones, loc)
		}
	}
	rng := rand.New(rand.NewPCG(16, 2026))
	full := func(history []Point, from, to, of time.Time) []Point {
		var out []Point
		for _, p := range history {
			if !p.Time.Before(from) && p.Time.Before(to) && sameHourOfDay(p.Time, of) {
				out = append(out, p)
			}
		}
		return out
	}
	for k := range 400 {
		series := zones[rng.IntN(len(zones))]
		step := []time.Duration{time.Hour, 30 * time.Minute, 10 * time.Minute, 7*time.Hour + 13*time.Second}[rng.IntN(4)]
		start := time.Date(2024, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, series)
		var history []Point
		for t := start; len(history) < 3000; t = t.Add(step + time.Duration(rng.IntN(3))*time.Duration(rng.IntN(90))*time.Second) {
			history = append(history, Point{Time: t, Value: float64(len(history))})
		}
		of := history[rng.IntN(len(history))].Time.Add(time.Duration(rng.IntN(1440)) * time.Minute).In(zones[rng.IntN(len(zones))])
		from := history[rng.IntN(len(history)/2)].Time.Add(-time.Duration(rng.IntN(7200)) * time.Second)
		to := from.Add(time.Duration(1+rng.IntN(2000)) * time.Hour)
		var got sample // each point's value is its index in the history
		between(history, from, to, newHourFilter(true, of), &got)
		want := full(history, from, to, of)
		if len(got.vals) != len(want) {
			t.Fatalf("case %d (%s series, traced at %v): %d points kept, a full scan keeps %d", k, series, of, len(got.vals), len(want))
		}
		for i, v := range got.vals {
			if v != want[i].Value {
				t.Fatalf("case %d: point %d is history[%v], a full scan has history[%v] (%v)", k, i, v, want[i].Value, want[i].Time)
			}
		}
	}
}

// sameHourOfDay is the rule the hour filter applies, spelled out as the
// package doc states it: a within HourWindow hours of b's time of day, in
// b's zone, midnight wrapping.
func sameHourOfDay(a, b time.Time) bool {
	a = a.In(b.Location())
	d := math.Abs(float64(a.Hour()*60 + a.Minute() - (b.Hour()*60 + b.Minute())))
	return math.Min(d, 1440-d) <= HourWindow*60
}
