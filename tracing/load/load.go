// Package load turns a concentration and a flow into a mass load, handles
// censored ("<DL") results, and attenuates decaying parameters over travel
// time. Loads are what upstream tracing compares: a river load increase
// between two stations against the loads the dischargers in between are
// permitted to release.
//
// Units go through tracing/param, so any concentration unit (mg/L, µg/L)
// and any flow unit (m³/s, m³/day, ft³/s, MGD, L/s) are accepted and no
// factor is hand-written: mg/L × m³/s × 86.4 = kg/day falls out of the
// conversion table (1 mg/L = 1 g/m³; 86 400 s/day; 1 kg = 1000 g), and so
// does the USGS mg/L × ft³/s × 0.0027 = short tons/day.
//
// Every other package that needs load arithmetic (the suspect engine, the
// balance between stations) calls the canonical-unit functions below
// (MassRate, DailyMass, ConcOf, AtRelease, EffluentExcess) on values that
// were converted to canonical units where they entered envtrace, so the
// factors live here and in tracing/param only.
//
// Censored results are substituted at half the detection limit, the common
// screening convention (US EPA guidance for data with few non-detects); the
// Load also carries the bounds obtained with 0 and with the full detection
// limit so that a conclusion that depends on the substitution can be seen.
package load

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
)

// Unit is the unit Load values are expressed in.
const Unit = "kg/day"

// ErrInvalid is matched by every validation error of this package.
var ErrInvalid = errors.New("load: invalid input")

// Value is a laboratory result that may be censored. A censored value is
// below the detection (or reporting) limit; Reported is then that limit.
type Value struct {
	// Reported is the number as reported: the measurement, or the
	// detection limit when Censored.
	Reported float64
	// Censored marks a "<DL" result.
	Censored bool
}

// Measured returns an uncensored Value.
func Measured(v float64) Value { return Value{Reported: v} }

// BelowDetection returns a censored Value with the given detection limit.
func BelowDetection(limit float64) Value { return Value{Reported: limit, Censored: true} }

// ParseValue reads a result as laboratories write it: "0.52", "<0.02" or
// "< 0.02". Words such as "ND" without a limit are refused because the
// substitute value cannot be known.
func ParseValue(s string) (Value, error) {
	t := strings.TrimSpace(s)
	cens := false
	if rest, ok := strings.CutPrefix(t, "<"); ok {
		cens = true
		t = strings.TrimSpace(rest)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Value{}, fmt.Errorf("%w: result %q is not a number or \"<limit\"", ErrInvalid, s)
	}
	if v < 0 {
		return Value{}, fmt.Errorf("%w: result %q is negative", ErrInvalid, s)
	}
	return Value{Reported: v, Censored: cens}, nil
}

// String writes the value back in the form ParseValue reads.
func (v Value) String() string {
	s := strconv.FormatFloat(v.Reported, 'g', -1, 64)
	if v.Censored {
		return "<" + s
	}
	return s
}

// Estimate is the value used in load arithmetic: the measurement, or half
// the detection limit when censored.
func (v Value) Estimate() float64 {
	if v.Censored {
		return v.Reported / 2
	}
	return v.Reported
}

// Bounds returns the smallest and largest values consistent with the
// result: [0, DL] when censored, [v, v] otherwise.
func (v Value) Bounds() (lo, hi float64) {
	if v.Censored {
		return 0, v.Reported
	}
	return v.Reported, v.Reported
}

// Load is a mass flux in kg/day with its censoring bounds.
type Load struct {
	// KgPerDay uses the half-detection-limit substitute when censored.
	KgPerDay float64
	// Low and High are the loads at 0 and at the detection limit (equal to
	// KgPerDay for uncensored results).
	Low, High float64
	// Censored is true when the concentration was below detection.
	Censored bool
}

// In returns the load in another load unit (e.g. "tons/day", "t/day").
func (l Load) In(unit string) (float64, error) {
	v, err := param.Convert(l.KgPerDay, Unit, unit)
	if err != nil {
		return 0, fmt.Errorf("load: %w", err)
	}
	return v, nil
}

// KgPerDay computes concentration × flow in kg/day for plain numbers. It
// rejects units of the wrong dimension and negative inputs.
func KgPerDay(conc float64, concUnit string, flow float64, flowUnit string) (float64, error) {
	c, err := param.Convert(conc, concUnit, "mg/L")
	if err != nil {
		return 0, fmt.Errorf("load: concentration: %w", err)
	}
	q, err := param.Convert(flow, flowUnit, "m³/s")
	if err != nil {
		return 0, fmt.Errorf("load: flow: %w", err)
	}
	if c < 0 || q < 0 {
		return 0, fmt.Errorf("%w: negative concentration %v %s or flow %v %s", ErrInvalid, conc, concUnit, flow, flowUnit)
	}
	return MassRate(c, q), nil
}

