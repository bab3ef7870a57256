// Package airpermit checks whether air permits are rational and kept:
// permitted emission rates against what the process could emit, declared
// fuel against reported sulphur dioxide, CEMS data that flat-line or are
// missing, emissions per unit of production against industry peers, and
// emissions that rise at night, at weekends and in the rain. Each finding
// carries a severity and its numbers (permits.Finding, the water checks'
// shape).
//
// Its data are four files of the data directory, documented in
// docs/data-directory.md after MOENV's permit (許可證), air-pollution-fee
// declaration (空污費申報) and CEMS transmission fields: air_permits.csv,
// fuel_declarations.csv, cems.csv and rainfall.csv, plus an optional
// emission_factors.csv that replaces or extends the built-in factor table.
package airpermit

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// Permit is one permitted emission: a pollutant from one stack of one
// process (MOENV permit: 管制編號, 許可證字號, 製程編號, 排放管道編號).
type Permit struct {
	Facility, PerNo, Process, Stack string
	Industry                        string
	Pollutant                       string  // param id (SO2, NOx, TSP)
	PermittedKgH                    float64 // permitted emission rate, kg/h
	// Capacity is the design fuel throughput per hour in the fuel's
	// base unit (m³ for liquids and gases, kg for solids).
	Capacity      float64
	Fuel          string
	SulphurPct    float64 // permitted fuel sulphur, weight %
	ValidFrom, To time.Time
}

// Declaration is one period's air-pollution-fee declaration for a stack:
// the fuel burnt, its sulphur, the declared control efficiency, the
// production, and the SO2 the facility declared.
type Declaration struct {
	Facility, Stack   string
	Industry          string
	From, To          time.Time // period, dates inclusive
	Fuel              string
	FuelAmount        float64 // in the fuel's base unit (m³ or kg)
	SulphurPct        float64
	ControlEfficiency float64 // 0–1
	Production        float64
	ProductionUnit    string
	DeclaredSO2Kg     float64
	HasDeclaredSO2    bool
}

// CEMSRecord is one CEMS value (normally 15-minute), in its reported
// basis.
type CEMSRecord struct {
	Facility, Stack string
	Time            time.Time
	Parameter       string // SO2, NOx, CO, TSP, O2, STACK_FLOW
	Value           float64
	Unit            string
	Status          Status
	Dry             bool    // dry basis (false: wet)
	O2Ref           float64 // reference O₂ % the value is corrected to; 0 when uncorrected
}

// Data is the air-permit part of a data directory.
type Data struct {
	Permits      []Permit
	Declarations []Declaration
	CEMS         []CEMSRecord
	// Rain holds the start of every hour with at least RainyMM of rain.
	Rain    map[int64]bool
	Factors *Factors
}

// RainyMM is the hourly rainfall from which an hour counts as rainy.
const RainyMM = 0.5

