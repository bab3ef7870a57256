package suspect

import (
	"fmt"
	"math"
	"time"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/basin"
)

// The plume window: when did the water read at the traced station pass an
// upstream station? At T − τ (τ the network travel time between them),
// give or take
//
//	σ² = σ₀² + (cv·τ)² + σ_D²
//
// with σ₀ for the release's duration and the sampling time, cv the
// uncertainty of network velocities, and σ_D = √(2·D_L·x) / u the spread
// that longitudinal dispersion D_L gives a parcel over the distance x at
// velocity u = x/τ (Fischer et al., Mixing in Inland and Coastal Waters,
// 1979). Samples within ±2σ count, weighted by e^(−Δ²/2σ²).
const (
	sigmaBaseHours = 0.5
	travelCV       = 0.25
	dispersionM2s  = 30 // a mid value for Taiwan's small lowland rivers (10–100 m²/s)
	windowSigmas   = 2
)

// plumeSigma is σ (hours) for a station travelHours and distanceKm above
// the traced one.
func plumeSigma(travelHours, distanceKm float64) float64 {
	var disp float64
	if travelHours > 0 && distanceKm > 0 {
		x := distanceKm * 1000
		u := x / (travelHours * 3600)
		disp = math.Sqrt(2*dispersionM2s*x) / u / 3600
	}
	return math.Sqrt(sigmaBaseHours*sigmaBaseHours + (travelCV*travelHours)*(travelCV*travelHours) + disp*disp)
}

// sampleWeight is e^(−Δ²/2σ²) inside ±2σ, 0 outside: how much a sample Δ
// hours from the centre of its window says about the water in question.
func sampleWeight(deltaHours, sigma float64) float64 {
	if math.Abs(deltaHours) > windowSigmas*sigma {
		return 0
	}
	return math.Exp(-deltaHours * deltaHours / (2 * sigma * sigma))
}

// plumeWindow is the window around centre for σ hours.
func plumeWindow(centre time.Time, sigma float64) Window {
	half := time.Duration(windowSigmas * sigma * float64(time.Hour))
	return Window{From: centre.Add(-half), To: centre.Add(half)}
}

// stationHit is a checked upstream station, as bracketing uses it.
type stationHit struct {
	id          string
	travelHours float64
	verdict     string
	weight      float64
	time        time.Time
	above       *basin.Upstream
	// cleared and lowered are bracket's reasons for the outfalls this
	// clean station clears or lowers, formatted once per trace.
	cleared, lowered string
}

// checkStation tests an upstream station's samples within its plume window:
// dirty when one carries at least half the excess the traced reading
// shows (carried back by decay), clean otherwise, not comparable when no
// sample falls in the window. A continuous monitor is judged on every
// reading of the window: dirty if any is.
func (e *Engine) checkStation(id string, hrs, km float64, d *demand, tr *traceCtx) (StationCheck, stationHit) {
	sd := e.station(id)
	s := sd.byParam[d.p.ID]
	sigma := plumeSigma(hrs, km)
	centre := tr.t.Add(-time.Duration(hrs * float64(time.Hour)))
	win := plumeWindow(centre, sigma)
	c := StationCheck{Station: id, TravelHours: round(hrs, 2), Expected: centre.In(tr.loc).Round(time.Minute),
		Window: Window{From: win.From.In(tr.loc).Round(time.Minute), To: win.To.In(tr.loc).Round(time.Minute)}, Verdict: NotComparable}
	hit := stationHit{id: id, travelHours: hrs, verdict: NotComparable}
	st, _ := e.ds.Station(id)
	bl := baselineAt(st, d.p, s, centre)
	c.Background = round(bl.Median, 4)
	inWin := s.within(win.From, win.To)
	if len(inWin) == 0 {
		if p, ok := s.nearest(centre); ok {
			c.Time, c.Value = p.Time.In(tr.loc), p.Value
		}
		return c, hit
	}
	var best baseline.Point
	bestW, dirty := -1.0, false
	for _, p := range inWin {
		w := sampleWeight(p.Time.Sub(centre).Hours(), sigma)
		isDirty := d.carries(p, bl, hrs)
		switch {
		case isDirty && (!dirty || w > bestW):
			best, bestW, dirty = p, w, true
		case !isDirty && !dirty && w > bestW:
			best, bestW = p, w
		}
	}
	c.Time, c.Value, c.Weight = best.Time.In(tr.loc), best.Value, round(bestW, 3)
	c.Verdict = Clean
	if dirty {
		c.Verdict = Dirty
	}
	hit.verdict, hit.weight, hit.time = c.Verdict, bestW, best.Time
	return c, hit
}

// pointsBefore is the series' history up to t (nil-safe).
func (s *series) pointsBefore(t time.Time) []baseline.Point {
	if s == nil {
		return nil
	}
	return s.within(time.Time{}, t)
}

func (s *series) res() float64 {
	if s == nil {
		return 0
	}
	return s.resolution
}

// bracket is what the upstream stations say about an outfall at reach r,
// measure m: the bracketing factor, the deciding sample's weight, why in
// words, and the same in numbers (one note per station that counted, in
// the order of the words).
func bracket(checks []stationHit, r int32, m float64, loc *time.Location) (float64, float64, string, []BracketNote) {
	var cleanW float64
	var clean, dirtyBelow, dirtyAbove *stationHit
	for i := range checks {
		s := &checks[i]
		between := s.above.Contains(r, m) // the outfall drains through s
		switch {
		case between && s.verdict == Clean && s.weight > cleanW:
			cleanW, clean = s.weight, s
		case between && s.verdict == Dirty:
			dirtyBelow = s
		case !between && s.verdict == Dirty:
			dirtyAbove = s
		}
	}
	note := func(kind string, s *stationHit) BracketNote {
		return BracketNote{Kind: kind, Station: s.id, Time: s.time.In(loc), Weight: round(s.weight, 3)}
	}
	f, why := 1.0, ""
	var notes []BracketNote
	switch {
	case dirtyBelow != nil:
		f, why = dirtyBelowFactor, fmt.Sprintf("station %s between this outfall and the reading was already dirty: suspicion moves up to here", dirtyBelow.id)
		notes = append(notes, note(BracketDirtyBelow, dirtyBelow))
	case dirtyAbove != nil:
		f, why = dirtyAboveFactor, fmt.Sprintf("the excess was already present upstream at station %s, above this outfall", dirtyAbove.id)
		notes = append(notes, note(BracketDirtyAbove, dirtyAbove))
	}
	if clean != nil {
		cf := cleanFactor(cleanW)
		at := func() string { return clean.time.In(loc).Format("2006-01-02 15:04 -07:00") }
		if cf == 0 {
			if clean.cleared == "" {
				clean.cleared = fmt.Sprintf("station %s, downstream of this outfall, read clean at %s, near when the same water passed (weight %.2f)", clean.id, at(), cleanW)
			}
			return 0, cleanW, clean.cleared, []BracketNote{note(BracketCleared, clean)}
		}
		f *= cf
		if clean.lowered == "" {
			clean.lowered = fmt.Sprintf("station %s downstream of this outfall read clean at %s, at the edge of the window (weight %.2f): the score is lowered, not cleared", clean.id, at(), cleanW)
		}
		why = joinWhy(why, clean.lowered)
		notes = append(notes, note(BracketLowered, clean))
	}
	return f, cleanW, why, notes
}

func joinWhy(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
