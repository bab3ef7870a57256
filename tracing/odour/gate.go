package odour

import (
	"math"
	"slices"
	"time"
)

// Explanation is the explanation gate's check of the top candidate of a
// ranking that the other rules would name with medium or high confidence:
// a verdict names a suspect only when the suspect explains the abnormal
// readings, not only when it is the best of the listed facilities. Two
// tests, each of which can only lower the confidence to low (the ranking
// is never reordered):
//
//   - the ratio test against an unknown source: the top candidate must
//     explain at least MinShare of what a source at the likelihood
//     surface's maximum, anywhere, would (Share);
//   - the side test: over the hours whose petitions its plume reaches
//     (a vote's plume at least GatePlume), the petitions must not lie
//     consistently to one side of its plume axis. Each hour's mean signed
//     offset (bearing to the facility minus the direction the wind came
//     from) is averaged over the hours; a true source's hourly offsets
//     scatter around 0 by the wind's direction error, so the mean may
//     not exceed MaxZ standard errors σ/√hours, σ = √(π/2) × the wind's
//     mean absolute direction error (at least MinSpreadDeg).
type Explanation struct {
	// FacilityID is the candidate checked; LevelBefore the level the
	// other rules gave, which the gate kept or lowered to low.
	FacilityID  string `json:"facility_id"`
	LevelBefore string `json:"level_before"`
	Passed      bool   `json:"passed"`
	// Share is the candidate's share of the surface maximum and MinShare
	// the least the gate accepts.
	Share    float64 `json:"share"`
	MinShare float64 `json:"min_share"`
	// Hours counts the hours its plume reaches a petition; OffsetDeg is
	// the mean of their hourly mean signed offsets (positive: the
	// facility lies clockwise of the upwind direction), SigmaDeg the
	// hourly spread a true source allows, Z = |OffsetDeg| / (SigmaDeg /
	// √Hours) and MaxZ the largest the gate accepts. The side test needs
	// two hours; with fewer, Z is 0.
	Hours     int     `json:"hours"`
	OffsetDeg float64 `json:"offset_deg"`
	SigmaDeg  float64 `json:"sigma_deg"`
	Z         float64 `json:"z"`
	MaxZ      float64 `json:"max_z"`
}

// GatePlume is the plume coupling from which a petition counts as reached
// by a candidate's plume in the side test (a tenth of the reference
// centreline at the detection range).
const GatePlume = 0.1

// explain is the explanation gate (see Explanation): it runs on a ranking
// the other rules would name with medium or high confidence, records its
// numbers in the confidence and lowers the level to low when the top
// candidate fails a test. A trace (one petition) is left alone: one
// receptor has neither a surface to compare with nor hours to average.
func (e *Engine) explain(res *Result, single bool) {
	c := &res.Confidence
	if single || (c.Level != LevelMedium && c.Level != LevelHigh) {
		return
	}
	top := res.Candidates[0]
	x := &Explanation{FacilityID: top.FacilityID, LevelBefore: c.Level, Share: c.Share, MinShare: e.opt.ExplainShare, MaxZ: e.opt.ExplainZ}
	x.Hours, x.OffsetDeg = hourlyOffset(top.Evidence.Votes)
	spread := c.Wind.DirectionErrorDeg
	if math.IsNaN(spread) {
		spread = e.opt.NoSpreadDeg
	}
	x.SigmaDeg = round(math.Sqrt(math.Pi/2)*math.Max(spread, e.opt.MinSpreadDeg), 1)
	if x.Hours >= 2 {
		x.Z = round(math.Abs(x.OffsetDeg)/(x.SigmaDeg/math.Sqrt(float64(x.Hours))), 2)
	}
	x.OffsetDeg = round(x.OffsetDeg, 1)
	x.Passed = x.Share >= x.MinShare && x.Z <= x.MaxZ
	c.Explanation = x
	switch {
	case x.Share < x.MinShare:
		c.Level = LevelLow
		c.explain(ReasonNotExplained, map[string]any{"facility_id": x.FacilityID, "share_pct": round(x.Share*100, 1), "min_share_pct": round(x.MinShare*100, 1)})
	case x.Z > x.MaxZ:
		c.Level = LevelLow
		c.explain(ReasonBesidePlume, map[string]any{"facility_id": x.FacilityID, "offset_deg": x.OffsetDeg, "hours": x.Hours,
			"allowed_deg": round(x.MaxZ*x.SigmaDeg/math.Sqrt(float64(x.Hours)), 1)})
	}
}

// hourlyOffset averages, over the hours with a vote whose plume is at
// least GatePlume, each hour's mean signed offset between the bearing to
// the facility and the upwind direction.
func hourlyOffset(votes []Vote) (hours int, mean float64) {
	type acc struct {
		sum float64
		n   int
	}
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
		a.sum += math.Remainder(v.BearingDeg-*v.UpwindDeg, 360)
		a.n++
	}
	keys := make([]int64, 0, len(by))
	for h := range by {
		keys = append(keys, h)
	}
	slices.Sort(keys) // a fixed order of summation
	for _, h := range keys {
		mean += by[h].sum / float64(by[h].n)
	}
	if len(by) > 0 {
		mean /= float64(len(by))
	}
	return len(by), mean
}