// Compute returns the load of a parameter. The parameter must be a
// concentration (loads of pH or temperature are meaningless) and the value
// may be censored.
func Compute(parameter string, c Value, concUnit string, flow float64, flowUnit string) (Load, error) {
	p, err := param.Lookup(parameter)
	if err != nil {
		return Load{}, fmt.Errorf("load: %w", err)
	}
	if p.Kind != param.KindConcentration {
		return Load{}, fmt.Errorf("%w: %s is a %s parameter, not a concentration", ErrInvalid, p.ID, p.Kind)
	}
	if !p.Accepts(concUnit) {
		_, err := p.Canonical(c.Reported, concUnit)
		return Load{}, fmt.Errorf("load: %w", err)
	}
	mid, err := KgPerDay(c.Estimate(), concUnit, flow, flowUnit)
	if err != nil {
		return Load{}, err
	}
	lo, hi := c.Bounds()
	l := Load{KgPerDay: mid, Censored: c.Censored}
	if l.Low, err = KgPerDay(lo, concUnit, flow, flowUnit); err != nil {
		return Load{}, err
	}
	if l.High, err = KgPerDay(hi, concUnit, flow, flowUnit); err != nil {
		return Load{}, err
	}
	return l, nil
}

// Decay applies first-order attenuation C·exp(−k·t), with k in 1/day and t
// in days. It is the building block for relating a discharge to a reading
// further downstream.
func Decay(c, kPerDay, days float64) float64 {
	return c * math.Exp(-kPerDay*days)
}

// Attenuate applies the parameter's own fate over a travel time, with the
// rate corrected to the water temperature (NaN = unknown, use 20 °C).
// Conservative parameters pass through unchanged; parameters whose fate is
// not modelled are an error, because pretending they are conservative would
// overstate a distant source's contribution.
func Attenuate(parameter string, c float64, travel time.Duration, tempC float64) (float64, error) {
	p, err := param.Lookup(parameter)
	if err != nil {
		return 0, fmt.Errorf("load: %w", err)
	}
	if travel < 0 {
		return 0, fmt.Errorf("%w: negative travel time %v", ErrInvalid, travel)
	}
	switch p.Fate {
	case param.FateConservative:
		return c, nil
	case param.FateFirstOrder:
		return Decay(c, p.DecayRate(tempC), travel.Hours()/24), nil
	}
	return 0, fmt.Errorf("%w: %s has no modelled in-stream fate; cannot attenuate", ErrInvalid, p.ID)
}

// TravelTime is distance over velocity, the time a parcel of water needs
// to cover a reach; it exists so that callers do not mix km, m and m/s.
func TravelTime(distanceM, velocityMPerS float64) (time.Duration, error) {
	if distanceM < 0 || velocityMPerS <= 0 || math.IsNaN(distanceM) || math.IsNaN(velocityMPerS) {
		return 0, fmt.Errorf("%w: distance %v m at %v m/s", ErrInvalid, distanceM, velocityMPerS)
	}
	return time.Duration(distanceM / velocityMPerS * float64(time.Second)), nil
}

// m3DayPerM3s is the number of m³/day in 1 m³/s, read from the unit table
// so that no factor is written twice.
var m3DayPerM3s = func() float64 {
	v, err := param.Convert(1, "m³/s", "m³/day")
	if err != nil {
		panic(err) // cannot happen: both units are in the table
	}
	return v
}()

// gPerKg converts grams to kilograms: mg/L = g/m³, so mg/L × m³ = g.
const gPerKg = 1000

// MassRate is the load, in kg/day, of a concentration in mg/L carried by a
// flow in m³/s (both canonical units).
func MassRate(concMgL, flowM3s float64) float64 {
	return concMgL * flowM3s * m3DayPerM3s / gPerKg
}

// DailyMass is the load, in kg/day, of a concentration in mg/L in a daily
// volume in m³/day: a permit's allowance is its per_water times its limit.
func DailyMass(concMgL, m3PerDay float64) float64 {
	return concMgL * m3PerDay / gPerKg
}

// ConcOf is the concentration, in mg/L, that carries loadKgDay in a daily
// volume of m3PerDay: the effluent strength a discharger would need. It is
// +Inf for a zero volume, which callers treat as "cannot carry".
func ConcOf(loadKgDay, m3PerDay float64) float64 {
	if m3PerDay <= 0 {
		return math.Inf(1)
	}
	return loadKgDay * gPerKg / m3PerDay
}

// AtRelease grows a load (or any quantity) observed after hours of travel
// back to what was released, for first-order decay at kPerDay (1/day):
// L·e^{k·t}. A conservative parameter has k = 0 and passes unchanged.
func AtRelease(observed, kPerDay, hours float64) float64 {
	return observed * math.Exp(kPerDay*hours/24)
}

// EffluentExcess is, for a tracer that mixes by dilution (conductivity,
// colour, temperature, or a concentration), the excess above river
// background that a discharge of effluentM3Day must carry to raise a river
// of riverM3s by riverExcess once mixed: riverExcess × Q / q, with both
// flows in the same unit. It is +Inf for a zero discharge.
func EffluentExcess(riverExcess, riverM3s, effluentM3Day float64) float64 {
	if effluentM3Day <= 0 {
		return math.Inf(1)
	}
	return riverExcess * riverM3s * m3DayPerM3s / effluentM3Day
}

// Dilution is the share of a river of riverM3s that a discharge of
// effluentM3Day makes up once mixed, q / Q (0 for a dry river).
func Dilution(effluentM3Day, riverM3s float64) float64 {
	if riverM3s <= 0 {
		return 0
	}
	return effluentM3Day / (riverM3s * m3DayPerM3s)
}
