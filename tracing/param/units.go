package param

import (
	"math"
	"sort"
	"strings"
)

// Dimension is the physical quantity a unit measures. Two units convert into
// each other only when they share a Dimension; keeping the dimension explicit
// is what lets the registry refuse "mg/L" for pH or "m3/s" for copper instead
// of silently producing a number.
type Dimension string

// The water dimensions (the air ones are in air.go). True colour has two
// dimensions because the Pt-Co (APHA/Hazen) and ADMI scales measure
// different things (ADMI is hue-independent) and no fixed factor converts
// one into the other.
const (
	DimConcentration Dimension = "concentration" // mass per volume, base mg/L
	DimFlow          Dimension = "flow"          // volume per time, base m³/s
	DimLoad          Dimension = "load"          // mass per time, base kg/day
	DimTemperature   Dimension = "temperature"   // base °C
	DimPH            Dimension = "pH"            // dimensionless pH units
	DimConductivity  Dimension = "conductivity"  // base µS/cm
	DimColourADMI    Dimension = "colour-ADMI"   // ADMI colour units
	DimColourPtCo    Dimension = "colour-Pt-Co"  // platinum-cobalt colour units
)

// Unit is one unit of measure. Value_in_base = Value × Factor + Offset, so
// only temperature scales need an Offset.
type Unit struct {
	// Symbol is the canonical spelling that the registry writes back out,
	// so that files written by envtrace always use one spelling per unit.
	Symbol string
	// Dimension decides which units this one converts into.
	Dimension Dimension
	// Factor multiplies a value in this unit to get the dimension's base unit.
	Factor float64
	// Offset is added after Factor (non-zero only for °F).
	Offset float64
	// Aliases are the other spellings accepted on input (real files write
	// units in many ways: "CMD", "ft3/sec", "μS/cm" with a Greek mu ...).
	Aliases []string
}

// Conversion constants. They are exact by definition except where noted.
const (
	secondsPerDay  = 86400.0
	cubicFoot      = 0.028316846592 // m³, exact (0.3048³)
	usGallon       = 0.003785411784 // m³, exact
	shortTonKg     = 907.18474      // kg, exact (2000 lb)
	poundKg        = 0.45359237     // kg, exact
	mgdM3PerS      = 1e6 * usGallon / secondsPerDay
	cfsM3PerS      = cubicFoot
	m3PerDayM3PerS = 1 / secondsPerDay
)

// units is the table of every unit the registry knows. Aliases are matched
// after normalise(), so case, spaces, the micro/mu signs and superscript
// three do not matter; the init check below refuses ambiguous spellings.
var units = []Unit{
	// concentration, base mg/L (= g/m³)
	{Symbol: "mg/L", Dimension: DimConcentration, Factor: 1, Aliases: []string{"mg/l", "g/m3", "毫克/公升"}},
	{Symbol: "µg/L", Dimension: DimConcentration, Factor: 1e-3, Aliases: []string{"ug/L", "μg/L", "微克/公升"}},
	{Symbol: "ng/L", Dimension: DimConcentration, Factor: 1e-6},
	{Symbol: "g/L", Dimension: DimConcentration, Factor: 1e3},

	// flow, base m³/s
	{Symbol: "m³/s", Dimension: DimFlow, Factor: 1, Aliases: []string{"m3/s", "cms", "m3/sec", "m³/sec", "秒立方公尺"}},
	{Symbol: "m³/day", Dimension: DimFlow, Factor: m3PerDayM3PerS, Aliases: []string{"m3/d", "m3/day", "CMD", "m³/d", "立方公尺/日"}},
	{Symbol: "m³/h", Dimension: DimFlow, Factor: 1.0 / 3600, Aliases: []string{"m3/h", "m3/hr", "CMH"}},
	{Symbol: "ft³/s", Dimension: DimFlow, Factor: cfsM3PerS, Aliases: []string{"cfs", "ft3/s", "ft3/sec", "ft³/sec"}},
	{Symbol: "MGD", Dimension: DimFlow, Factor: mgdM3PerS, Aliases: []string{"Mgal/d"}},
	{Symbol: "L/s", Dimension: DimFlow, Factor: 1e-3, Aliases: []string{"l/s", "L/sec"}},

	// load, base kg/day. "tons/day" is the US short ton because the only
	// sources we ingest that write "tons/day" (USGS, US EPA) mean short tons;
	// metric tonnes must be written "t/day" (or 公噸/日).
	{Symbol: "kg/day", Dimension: DimLoad, Factor: 1, Aliases: []string{"kg/d", "公斤/日"}},
	{Symbol: "g/day", Dimension: DimLoad, Factor: 1e-3, Aliases: []string{"g/d"}},
	{Symbol: "t/day", Dimension: DimLoad, Factor: 1000, Aliases: []string{"t/d", "tonnes/day", "tonne/day", "公噸/日"}},
	{Symbol: "tons/day", Dimension: DimLoad, Factor: shortTonKg, Aliases: []string{"ton/day", "tons/d", "short tons/day"}},
	{Symbol: "lb/day", Dimension: DimLoad, Factor: poundKg, Aliases: []string{"lb/d", "lbs/day"}},

	// intensive quantities
	{Symbol: "°C", Dimension: DimTemperature, Factor: 1, Aliases: []string{"degC", "C", "deg C", "℃", "oC"}},
	{Symbol: "°F", Dimension: DimTemperature, Factor: 5.0 / 9.0, Offset: -32 * 5.0 / 9.0, Aliases: []string{"degF", "F", "deg F", "℉"}},
	{Symbol: "pH", Dimension: DimPH, Factor: 1, Aliases: []string{"-", "s.u.", "SU", "std units", "standard units", "pH units"}},
	{Symbol: "µS/cm", Dimension: DimConductivity, Factor: 1, Aliases: []string{"uS/cm", "μS/cm", "µmho/cm", "umho/cm", "μmho/cm", "μscm", "uScm"}},
	{Symbol: "mS/cm", Dimension: DimConductivity, Factor: 1000, Aliases: []string{"mmho/cm"}},
	{Symbol: "mS/m", Dimension: DimConductivity, Factor: 10},
	{Symbol: "ADMI", Dimension: DimColourADMI, Factor: 1, Aliases: []string{"ADMI units"}},
	{Symbol: "Pt-Co", Dimension: DimColourPtCo, Factor: 1, Aliases: []string{"PtCo", "Pt/Co", "CU", "APHA", "Hazen", "HU"}},
}

