package atmos

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Puffs is a Gaussian puff model: each source releases a puff every
// Release carrying the mass emitted since the last one; puffs move with
// the field's wind at their centre (Heun steps of Step) and grow with
// Briggs' σ of their own travel distance under the current stability. A
// puff is elongated along its motion by the distance it was released over,
// σ_along² = σy² + (u·Release)²/12 (the variance of a uniform segment), so
// consecutive puffs join into a continuous plume in steady wind. The
// concentration at a receptor is the sum over puffs of
//
//	M / ((2π)^{3/2} σ_along σy σz) · exp(−a²/2σ_along² − c²/2σy²) · [vertical reflection]
//
// where a and c are the receptor's along- and cross-motion offsets.
type Puffs struct {
	Field Field
	// Plume supplies the release and receptor heights.
	Plume Plume
	// Lon, Lat place the area for the sun's elevation (stability).
	Lon, Lat float64
	// Release, Step and MaxAge default to 5 min, 2 min and 3 h.
	Release, Step, MaxAge time.Duration
}

// Source is a point emitter on the grid.
type Source struct {
	X, Y float64
	// Rate is the emission rate per second (g/s, or odour units per
	// second); Active, when set, switches the source on and off in time.
	Rate   float64
	Active func(time.Time) bool
}

// Receptor is a grid position where concentrations are wanted.
type Receptor struct{ X, Y float64 }

// puffMinSigma is the size of a puff at release, metres: a building's
// wake.
const puffMinSigma = 10.0

type puff struct {
	x, y, mass, travel float64
	born               time.Time
	ux, uy             float64 // last unit direction of motion
	along              float64 // release elongation, metres
}

func (m Puffs) withDefaults() Puffs {
	if m.Release <= 0 {
		m.Release = 5 * time.Minute
	}
	if m.Step <= 0 {
		m.Step = 2 * time.Minute
	}
	if m.MaxAge <= 0 {
		m.MaxAge = 3 * time.Hour
	}
	return m
}

// Average returns, for each output time (ascending) and each receptor, the
// mean concentration over the interval `window` ending at that time,
// sampled every Step. The simulation starts MaxAge before the first window
// so that puffs released earlier have arrived. Hours without wind release
// nothing and move nothing; a missing wind at a puff's position drops the
// puff.
func (m Puffs) Average(ctx context.Context, sources []Source, receptors []Receptor, outputs []time.Time, window time.Duration) ([][]float64, error) {
	if len(outputs) == 0 {
		return nil, nil
	}
	m = m.withDefaults()
	if m.Field == nil {
		return nil, errors.New("atmos: puff model without a wind field")
	}
	for i := 1; i < len(outputs); i++ {
		if !outputs[i].After(outputs[i-1]) {
			return nil, fmt.Errorf("atmos: puff output times must ascend (%s after %s)", outputs[i], outputs[i-1])
		}
	}
	out := make([][]float64, len(outputs))
	counts := make([]int, len(outputs))
	for i := range out {
		out[i] = make([]float64, len(receptors))
	}
	var puffs []puff
	start := outputs[0].Add(-window - m.MaxAge)
	end := outputs[len(outputs)-1]
	nextRelease := start
	dt := m.Step.Seconds()
	for now := start; !now.After(end); now = now.Add(m.Step) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !now.Before(nextRelease) {
			puffs = m.release(puffs, sources, now)
			nextRelease = nextRelease.Add(m.Release)
		}
		sunUp := SunUp(m.Lon, m.Lat, now)
		for k := range outputs {
			if now.After(outputs[k].Add(-window)) && !now.After(outputs[k]) {
				m.accumulate(out[k], puffs, receptors, now, sunUp)
				counts[k]++
			}
		}
		puffs = m.advect(puffs, now, dt)
	}
	for k := range out {
		for r := range out[k] {
			if counts[k] > 0 {
				out[k][r] /= float64(counts[k])
			}
		}
	}
	return out, nil
}

func (m Puffs) release(puffs []puff, sources []Source, now time.Time) []puff {
	for _, s := range sources {
		if s.Active != nil && !s.Active(now) {
			continue
		}
		w, err := m.Field.At(s.X, s.Y, now)
		if err != nil {
			continue
		}
		p := puff{x: s.X, y: s.Y, mass: s.Rate * m.Release.Seconds(), born: now, ux: 1}
		if sp := math.Hypot(w.U, w.V); sp > 0 {
			p.ux, p.uy = w.U/sp, w.V/sp // else east: a calm puff is round
			p.along = sp * m.Release.Seconds()
		}
		puffs = append(puffs, p)
	}
	return puffs
}

// advect moves every puff one Heun step and drops those too old or
// without wind.
func (m Puffs) advect(puffs []puff, now time.Time, dt float64) []puff {
	next := now.Add(m.Step)
	kept := puffs[:0]
	for _, p := range puffs {
		if next.Sub(p.born) > m.MaxAge {
			continue
		}
		w, err := m.Field.At(p.x, p.y, now)
		if err != nil {
			continue
		}
		px, py := p.x+w.U*dt, p.y+w.V*dt
		w2, err := m.Field.At(px, py, next)
		if err != nil {
			continue
		}
		nx, ny := p.x+0.5*(w.U+w2.U)*dt, p.y+0.5*(w.V+w2.V)*dt
		if d := math.Hypot(nx-p.x, ny-p.y); d > 0 {
			p.travel += d
			p.ux, p.uy = (nx-p.x)/d, (ny-p.y)/d
		}
		p.x, p.y = nx, ny
		kept = append(kept, p)
	}
	return kept
}

// accumulate adds every puff's concentration at each receptor.
func (m Puffs) accumulate(acc []float64, puffs []puff, receptors []Receptor, now time.Time, sunUp bool) {
	for _, p := range puffs {
		w, err := m.Field.At(p.x, p.y, now)
		if err != nil {
			continue
		}
		sy, sz := BriggsSigmas(StabilityClass(w.Speed, sunUp), p.travel)
		sy, sz = math.Max(sy, puffMinSigma), math.Max(sz, puffMinSigma)
		sa := math.Sqrt(sy*sy + p.along*p.along/12)
		norm := p.mass / (math.Pow(2*math.Pi, 1.5) * sa * sy * sz) * m.Plume.vertical(sz)
		reach := 4 * sa
		for r, rc := range receptors {
			dx, dy := rc.X-p.x, rc.Y-p.y
			if math.Abs(dx) > reach || math.Abs(dy) > reach {
				continue
			}
			a := dx*p.ux + dy*p.uy
			c := -dx*p.uy + dy*p.ux
			acc[r] += norm * math.Exp(-a*a/(2*sa*sa)-c*c/(2*sy*sy))
		}
	}
}
