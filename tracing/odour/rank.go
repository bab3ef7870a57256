package odour

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/envtrace/envtrace/atmos"
)

// ErrUnknownPetition is wrapped when a traced petition id does not exist.
var ErrUnknownPetition = errors.New("unknown petition")

// UnknownPetitionError names the petition.
type UnknownPetitionError struct{ ID string }

// Error names the id.
func (e *UnknownPetitionError) Error() string { return fmt.Sprintf("petition %q does not exist", e.ID) }

// Unwrap makes errors.Is(err, ErrUnknownPetition) true.
func (e *UnknownPetitionError) Unwrap() error { return ErrUnknownPetition }

// Rank triangulates the traceable petitions with from ≤ time < to: votes
// for the candidate facilities, the likelihood surface and its maximum, the
// no-wind baseline, the confidence (or abstention) and the repeat tiers
// over the tier window ending at to.
func (e *Engine) Rank(ctx context.Context, from, to time.Time) (*Result, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("odour: the window's end %s is not after its start %s", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	res := &Result{From: &from, To: &to}
	rep, supported, err := e.repeat(ctx, to)
	if err != nil {
		return nil, err
	}
	res.Repeat = rep
	if err := e.attribute(ctx, e.window(from, to), res, false); err != nil {
		return nil, err
	}
	e.history(res, rep, supported, from)
	return res, nil
}

// Trace runs the upwind trace of one petition: its back-trajectory, the
// votes of the candidates whose odour profile matches its category, with
// their evidence, and a confidence that cannot exceed medium (one
// petition cannot be triangulated).
func (e *Engine) Trace(ctx context.Context, id string) (*Result, error) {
	i, ok := e.byID[id]
	if !ok {
		return nil, &UnknownPetitionError{ID: id}
	}
	p := &e.petitions[i]
	res := &Result{Petition: id}
	rep, supported, err := e.repeat(ctx, p.Time)
	if err != nil {
		return nil, err
	}
	var ps []*pet
	if p.Traceable() {
		ps = []*pet{p}
	}
	if err := e.attribute(ctx, ps, res, true); err != nil {
		return nil, err
	}
	e.history(res, rep, supported, p.Time)
	if len(ps) == 0 {
		res.Confidence.explain(ReasonNotTraceable, map[string]any{"petition": id, "category": p.Category.String(), "intensity": p.Intensity})
		return res, nil
	}
	if err := e.waterLink(ctx, p, res); err != nil {
		return nil, err
	}
	return res, e.trajectory(ctx, p, res)
}

// attribute fills candidates, surface, baseline and confidence; single
// marks a trace.
func (e *Engine) attribute(ctx context.Context, ps []*pet, res *Result, single bool) error {
	res.Petitions = len(ps)
	res.Grid = e.grid.String()
	res.Candidates = []Candidate{}
	res.Surface = []SurfaceCell{}
	res.Baseline = Baseline{Method: "each petition blames the nearest candidate, ignoring the wind", Ranking: []BaselineEntry{}}
	res.Confidence.Wind = e.windConfidence(ps)
	if len(ps) == 0 {
		res.Confidence.Level = LevelAbstain
		res.Confidence.explain(ReasonNoPetition, nil)
		return nil
	}
	sites := e.candidates(ps)
	if len(sites) == 0 {
		res.Confidence.Level = LevelAbstain
		res.Confidence.explain(ReasonNoMatch, map[string]any{"range_km": round(e.opt.MaxRangeM/1000, 0)})
		return nil
	}
	for _, s := range sites {
		if err := ctx.Err(); err != nil {
			return err
		}
		res.Candidates = append(res.Candidates, e.candidate(ps, s))
	}
	sort.SliceStable(res.Candidates, func(i, j int) bool {
		a, b := res.Candidates[i], res.Candidates[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Evidence.NearestM < b.Evidence.NearestM
	})
	surf, err := e.surface(ctx, ps, sites)
	if err != nil {
		return err
	}
	res.SurfaceMax = surf.max
	res.Surface = surf.cells
	for i := range res.Candidates {
		c := &res.Candidates[i]
		c.Evidence.Surface = round(surf.at[c.FacilityID]/math.Max(surf.max.Value, 1e-12), 4)
		c.Evidence.SurfaceRank = surf.rank[c.FacilityID]
	}
	res.Baseline = e.baseline(ps, sites)
	e.judge(res, single)
	e.explain(res, single)
	return nil
}

// candidate computes one facility's votes.
func (e *Engine) candidate(ps []*pet, s *site) Candidate {
	c := Candidate{FacilityID: s.f.EmsNo, Name: s.f.Name, Industry: s.f.Industry}
	c.Evidence = Evidence{Votes: []Vote{}, NearestM: math.Inf(1), Compliance: s.compliance}
	var total float64
	for _, p := range ps {
		c.Evidence.NearestM = math.Min(c.Evidence.NearestM, math.Hypot(p.x-s.x, p.y-s.y))
		m := MatchIndustry(p.Category, s.f.Industry)
		if m.Weight == 0 {
			continue
		}
		k := e.couple(p, s.x, s.y)
		v := round(k.ratio*m.Weight*s.compliance.Multiplier, 4)
		if v == 0 {
			continue
		}
		total += v
		if v >= e.opt.SupportVote {
			c.Evidence.Supporting++
		}
		c.Evidence.Votes = append(c.Evidence.Votes, e.voteOf(p, k, m, s, v))
	}
	c.Evidence.NearestM = math.Round(c.Evidence.NearestM)
	c.Score = round(total, 4)
	return c
}

// voteOf describes a vote: where the facility lies from the petition,
// where the wind came from, and how long the air took.
func (e *Engine) voteOf(p *pet, k coupling, m Match, s *site, v float64) Vote {
	d := math.Hypot(s.x-p.x, s.y-p.y)
	bearing := atmos.Bearing(s.x-p.x, s.y-p.y)
	vt := Vote{PetitionID: p.ID, Time: p.Time, Category: p.Category.String(), Intensity: p.Intensity, Vote: v,
		Plume: round(k.ratio, 4), Profile: m.Weight, ProfileReason: m.Reason, Compliance: s.compliance.Multiplier,
		DistanceM: math.Round(d), BearingDeg: round(bearing, 1), TravelMinutes: round(d/math.Max(k.wind.Speed, atmos.MinPlumeSpeed)/60, 1),
		WindSpeed: round(k.wind.Speed, 2), WindSource: k.wind.Source, WindClass: p.conf.Class}
	if from := k.wind.FromDirection(); !math.IsNaN(from) {
		up, off := round(from, 1), round(atmos.AngleDiff(bearing, from), 1)
		vt.UpwindDeg, vt.OffsetDeg = &up, &off
	}
	return vt
}

// windConfidence averages the petitions' wind confidence.
func (e *Engine) windConfidence(ps []*pet) atmos.Confidence {
	out := atmos.Confidence{DirectionErrorDeg: math.NaN(), SpeedErrorMS: math.NaN(), Method: "no petitions"}
	var d, s float64
	var n int
	for _, p := range ps {
		out.Method = p.conf.Method
		out.Hours += p.conf.Hours
		out.CalmHours += p.conf.CalmHours
		if math.IsNaN(p.conf.DirectionErrorDeg) {
			continue
		}
		d += p.conf.DirectionErrorDeg
		s += p.conf.SpeedErrorMS
		n++
	}
	if n > 0 {
		out.DirectionErrorDeg, out.SpeedErrorMS = round(d/float64(n), 1), round(s/float64(n), 2)
	}
	out.Class = atmos.ClassOf(out.DirectionErrorDeg, out.SpeedErrorMS)
	return out
}

// judge sets the confidence and, unless abstaining, the ranks. The
// decisive measure is the top candidate's share of the surface maximum:
// how many petitions its plume explains against how many a source at the
// best point anywhere would. A listed source explains nearly as many; when
// the true source is missing from the list, the best listed one explains
// markedly fewer.
func (e *Engine) judge(res *Result, single bool) {
	c := &res.Confidence
	top := res.Candidates[0]
	c.Support = round(top.Score/float64(res.Petitions), 3)
	c.Share = top.Evidence.Surface
	if len(res.Candidates) > 1 && top.Score > 0 {
		c.Runner = round(res.Candidates[1].Score/top.Score, 3)
	}
	if s := res.SurfaceMax; s != nil {
		c.SurfaceToTopM = e.distanceToFacility(s, top.FacilityID)
	}
	switch {
	case c.Wind.Class == atmos.Low:
		c.Level = LevelAbstain
		c.explain(ReasonWindUncertain, map[string]any{"direction_error_deg": round(c.Wind.DirectionErrorDeg, 0), "speed_error_ms": round(c.Wind.SpeedErrorMS, 1)})
	case c.Support < e.opt.MinSupport:
		c.Level = LevelAbstain
		c.explain(ReasonNothingUpwind, map[string]any{"facility_id": top.FacilityID, "score": round(top.Score, 2), "petitions": res.Petitions})
	case !single && c.Share < e.opt.MinShare:
		c.Level = LevelAbstain
		c.explain(ReasonNoStandout, map[string]any{"facility_id": top.FacilityID, "share_pct": round(c.Share*100, 0)})
	case c.Runner >= e.opt.AmbiguityRatio:
		c.Level = LevelLow
		c.explain(ReasonAmbiguous, map[string]any{"facility_id": top.FacilityID, "runner_up_id": res.Candidates[1].FacilityID, "runner_up_pct": round(c.Runner*100, 0)})
	case !single && c.SurfaceToTopM > e.opt.SurfaceAgreementM:
		c.Level = LevelLow
		c.explain(ReasonSurfaceFar, map[string]any{"facility_id": top.FacilityID, "distance_km": round(c.SurfaceToTopM/1000, 1)})
	case single || res.Petitions == 1:
		// A trace, or a ranking whose window holds one petition: one
		// receptor cannot triangulate, so medium at most. A ranking keeps
		// the surface checks above, which a trace skips.
		c.Level = LevelMedium
		c.explain(ReasonSinglePetition, map[string]any{"facility_id": top.FacilityID})
	case c.Wind.Class == atmos.High && c.Share >= 0.9 && c.Runner < 0.5:
		c.Level = LevelHigh
		c.explain(ReasonClearSource, map[string]any{"facility_id": top.FacilityID, "share_pct": round(c.Share*100, 0)})
	default:
		c.Level = LevelMedium
		c.explain(ReasonSupported, map[string]any{"facility_id": top.FacilityID, "share_pct": round(c.Share*100, 0), "distance_km": round(c.SurfaceToTopM/1000, 1)})
	}
	if c.Level == LevelAbstain {
		return
	}
	for i := range res.Candidates {
		res.Candidates[i].Rank = i + 1
	}
}

// baseline ranks candidates by how many petitions they are nearest to.
func (e *Engine) baseline(ps []*pet, sites []*site) Baseline {
	b := Baseline{Method: "each petition blames the nearest candidate, ignoring the wind"}
	count := map[string]int{}
	sum := map[string]float64{}
	for _, p := range ps {
		best, bd := "", math.Inf(1)
		for _, s := range sites {
			d := math.Hypot(p.x-s.x, p.y-s.y)
			sum[s.f.EmsNo] += d
			if d < bd {
				best, bd = s.f.EmsNo, d
			}
		}
		count[best]++
	}
	for _, s := range sites {
		b.Ranking = append(b.Ranking, BaselineEntry{FacilityID: s.f.EmsNo, Petitions: count[s.f.EmsNo], MeanM: math.Round(sum[s.f.EmsNo] / float64(len(ps)))})
	}
	sort.SliceStable(b.Ranking, func(i, j int) bool {
		if b.Ranking[i].Petitions != b.Ranking[j].Petitions {
			return b.Ranking[i].Petitions > b.Ranking[j].Petitions
		}
		return b.Ranking[i].MeanM < b.Ranking[j].MeanM
	})
	b.FacilityID = b.Ranking[0].FacilityID
	return b
}

// trajectory adds a traced petition's back-trajectory and each candidate's
// closest approach to it.
func (e *Engine) trajectory(ctx context.Context, p *pet, res *Result) error {
	tr, err := atmos.BackTrajectory(ctx, e.field, p.x, p.y, p.Time, atmos.TrajectoryOptions{
		Duration:          time.Duration(e.opt.TrajectoryHours * float64(time.Hour)),
		DirectionErrorDeg: p.conf.DirectionErrorDeg, SpeedErrorMS: p.conf.SpeedErrorMS,
	})
	if errors.Is(err, atmos.ErrNoWind) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, pt := range tr.Points {
		lon, lat := e.grid.Inverse(pt.X, pt.Y)
		res.Trajectory = append(res.Trajectory, TrajectoryPoint{Time: pt.Time, Lon: round(lon, 6), Lat: round(lat, 6), CrossM: math.Round(pt.CrossM), AlongM: math.Round(pt.AlongM)})
	}
	for i := range res.Candidates {
		c := &res.Candidates[i]
		s := e.site(c.FacilityID)
		best := TrajectoryEvidence{ClosestM: math.Inf(1)}
		for _, pt := range tr.Points {
			if d := math.Hypot(pt.X-s.x, pt.Y-s.y); d < best.ClosestM {
				best = TrajectoryEvidence{ClosestM: math.Round(d), ClosestSigmas: round(d/pt.CrossM, 2), MinutesBefore: round(p.Time.Sub(pt.Time).Minutes(), 1)}
			}
		}
		c.Evidence.Trajectory = &best
	}
	return nil
}

func (e *Engine) site(id string) *site {
	for i := range e.sites {
		if e.sites[i].f.EmsNo == id {
			return &e.sites[i]
		}
	}
	return nil
}

func (e *Engine) distanceToFacility(s *SurfaceMax, id string) float64 {
	f := e.site(id)
	x, y := e.grid.Forward(s.Lon, s.Lat)
	return math.Round(math.Hypot(x-f.x, y-f.y))
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
