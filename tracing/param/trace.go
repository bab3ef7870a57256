package param

import (
	"fmt"
	"math"
	"strconv"
)

// Direction says which way a river value is bad. A baseline tests a
// reading only on its bad side: a DO of 12 mg/L is not pollution, a COD of
// 2 mg/L is not either, and a pH is bad both ways.
type Direction int

// The directions.
const (
	// HighIsBad: pollutants, whose excess above background is traced.
	HighIsBad Direction = iota + 1
	// LowIsBad: dissolved oxygen, whose deficit below background is traced.
	LowIsBad
	// BothWays: pH, where an acid and an alkaline excursion are both bad.
	BothWays
)

// String names the direction in JSON and reports.
func (d Direction) String() string {
	switch d {
	case HighIsBad:
		return "high_is_bad"
	case LowIsBad:
		return "low_is_bad"
	case BothWays:
		return "both_ways"
	}
	return "none"
}

// MarshalText writes the direction's name, so JSON carries words.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a name String writes, so a saved result (a case
// file's trace) reads back.
func (d *Direction) UnmarshalText(b []byte) error {
	for _, x := range []Direction{0, HighIsBad, LowIsBad, BothWays} {
		if x.String() == string(b) {
			*d = x
			return nil
		}
	}
	return fmt.Errorf("param: unknown direction %q", b)
}

// Method is how an abnormal river reading of a parameter is related to a
// discharge upstream. The tracing engine picks its arithmetic by Method,
// so each parameter is traced the way its chemistry allows and no other.
type Method int

// The tracing methods.
const (
	// MethodNone: the parameter cannot be traced; Parameter.Untraceable
	// says why.
	MethodNone Method = iota
	// MethodLoad: a mass balance. The excess concentration times the river
	// flow is a load (kg/day), carried back upstream by the parameter's
	// Fate (first-order decay or none) and compared with what a discharger
	// can release (tracing/load).
	MethodLoad
	// MethodMixing: a conservative intensive tracer (conductivity, colour,
	// temperature). The excess times the river flow is shared out by
	// mixing, so a discharger must release the excess × Q / q above
	// background; temperature's excess also relaxes by surface heat
	// exchange (ExcessDecayPerDay).
	MethodMixing
	// MethodDeficit: dissolved oxygen. A deficit below background is
	// traced to oxygen-demanding discharges (BOD5, COD, NH3-N) through the
	// Streeter–Phelps deficit model (tracing/oxygen).
	MethodDeficit
	// MethodTiming: pH. It is logarithmic and buffered, so no load
	// arithmetic applies: an acid or alkaline excursion is traced by travel
	// time and by the dischargers whose industry handles acids or alkalis.
	MethodTiming
)

// String names the method in JSON and reports.
func (m Method) String() string {
	switch m {
	case MethodLoad:
		return "load"
	case MethodMixing:
		return "mixing"
	case MethodDeficit:
		return "oxygen_deficit"
	case MethodTiming:
		return "timing"
	}
	return "none"
}

// MarshalText writes the method's name, so JSON carries words.
func (m Method) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a name String writes.
func (m *Method) UnmarshalText(b []byte) error {
	for _, x := range []Method{MethodNone, MethodLoad, MethodMixing, MethodDeficit, MethodTiming} {
		if x.String() == string(b) {
			*m = x
			return nil
		}
	}
	return fmt.Errorf("param: unknown method %q", b)
}

// Traceable reports whether an abnormal reading of p can be traced, and
// if not, why: the reason is written for the user who asked.
func (p Parameter) Traceable() (bool, string) {
	if p.Method == MethodNone {
		return false, fmt.Sprintf("%s cannot be traced: %s", p.ID, p.Untraceable)
	}
	return true, ""
}

// ImplausibleValueError reports a finite value outside a parameter's
// physical range (pH 99, DO 40 mg/L, a negative flow): a data error that
// would otherwise pass for pollution.
type ImplausibleValueError struct {
	Parameter string
	Value     float64 // in Unit
	Unit      string  // the canonical unit
	Min, Max  float64
}

// Error names the value and the range it must lie in.
func (e *ImplausibleValueError) Error() string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return fmt.Sprintf("%s %s %s is not physically plausible: it must lie between %s and %s %s",
		e.Parameter, f(e.Value), e.Unit, f(e.Min), f(e.Max), e.Unit)
}

// Is makes errors.Is(err, ErrInvalidValue) true: an implausible value is an
// invalid one.
func (e *ImplausibleValueError) Is(target error) bool { return target == ErrInvalidValue }

// Plausible checks a value in p's canonical unit against p's physical
// range [Min, Max] (pH 0–14, DO 0–25 mg/L, concentrations 0 to 1 kg/L,
// flows 0 to MaxFlowM3s). NaN and infinities are never plausible.
func (p Parameter) Plausible(v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &InvalidValueError{Parameter: p.ID, Value: v, Unit: p.Unit}
	}
	if v < p.Min || v > p.Max {
		return &ImplausibleValueError{Parameter: p.ID, Value: v, Unit: p.Unit, Min: p.Min, Max: p.Max}
	}
	return nil
}

// PlausibleFlow checks a flow in m³/s: it must be finite, not negative and
// at most MaxFlowM3s.
func PlausibleFlow(q float64) error { return MustLookup("FLOW").Plausible(q) }

// RelativeUncertainty is the share of a station's median that its
// baseline's spread never falls below, for laboratory analyses: river COD,
// BOD5, ammonia and metal results carry relative uncertainties of 10–20 %,
// and a handful of monthly samples can agree more closely than the river
// does from day to day. With the baseline's 3.5 spreads, a reading must
// be nearly twice its station's median before history alone calls it
// abnormal.
const RelativeUncertainty = 0.25

// BaselineFloor is the smallest spread a station's baseline of p may have:
// its instrument's uncertainty as an amount (pH 0.2, 0.5 °C, DO 0.5 mg/L),
// or a share of the median for everything else: RelativeUncertainty, or
// 15 % for conductivity, which a probe reads to a few per cent and which
// varies with dilution from day to day. A DO deficit or a pH excursion is
// an amount, not a share: a share of a pH or a temperature means nothing,
// and a share of DO would make a sag invisible.
func (p Parameter) BaselineFloor() (absolute, relative float64) {
	switch {
	case p.Uncertainty > 0:
		return p.Uncertainty, 0
	case p.RelUncertainty > 0:
		return 0, p.RelUncertainty
	}
	return 0, RelativeUncertainty
}

// airTracing gives an air parameter the tracing fields of the registry:
// it is not traced along a river (whyAir), a pollutant is bad high, and
// its plausible range is the physical one of its canonical unit: a gas
// cannot exceed the whole air, 10 g/m³ of particles is beyond the densest
// dust storm or ash plume sampled, 100 g/Nm³ beyond raw flue gas, and air
// temperatures lie within Earth's records.
func (p *Parameter) airTracing() {
	p.Method, p.Untraceable = MethodNone, whyAir
	if p.Kind == KindGas || p.Kind == KindParticle {
		p.Direction = HighIsBad
	}
	ranges := map[string][2]float64{
		"ppb": {0, 1e9}, "ppm": {0, 1e6}, "%vol": {0, 100}, "µg/m³": {0, 1e7}, "mg/Nm³": {0, 1e5},
		"%RH": {0, 100}, "°C": {-90, 60}, "Nm³/h": {0, 1e8},
	}
	r, ok := ranges[p.Unit]
	if !ok {
		panic("param: " + p.ID + ": no plausible range for air unit " + p.Unit)
	}
	p.Min, p.Max = r[0], r[1]
}
