package suspect

import (
	"math"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/industry"
	"github.com/envtrace/envtrace/tracing/load"
	"github.com/envtrace/envtrace/tracing/oxygen"
	"github.com/envtrace/envtrace/tracing/param"
)

// demand is what a discharger must explain: the excess at the station, in
// the terms of the parameter's tracing method.
type demand struct {
	p      param.Parameter
	method param.Method
	// excess is the bad-side excess at the station (mg/L, µS/cm, °C, pH
	// units; for DO the deficit below background).
	excess float64
	// high is the side of a pH excursion: alkaline when true.
	high bool
	// flow is the river flow at the station, m³/s.
	flow float64
	// k is the first-order rate (1/day) at which the excess fades on its
	// way down: the parameter's decay for loads, the excess relaxation of
	// an intensive tracer; 0 when conservative.
	k float64
	// tempC is the water temperature of the rate corrections.
	tempC float64
	// background is the station's normal level (baseline median): what
	// mixing tracers must exceed, and the river DO an anoxic effluent
	// removes.
	background float64
}

// carries reports whether an upstream sample shows the excess the traced
// reading does, carried back up: it must be abnormal against its own
// station's baseline on the same side (when that baseline suffices), and
// hold at least half the excess the water that passed it would have had.
// Where flows are known, that water had the traced excess × Q_t / Q_s if
// it was diluted on its way down (Q_s < Q_t), and the traced excess itself
// if it was divided (a canal taking part of a river, Q_s > Q_t).
func (d *demand) carries(pt baseline.Point, bl baseline.Baseline, hours float64) bool {
	dir := d.p.Direction
	if d.method == param.MethodTiming {
		dir = param.LowIsBad
		if d.high {
			dir = param.HighIsBad
		}
	}
	if bl.Sufficient() && !bl.Abnormal(pt.Value, dir) {
		return false
	}
	ex := pt.Value - bl.Median
	if dir == param.LowIsBad {
		ex = -ex
	}
	if ex <= 0 {
		return false
	}
	want := 0.5 * d.excess * math.Exp(d.k*hours/24)
	if (d.method == param.MethodLoad || d.method == param.MethodMixing) && pt.Flow > 0 && d.flow > 0 {
		want *= math.Max(1, d.flow/pt.Flow)
	}
	return ex >= want
}

// capacity is a candidate's side of the balance: what it would have had to
// release, what its permit allows, and the most it could release at all.
type capacity struct {
	requiredKgDay, permittedKgDay, maxKgDay float64
	requiredConc, plausibleMax              float64
	// loadRatio is required over permitted (0 unknown), capacityRatio
	// required over the most it could (0 unknown).
	loadRatio, capacityRatio float64
	canCarry                 bool
}

// capacityOf dispatches on the tracing method.
func (d *demand) capacityOf(c *candidate, hours, km float64) capacity {
	switch d.method {
	case param.MethodLoad:
		return d.loadCapacity(c, hours)
	case param.MethodMixing:
		return d.mixingCapacity(c, hours)
	case param.MethodDeficit:
		return d.deficitCapacity(c, hours, km)
	}
	return capacity{canCarry: true} // timing: no load arithmetic
}

// loadCapacity is the mass balance: the station's excess load grown back
// by decay over the travel time, against the permit's allowance (per_water
// × limit) and the physical ceiling (raw concentration × largest volume).
func (d *demand) loadCapacity(c *candidate, hours float64) capacity {
	var cp capacity
	cp.requiredKgDay = load.AtRelease(load.MassRate(d.excess, d.flow), d.k, hours)
	ceiling := c.rawCeiling()
	cp.plausibleMax = ceiling
	cp.maxKgDay = load.DailyMass(ceiling, c.maxVolume)
	switch {
	case c.limit != nil:
		cp.permittedKgDay = load.DailyMass(*c.limit, c.perWater)
	case c.emits:
		cp.permittedKgDay = load.DailyMass(c.sig.TypicalEffluent, c.perWater)
	}
	if c.maxVolume > 0 {
		cp.requiredConc = load.ConcOf(cp.requiredKgDay, c.maxVolume)
	}
	cp.ratios(cp.requiredKgDay, cp.permittedKgDay, cp.maxKgDay)
	return cp
}

// mixingCapacity is dilution of an intensive tracer: the discharge must
// carry the station's excess (grown back by relaxation) × Q / q above the
// river's background, which its raw ceiling must reach.
func (d *demand) mixingCapacity(c *candidate, hours float64) capacity {
	var cp capacity
	atRelease := load.AtRelease(d.excess, d.k, hours)
	ceiling := c.rawCeiling()
	cp.plausibleMax = ceiling
	if c.maxVolume > 0 {
		need := load.EffluentExcess(atRelease, d.flow, c.maxVolume)
		cp.requiredConc = d.background + need
		if headroom := ceiling - d.background; headroom > 0 {
			cp.capacityRatio = need / headroom
		}
	}
	if c.limit != nil && c.perWater > 0 {
		if headroom := *c.limit - d.background; headroom > 0 {
			cp.loadRatio = load.EffluentExcess(atRelease, d.flow, c.perWater) / headroom
		}
	}
	cp.canCarry = cp.capacityRatio > 0 && cp.capacityRatio <= 1
	return cp
}

