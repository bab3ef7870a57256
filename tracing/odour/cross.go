package odour

import (
	"math"
	"slices"
	"time"

	"github.com/envtrace/envtrace/atmos"
)

// Crossing is the check that lets a ranking of receptors timed to minutes
// (Options.CrossBearings: sensor events) rank although its wind is of
// class Low. Persistence grades a single station's wind by how much it
// turns from one hour to the next, the error of carrying one hour's wind
// across the hour: right for one petition, which has one time and one
// uncertain wind. Events spread over several hours are carried by the
// winds of their own hours, and when the wind turns between hours the
// upwind lines of different hours cross at the source (triangulation).
// Two upwind wedges of half-width e, the wind's direction error (the
// width the plumes are widened by), meet in a bounded place only when
// their directions differ by more than 2e; nearer directions leave the
// source anywhere along the wind.
//
// Over the hours whose events the top candidate's plume reaches (a vote's
// plume at least GatePlume, as in the explanation gate), each hour's mean
// upwind direction (a vector mean) is taken, and SpreadDeg is the widest
// angle between two of them. The check passes when SpreadDeg exceeds
// MinSpreadDeg = 2e. A passing ranking then meets every other rule, and
// its confidence is low at most: the wind is still uncertain.
type Crossing struct {
	FacilityID string `json:"facility_id"`
	// Hours counts the hours with an event the candidate's plume reaches.
	Hours int `json:"hours"`
	// SpreadDeg is the widest angle between two of those hours' mean
	// upwind directions; MinSpreadDeg twice the wind's direction error
	// (at least Options.MinSpreadDeg).
	SpreadDeg    float64 `json:"spread_deg"`
	MinSpreadDeg float64 `json:"min_spread_deg"`
	Passed       bool    `json:"passed"`
}

// crossing runs the Crossing check on the top candidate of a ranking
// whose wind is of class Low; nil when it does not apply (the option is
// off, a trace, one receptor, or no direction error was estimated).
func (e *Engine) crossing(res *Result, single bool) *Crossing {
	c := &res.Confidence
	if !e.opt.CrossBearings || single || res.Petitions < 2 || c.Wind.Class != atmos.Low || math.IsNaN(c.Wind.DirectionErrorDeg) {
		return nil
	}
	top := res.Candidates[0]
	x := &Crossing{FacilityID: top.FacilityID, MinSpreadDeg: round(2*math.Max(c.Wind.DirectionErrorDeg, e.opt.MinSpreadDeg), 1)}
	dirs := hourlyUpwind(top.Evidence.Votes)
	x.Hours = len(dirs)
	for i := range dirs {
		for j := i + 1; j < len(dirs); j++ {
			x.SpreadDeg = math.Max(x.SpreadDeg, atmos.AngleDiff(dirs[i], dirs[j]))
		}
	}
	x.SpreadDeg = round(x.SpreadDeg, 1)
	x.Passed = x.SpreadDeg > x.MinSpreadDeg
	return x
}

// hourlyUpwind gives, in time order, each hour's vector-mean upwind
// direction over the votes whose plume is at least GatePlume.
func hourlyUpwind(votes []Vote) []float64 {
	type acc struct{ u, v float64 }
	by := map[int64]*acc{}
	for _, v := range votes {
		if v.UpwindDeg == nil || v.Plume < GatePlume {
			continue
		}
		h := v.Time.Truncate(time.Hour).Unix()
		a := by[h]
		if a == nil {
			a = &acc{}
			by[h] = a
		}
		r := *v.UpwindDeg * math.Pi / 180
		a.u += math.Sin(r)
		a.v += math.Cos(r)
	}
	keys := make([]int64, 0, len(by))
	for h := range by {
		keys = append(keys, h)
	}
	slices.Sort(keys)
	out := make([]float64, 0, len(keys))
	for _, h := range keys {
		if a := by[h]; math.Hypot(a.u, a.v) > 1e-9 {
			out = append(out, atmos.Bearing(a.u, a.v))
		}
	}
	return out
}
