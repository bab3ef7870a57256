package odour

import (
	"math"
	"time"

	"github.com/envtrace/envtrace/atmos"
)

// OnsetCheck compares one sensor's onset, its first event in the window,
// with the time a candidate's plume could first reach it: the wind at the
// candidate turned to carry air towards the sensor at TurnedAt, and the
// air then needed TravelMinutes. A nearer factory in line with the true
// source reaches the sensors earlier than they rose.
type OnsetCheck struct {
	// PetitionID is the sensor's first event in the window.
	PetitionID string    `json:"petition_id"`
	Onset      time.Time `json:"onset"`
	TurnedAt   time.Time `json:"turned_at"`
	// TravelMinutes is distance over the wind speed at TurnedAt.
	TravelMinutes float64 `json:"travel_minutes"`
	// ResidualMinutes is Onset − (TurnedAt + TravelMinutes);
	// SigmaMinutes its expected error (slice, direction error over the
	// wind's turn rate, speed error over the travel time).
	ResidualMinutes float64 `json:"residual_minutes"`
	SigmaMinutes    float64 `json:"sigma_minutes"`
	// Likelihood is exp(−residual² / 2σ²).
	Likelihood float64 `json:"likelihood"`
}

// OnsetEvidence is the candidate's onset term: the checks of the sensors
// whose onset its wind history can time, and Factor, their geometric-mean
// likelihood (1 without checks), which multiplies the vote sum.
type OnsetEvidence struct {
	Checks  []OnsetCheck `json:"checks"`
	VoteSum float64      `json:"vote_sum"`
	Factor  float64      `json:"factor"`
}

// onsetStep is the resolution of the wind-turn search.
const onsetStep = time.Minute

// onset times the first event of every sensor (receptors at one position)
// in ps, from ≤ time, against candidate s's arrival after the wind turned
// towards the sensor. A sensor is left out when the wind at s did not
// carry towards it when the onset's air left s, when it already did over
// the whole trajectory window (no turn to time), or when the predicted
// arrival falls before from (the window cannot show when it rose).
func (e *Engine) onset(ps []*pet, s *site, from time.Time) *OnsetEvidence {
	out := &OnsetEvidence{Checks: []OnsetCheck{}, Factor: 1}
	seen := map[[2]float64]bool{}
	var sumLog float64
	for _, p := range ps {
		key := [2]float64{p.x, p.y}
		if seen[key] {
			continue
		}
		seen[key] = true
		if ck, ok := e.onsetCheck(p, s, from); ok {
			out.Checks = append(out.Checks, ck)
			sumLog += -ck.ResidualMinutes * ck.ResidualMinutes / (2 * ck.SigmaMinutes * ck.SigmaMinutes)
		}
	}
	if n := len(out.Checks); n > 0 {
		out.Factor = round(math.Exp(sumLog/float64(n)), 4)
	}
	return out
}

// onsetCheck times one sensor's onset p against site s.
func (e *Engine) onsetCheck(p *pet, s *site, from time.Time) (OnsetCheck, bool) {
	d := math.Hypot(p.x-s.x, p.y-s.y)
	bearing := atmos.Bearing(p.x-s.x, p.y-s.y)
	towards := func(t time.Time) (atmos.Sample, bool) {
		w, err := e.field.At(s.x, s.y, t)
		if err != nil {
			return w, false
		}
		f := w.FromDirection()
		return w, !math.IsNaN(f) && atmos.AngleDiff(bearing, f+180) <= p.spread
	}
	travel := func(w atmos.Sample) time.Duration {
		return time.Duration(d / math.Max(w.Speed, atmos.MinPlumeSpeed) * float64(time.Second))
	}
	w0, err := e.field.At(s.x, s.y, p.Time)
	if err != nil {
		return OnsetCheck{}, false
	}
	left := p.Time.Add(-travel(w0))
	if _, ok := towards(left); !ok {
		return OnsetCheck{}, false
	}
	limit := p.Time.Add(-time.Duration(e.opt.TrajectoryHours * float64(time.Hour)))
	turned := left
	for {
		t := turned.Add(-onsetStep)
		if t.Before(limit) {
			return OnsetCheck{}, false
		}
		if _, ok := towards(t); !ok {
			break
		}
		turned = t
	}
	w, _ := towards(turned)
	tau := travel(w)
	arrival := turned.Add(tau)
	if arrival.Before(from) {
		return OnsetCheck{}, false
	}
	// The turn rate at the turn converts the direction error into a
	// timing error.
	before, err := e.field.At(s.x, s.y, turned.Add(-10*time.Minute))
	rate := 0.0
	if err == nil && !math.IsNaN(before.FromDirection()) {
		rate = atmos.AngleDiff(w.FromDirection(), before.FromDirection()) / 10
	}
	slice := e.opt.OnsetSlice.Minutes()
	variance := slice * slice / 12
	if rate > 0 {
		dt := p.spread / rate
		variance += dt * dt
	} else {
		variance = math.Inf(1)
	}
	if se := p.conf.SpeedErrorMS; !math.IsNaN(se) && w.Speed > 0 {
		dt := tau.Minutes() * se / math.Max(w.Speed, atmos.MinPlumeSpeed)
		variance += dt * dt
	}
	r := p.Time.Sub(arrival).Minutes()
	if slice > 0 {
		r += slice / 2 // the event's slice starts at p.Time; the air arrived within it
	}
	sigma := math.Sqrt(variance)
	lik := math.Exp(-r * r / (2 * variance))
	return OnsetCheck{PetitionID: p.ID, Onset: p.Time, TurnedAt: turned, TravelMinutes: round(tau.Minutes(), 1),
		ResidualMinutes: round(r, 1), SigmaMinutes: round(sigma, 1), Likelihood: round(lik, 4)}, !math.IsInf(variance, 1)
}