// deficitCapacity is the Streeter–Phelps sag (tracing/oxygen) the outfall's
// oxygen demand produces at the station after the travel time, at its raw
// ceiling and largest volume (plus the oxygen its anoxic water lacks),
// against the deficit observed.
func (d *demand) deficitCapacity(c *candidate, hours, km float64) capacity {
	var cp capacity
	days := hours / 24
	r := d.oxygenRates(hours, km)
	bod := param.MustLookup("BOD5")
	raw := c.oxygenDemand(func(id string) (float64, bool) {
		s, ok := c.profile.Emits(id)
		return s.MaxRaw, ok
	}, bod.DecayPerDay)
	raw.Anoxic = d.background
	maxDef := oxygen.Deficit(raw, load.Dilution(c.maxVolume, d.flow), r, days)
	cp.plausibleMax = raw.CBODu + oxygen.NOD*raw.NH3N
	cp.maxKgDay = load.DailyMass(cp.plausibleMax, c.maxVolume)
	permitted := c.oxygenDemand(c.limitOf, bod.DecayPerDay)
	permDef := oxygen.Deficit(permitted, load.Dilution(c.perWater, d.flow), r, days)
	cp.permittedKgDay = load.DailyMass(permitted.CBODu+oxygen.NOD*permitted.NH3N, c.perWater)
	if sag := oxygen.Sag(r.K1, r.Ka, days); sag > 0 {
		// The oxygen demand, as carbonaceous BOD, that would sag this far.
		cp.requiredKgDay = load.MassRate(d.excess/sag, d.flow)
		if c.maxVolume > 0 {
			cp.requiredConc = load.ConcOf(cp.requiredKgDay, c.maxVolume)
		}
	}
	if permDef > 0 {
		cp.loadRatio = d.excess / permDef
	}
	if maxDef > 0 {
		cp.capacityRatio = d.excess / maxDef
	}
	cp.canCarry = maxDef > 0 && maxDef >= d.excess
	return cp
}

// oxygenRates are the deoxygenation, nitrification and reaeration rates at
// the water temperature, with reaeration from the outfall's mean velocity
// to the station and the depth the flow implies.
func (d *demand) oxygenRates(hours, km float64) oxygen.Rates {
	u := defaultVelocityMS
	if hours > 0 && km > 0 {
		u = km * 1000 / (hours * 3600)
	}
	bod, nh3 := param.MustLookup("BOD5"), param.MustLookup("NH3-N")
	ka := oxygen.AtTemperature(oxygen.Reaeration20(u, oxygen.DefaultDepth(d.flow)), oxygen.ThetaReaeration, d.tempC)
	return oxygen.Rates{K1: bod.DecayRate(d.tempC), Kn: nh3.DecayRate(d.tempC), Ka: ka}
}

// defaultVelocityMS stands in for an outfall at the station itself.
const defaultVelocityMS = 0.5

// ratios fills the load and capacity ratios and whether the load can be
// carried, guarding against zero denominators.
func (cp *capacity) ratios(required, permitted, max float64) {
	if permitted > 0 {
		cp.loadRatio = required / permitted
	}
	if max > 0 {
		cp.capacityRatio = required / max
	}
	cp.canCarry = max > 0 && required <= max
}

// rawCeiling is the strongest water of the parameter the candidate can
// release: its industry's raw ceiling, or, for a parameter its permit
// limits but its profile does not list, ten times the limit (the permit
// says the process uses it; its strength is not known).
func (c *candidate) rawCeiling() float64 {
	switch {
	case c.emits:
		return c.sig.MaxRaw
	case c.limit != nil:
		return 10 * *c.limit
	}
	return 0
}

// oxygenDemand builds a wastewater's oxygen demand from its BOD5 (as
// ultimate BOD), else COD (half of it biodegradable), and its NH3-N, read
// through get (profile ceilings or permit limits).
func (c *candidate) oxygenDemand(get func(id string) (float64, bool), bodK20 float64) oxygen.Demand {
	var d oxygen.Demand
	if v, ok := get("BOD5"); ok {
		d.CBODu = oxygen.UltimateBOD(v, bodK20)
	} else if v, ok := get("COD"); ok {
		d.CBODu = oxygen.CODToBODu * v
	}
	if v, ok := get("NH3-N"); ok {
		d.NH3N = v
	}
	return d
}

// emitsOxygenDemand reports whether a profile lists BOD5, COD or NH3-N.
func emitsOxygenDemand(p industry.Profile) bool {
	for _, id := range oxygenDemanding {
		if _, ok := p.Emits(id); ok {
			return true
		}
	}
	return false
}

// oxygenDemanding are the parameters a DO deficit is traced to.
var oxygenDemanding = []string{"BOD5", "COD", "NH3-N"}
