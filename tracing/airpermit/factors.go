package airpermit

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// Factor is an uncontrolled emission factor: kilograms of a pollutant per
// base unit of fuel (m³ of liquid or gas, kg of solid), multiplied by the
// fuel's sulphur weight-percent when PerSulphurPct is set.
type Factor struct {
	KgPerBase     float64
	PerSulphurPct bool
	Source        string
}

// Factors is the emission-factor table by fuel and pollutant.
type Factors struct {
	baseUnit map[string]string
	table    map[string]map[string]Factor
	alias    map[string]string
}

// Conversion of AP-42's units to kilograms per base unit.
const (
	lbPer1000GalToKgPerM3  = 0.45359237 / 3.785411784  // lb/10³ US gal → kg/m³
	lbPerShortTonToKgPerKg = 0.45359237 / 907.18474    // lb/short ton → kg/kg
	lbPerMMscfToKgPerM3    = 0.45359237 / 28316.846592 // lb/10⁶ scf → kg/m³
)

const (
	srcAP42Oil  = "US EPA AP-42 §1.3 Table 1.3-1 (fuel oil combustion); SO2 factors as restated in 40 CFR 72 App. C and EIA Electric Power Annual Table A.1"
	srcAP42NOx  = "US EPA AP-42 §1.3 Table 1.3-1, as listed in Illinois EPA's common emission factors"
	srcAP42Gas  = "US EPA AP-42 §1.4 Tables 1.4-1/1.4-2 (natural gas), as listed in Illinois EPA's common emission factors (NOx: uncontrolled boilers)"
	srcAP42Coal = "US EPA AP-42 bituminous coal SO2 factor as restated in 40 CFR 72 App. C (39·S lb/short ton)"
)

// DefaultFactors is the built-in table. MOENV's factors for the
// air-pollution fee (公私場所固定污染源申報空氣污染防制費之硫氧化物及氮氧化物
// 排放係數及控制效率規定) could not be retrieved and verified for this
// implementation, so the table holds AP-42 factors, each cited, and a
// bureau loads MOENV's through emission_factors.csv, which replaces
// entries of the same fuel and pollutant.
func DefaultFactors() *Factors {
	f := &Factors{baseUnit: map[string]string{}, table: map[string]map[string]Factor{}, alias: map[string]string{}}
	f.add("residual_oil", "m³", []string{"重油", "燃料油", "fuel oil", "no6", "低硫燃料油"}, map[string]Factor{
		"SO2": {157 * lbPer1000GalToKgPerM3, true, srcAP42Oil},
		"NOx": {47 * lbPer1000GalToKgPerM3, false, srcAP42NOx},
	})
	f.add("distillate_oil", "m³", []string{"柴油", "輕油", "diesel", "no2"}, map[string]Factor{
		"SO2": {142 * lbPer1000GalToKgPerM3, true, srcAP42Oil},
		"NOx": {20 * lbPer1000GalToKgPerM3, false, srcAP42NOx},
		"TSP": {2 * lbPer1000GalToKgPerM3, false, srcAP42NOx},
	})
	f.add("natural_gas", "m³", []string{"天然氣", "ng", "lng"}, map[string]Factor{
		"SO2": {0.6 * lbPerMMscfToKgPerM3, false, srcAP42Gas},
		"NOx": {280 * lbPerMMscfToKgPerM3, false, srcAP42Gas},
	})
	f.add("bituminous_coal", "kg", []string{"煙煤", "燃煤", "coal"}, map[string]Factor{
		"SO2": {39 * lbPerShortTonToKgPerKg, true, srcAP42Coal},
	})
	return f
}

func (f *Factors) add(fuel, base string, aliases []string, m map[string]Factor) {
	f.baseUnit[fuel] = base
	if f.table[fuel] == nil {
		f.table[fuel] = map[string]Factor{}
	}
	for k, v := range m {
		f.table[fuel][k] = v
	}
	f.alias[strings.ToLower(fuel)] = fuel
	for _, a := range aliases {
		f.alias[strings.ToLower(a)] = fuel
	}
}

func (f *Factors) canonical(fuel string) (string, bool) {
	c, ok := f.alias[strings.ToLower(strings.TrimSpace(fuel))]
	return c, ok
}

// base returns the fuel's base unit.
func (f *Factors) base(fuel string) (string, bool) {
	c, ok := f.canonical(fuel)
	if !ok {
		return "", false
	}
	return f.baseUnit[c], true
}