// unitIndex is built by a variable initialiser (not init) so that Go's
// dependency-ordered initialisation guarantees it exists before the
// parameter table is checked.
var unitIndex = buildUnitIndex()

func buildUnitIndex() map[string]*Unit {
	idx := map[string]*Unit{}
	all := append(units[:len(units):len(units)], airUnits...)
	for i := range all {
		u := &all[i]
		for _, s := range append([]string{u.Symbol}, u.Aliases...) {
			k := normalise(s)
			if prev, dup := idx[k]; dup && prev != u {
				panic("param: unit spelling " + s + " is ambiguous between " + prev.Symbol + " and " + u.Symbol)
			}
			idx[k] = u
		}
	}
	return idx
}

// normalise folds the spelling variations seen in real files: case, blanks,
// µ (micro sign) vs μ (Greek mu) vs u, superscript ³ vs 3, and ℃.
var unitSpelling = strings.NewReplacer("µ", "u", "μ", "u", "³", "3", " ", "", "\t", "", "\u00a0", "")

func normalise(s string) string {
	return strings.ToLower(unitSpelling.Replace(strings.TrimSpace(s)))
}

// unitBySymbol finds a unit by its exact canonical symbol without
// normalising: the spelling every canonical record uses.
var unitBySymbol = func() map[string]*Unit {
	m := map[string]*Unit{}
	for i := range units {
		m[units[i].Symbol] = &units[i]
	}
	return m
}()

// LookupUnit finds a unit by any of its spellings. It never guesses: a
// spelling not in the table is an *UnknownUnitError.
func LookupUnit(s string) (Unit, error) {
	if u, ok := unitBySymbol[s]; ok {
		return *u, nil
	}
	if u, ok := unitIndex[normalise(s)]; ok {
		return *u, nil
	}
	return Unit{}, &UnknownUnitError{Unit: s}
}

// Units lists every known unit sorted by dimension then symbol, for
// documentation and for user interfaces that offer a choice.
func Units() []Unit {
	out := append(append([]Unit{}, units...), airUnits...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Dimension != out[j].Dimension {
			return out[i].Dimension < out[j].Dimension
		}
		return out[i].Symbol < out[j].Symbol
	})
	return out
}

// Convert converts value from one unit to another of the same dimension.
// It exists so that no caller ever hand-writes a conversion factor such as
// 86.4 or 0.0027; every factor lives in this one table.
func Convert(value float64, from, to string) (float64, error) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return 0, &InvalidValueError{Value: value, Unit: from}
	}
	f, err := LookupUnit(from)
	if err != nil {
		return 0, err
	}
	t, err := LookupUnit(to)
	if err != nil {
		return 0, err
	}
	if f.Dimension != t.Dimension {
		return 0, &IncompatibleUnitError{Value: value, Unit: f.Symbol, Got: f.Dimension, Want: t.Dimension, Target: t.Symbol}
	}
	return convert(value, f, t), nil
}

func convert(v float64, f, t Unit) float64 {
	if f.Symbol == t.Symbol {
		return v
	}
	base := v*f.Factor + f.Offset
	return (base - t.Offset) / t.Factor
}