// ReadDir reads the air-permit files of dir; missing files mean no
// records. Problems come back as *model.FieldError values.
func ReadDir(dir string) (*Data, error) {
	d := &Data{Rain: map[int64]bool{}}
	var errs []error
	f, err := readFactors(filepath.Join(dir, model.FileEmissionFactors))
	errs = append(errs, err)
	d.Factors = f
	d.Permits, err = model.ReadCSV(filepath.Join(dir, model.FileAirPermits),
		[]string{"ems_no", "per_no", "stack_id", "pollutant", "permitted_rate", "permitted_unit", "capacity", "capacity_unit", "fuel"},
		[]string{"process_id", "industry", "sulphur_pct", "per_sdate", "per_edate", "note"}, func(r model.Row) Permit { return readPermit(r, f) })
	errs = append(errs, err)
	d.Declarations, err = model.ReadCSV(filepath.Join(dir, model.FileFuelDeclarations),
		[]string{"ems_no", "stack_id", "period_start", "period_end", "fuel", "fuel_amount", "fuel_unit"},
		[]string{"industry", "sulphur_pct", "control_efficiency_pct", "production", "production_unit", "declared_so2_kg", "note"}, func(r model.Row) Declaration { return readDeclaration(r, f) })
	errs = append(errs, err)
	d.CEMS, err = model.ReadCSV(filepath.Join(dir, model.FileCEMS),
		[]string{"ems_no", "stack_id", "time", "parameter", "value", "unit", "status"},
		[]string{"basis", "o2_ref_pct", "note"}, readCEMS)
	errs = append(errs, err)
	type rain struct {
		at time.Time
		mm float64
	}
	rs, err := model.ReadCSV(filepath.Join(dir, model.FileRainfall), []string{"time", "rain_mm"}, []string{"station_id", "note"},
		func(r model.Row) rain { return rain{r.Time("time"), r.Num("rain_mm")} })
	errs = append(errs, err)
	for _, r := range rs {
		if r.mm >= RainyMM {
			d.Rain[r.at.Truncate(time.Hour).Unix()] = true
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

func readPermit(r model.Row, f *Factors) Permit {
	r.Required("ems_no", "per_no", "stack_id")
	p := Permit{Facility: r.Str("ems_no"), PerNo: r.Str("per_no"), Process: r.Str("process_id"), Stack: r.Str("stack_id"),
		Industry: r.Str("industry"), Pollutant: r.Param("pollutant"), Fuel: r.Str("fuel")}
	p.PermittedKgH = convertCol(r, "permitted_rate", "permitted_unit", "kg/h")
	p.Capacity = fuelRate(r, f, p.Fuel)
	if v := r.OptNum("sulphur_pct"); v != nil {
		p.SulphurPct = percent(r, "sulphur_pct", *v)
	}
	if r.Str("per_sdate") != "" {
		p.ValidFrom = r.Date("per_sdate")
	}
	if r.Str("per_edate") != "" {
		p.To = r.Date("per_edate")
	}
	return p
}

func readDeclaration(r model.Row, f *Factors) Declaration {
	r.Required("ems_no", "stack_id")
	d := Declaration{Facility: r.Str("ems_no"), Stack: r.Str("stack_id"), Industry: r.Str("industry"),
		From: r.Date("period_start"), To: r.Date("period_end"), Fuel: r.Str("fuel"), ProductionUnit: r.Str("production_unit")}
	if !r.Bad() && d.To.Before(d.From) {
		r.Fail("period_end", errors.New("before period_start"))
	}
	if _, ok := f.base(d.Fuel); !ok {
		r.Fail("fuel", fmt.Errorf("unknown fuel; known fuels are %s (emission_factors.csv adds more)", strings.Join(f.fuels(), ", ")))
		return d
	}
	d.FuelAmount = fuelAmount(r, f, d.Fuel, "fuel_amount", "fuel_unit")
	if v := r.OptNum("sulphur_pct"); v != nil {
		d.SulphurPct = percent(r, "sulphur_pct", *v)
	}
	if v := r.OptNum("control_efficiency_pct"); v != nil {
		d.ControlEfficiency = percent(r, "control_efficiency_pct", *v) / 100
	}
	if v := r.OptNum("production"); v != nil {
		d.Production = *v
		if d.Production <= 0 {
			r.Fail("production", errors.New("must be positive"))
		}
	}
	if v := r.OptNum("declared_so2_kg"); v != nil {
		d.DeclaredSO2Kg, d.HasDeclaredSO2 = *v, true
		if *v < 0 {
			r.Fail("declared_so2_kg", errors.New("must not be negative"))
		}
	}
	return d
}

func readCEMS(r model.Row) CEMSRecord {
	r.Required("ems_no", "stack_id")
	c := CEMSRecord{Facility: r.Str("ems_no"), Stack: r.Str("stack_id"), Time: r.Time("time"), Parameter: r.Param("parameter"), Dry: true}
	v := r.Num("value")
	unit := r.Unit("unit")
	if !r.Bad() {
		p := param.MustLookup(c.Parameter)
		if !p.Accepts(unit) {
			r.Fail("unit", fmt.Errorf("%s cannot be reported in %s (its unit is %s)", c.Parameter, unit, p.Unit))
		}
	}
	c.Value, c.Unit = v, unit
	s, err := ParseStatus(r.Str("status"))
	if err != nil {
		r.Fail("status", err)
	}
	c.Status = s
	switch b := strings.ToLower(r.Str("basis")); b {
	case "", "dry", "乾基":
	case "wet", "濕基":
		c.Dry = false
	default:
		r.Fail("basis", errors.New(`must be "dry" or "wet"`))
	}
	if v := r.OptNum("o2_ref_pct"); v != nil {
		if *v <= 0 || *v >= 21 {
			r.Fail("o2_ref_pct", errors.New("reference O₂ must be between 0 and 21 %"))
		}
		c.O2Ref = *v
	}
	return c
}

// convertCol reads value and unit columns and converts into target.
func convertCol(r model.Row, vcol, ucol, target string) float64 {
	v := r.Num(vcol)
	u := r.Unit(ucol)
	if r.Bad() {
		return 0
	}
	out, err := param.Convert(v, u, target)
	if err != nil {
		r.Fail(ucol, err)
	}
	if out < 0 {
		r.Fail(vcol, errors.New("must not be negative"))
	}
	return out
}

// fuelAmount converts an amount of fuel into the fuel's base unit.
func fuelAmount(r model.Row, f *Factors, fuel, vcol, ucol string) float64 {
	base, ok := f.base(fuel)
	if !ok {
		r.Fail("fuel", fmt.Errorf("unknown fuel; known fuels are %s", strings.Join(f.fuels(), ", ")))
		return 0
	}
	return convertCol(r, vcol, ucol, base)
}

// fuelRate reads capacity per hour ("kL/h", "t/h", "10³ m³/h") into the
// fuel's base unit per hour.
func fuelRate(r model.Row, f *Factors, fuel string) float64 {
	u := strings.TrimSpace(r.Str("capacity_unit"))
	amount, ok := strings.CutSuffix(u, "/h")
	if !ok {
		r.Fail("capacity_unit", errors.New(`capacity is fuel per hour: write e.g. "kL/h", "t/h" or "10³ m³/h"`))
		return 0
	}
	base, ok := f.base(fuel)
	if !ok {
		r.Fail("fuel", fmt.Errorf("unknown fuel; known fuels are %s", strings.Join(f.fuels(), ", ")))
		return 0
	}
	v := r.Num("capacity")
	if r.Bad() {
		return 0
	}
	out, err := param.Convert(v, amount, base)
	if err != nil {
		r.Fail("capacity_unit", err)
	}
	return out
}

func percent(r model.Row, col string, v float64) float64 {
	if v < 0 || v > 100 {
		r.Fail(col, errors.New("a percentage must be between 0 and 100"))
	}
	return v
}