func (f *Factors) fuels() []string {
	var out []string
	for k := range f.baseUnit {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Lookup returns the factor of a pollutant for a fuel and the kilograms
// per base unit at the given sulphur content.
func (f *Factors) Lookup(fuel, pollutant string, sulphurPct float64) (Factor, float64, bool) {
	c, ok := f.canonical(fuel)
	if !ok {
		return Factor{}, 0, false
	}
	fa, ok := f.table[c][pollutant]
	if !ok {
		return Factor{}, 0, false
	}
	kg := fa.KgPerBase
	if fa.PerSulphurPct {
		kg *= sulphurPct
	}
	return fa, kg, true
}

// readFactors loads emission_factors.csv over the defaults.
func readFactors(path string) (*Factors, error) {
	f := DefaultFactors()
	type row struct {
		fuel, base, pollutant string
		fa                    Factor
	}
	rows, err := csvtab.ReadFile(path, csvtab.Schema{Required: []string{"fuel", "base_unit", "pollutant", "factor", "factor_unit", "source"}, Optional: []string{"per_sulphur_pct", "note"}},
		func(r *csvtab.Row) row {
			r.Required("fuel", "source")
			out := row{fuel: strings.ToLower(r.Str("fuel")), base: csvtab.Parse(r, "base_unit", param.LookupUnit).Symbol, pollutant: csvtab.Parse(r, "pollutant", param.LookupAir).ID}
			out.fa.Source = r.Str("source")
			v := r.Number("factor")
			unit, ok := strings.CutPrefix(strings.TrimSpace(r.Str("factor_unit")), "kg/")
			if !ok {
				r.Fail("factor_unit", errors.New(`write the factor per amount of fuel, e.g. "kg/kL", "kg/t", "kg/10³ m³"`))
				return out
			}
			if r.Bad() {
				return out
			}
			per, err := param.Convert(1, unit, out.base)
			if err != nil {
				r.Fail("factor_unit", err)
				return out
			}
			out.fa.KgPerBase = v / per
			switch s := strings.ToLower(r.Str("per_sulphur_pct")); s {
			case "", "no", "false":
			case "yes", "true", "s":
				out.fa.PerSulphurPct = true
			default:
				r.Fail("per_sulphur_pct", fmt.Errorf("must be yes or no, got %q", s))
			}
			return out
		})
	if err != nil {
		return f, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	entries := make([]FactorEntry, len(rows))
	for i, r := range rows {
		if c, ok := f.canonical(r.fuel); ok {
			r.fuel = c
		}
		if b, ok := f.baseUnit[r.fuel]; ok && b != r.base {
			return f, &model.FieldError{File: model.FileEmissionFactors, Column: "base_unit", Value: r.base,
				Err: fmt.Errorf("fuel %s is measured in %s", r.fuel, b)}
		}
		entries[i] = FactorEntry{Fuel: r.fuel, BaseUnit: r.base, Pollutant: r.pollutant, Factor: r.fa}
	}
	return FactorsWith(entries)
}

// FactorEntry is one row of the factor table as emission_factors.csv
// gives it, already in kilograms per base unit: what a store keeps so
// that a table read from a directory can be rebuilt.
type FactorEntry struct {
	Fuel, BaseUnit, Pollutant string
	Factor
}

// Overrides lists the entries that differ from DefaultFactors (the rows
// emission_factors.csv replaced or added), by fuel and pollutant, so that
// a stored table keeps only what the bureau loaded and later built-in
// corrections still reach it.
func (f *Factors) Overrides() []FactorEntry {
	def := DefaultFactors()
	var out []FactorEntry
	for _, fuel := range f.fuels() {
		pols := make([]string, 0, len(f.table[fuel]))
		for p := range f.table[fuel] {
			pols = append(pols, p)
		}
		slices.Sort(pols)
		for _, p := range pols {
			fa := f.table[fuel][p]
			if d, ok := def.table[fuel][p]; ok && d == fa && def.baseUnit[fuel] == f.baseUnit[fuel] {
				continue
			}
			out = append(out, FactorEntry{Fuel: fuel, BaseUnit: f.baseUnit[fuel], Pollutant: p, Factor: fa})
		}
	}
	return out
}

// FactorsWith is DefaultFactors with the given entries replacing or
// adding theirs, as emission_factors.csv applies its rows. A fuel the
// table measures in another base unit is an error.
func FactorsWith(entries []FactorEntry) (*Factors, error) {
	f := DefaultFactors()
	for _, e := range entries {
		fuel := strings.ToLower(e.Fuel)
		if c, ok := f.canonical(fuel); ok {
			fuel = c
		}
		if b, ok := f.baseUnit[fuel]; ok && b != e.BaseUnit {
			return nil, fmt.Errorf("airpermit: emission factor of %s: the fuel is measured in %s, not %s", fuel, b, e.BaseUnit)
		}
		f.add(fuel, e.BaseUnit, nil, map[string]Factor{e.Pollutant: e.Factor})
	}
	return f, nil
}
