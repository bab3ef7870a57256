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

	"github.com/envtrace/envtrace/internal/csvtab"
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

// Extend returns the data with delta's rows added after d's (d is not
// changed, so readers holding it keep a consistent view), its rainy hours
// joined and, when delta has a factor table, that table in place of d's.
// A replica that follows the store applies what other processes import
// with it.
func (d *Data) Extend(delta *Data) *Data {
	out := &Data{Factors: d.Factors, Rain: make(map[int64]bool, len(d.Rain)+len(delta.Rain)),
		Permits:      append(d.Permits[:len(d.Permits):len(d.Permits)], delta.Permits...),
		Declarations: append(d.Declarations[:len(d.Declarations):len(d.Declarations)], delta.Declarations...),
		CEMS:         append(d.CEMS[:len(d.CEMS):len(d.CEMS)], delta.CEMS...)}
	for h := range d.Rain {
		out.Rain[h] = true
	}
	for h := range delta.Rain {
		out.Rain[h] = true
	}
	if delta.Factors != nil {
		out.Factors = delta.Factors
	}
	return out
}

// RainyMM is the hourly rainfall from which an hour counts as rainy.
const RainyMM = 0.5

// The columns of the air-permit files.
var (
	permitSchema = csvtab.Schema{
		Required: []string{"ems_no", "per_no", "stack_id", "pollutant", "permitted_rate", "permitted_unit", "capacity", "capacity_unit", "fuel"},
		Optional: []string{"process_id", "industry", "sulphur_pct", "per_sdate", "per_edate", "note"}}
	declarationSchema = csvtab.Schema{
		Required: []string{"ems_no", "stack_id", "period_start", "period_end", "fuel", "fuel_amount", "fuel_unit"},
		Optional: []string{"industry", "sulphur_pct", "control_efficiency_pct", "production", "production_unit", "declared_so2_kg", "note"}}
	cemsSchema = csvtab.Schema{
		Required: []string{"ems_no", "stack_id", "time", "parameter", "value", "unit", "status"},
		Optional: []string{"basis", "o2_ref_pct", "note"}}
	rainSchema = csvtab.Schema{Required: []string{"time", "rain_mm"}, Optional: []string{"station_id", "note"}}
)

// ReadDir reads the air-permit files of dir; missing files mean no
// records. Problems come back as *model.FieldError values.
func ReadDir(dir string) (*Data, error) {
	d := &Data{Rain: map[int64]bool{}}
	var errs []error
	f, err := readFactors(filepath.Join(dir, model.FileEmissionFactors))
	errs = append(errs, err)
	d.Factors = f
	d.Permits, err = csvtab.ReadFile(filepath.Join(dir, model.FileAirPermits), permitSchema, func(r *csvtab.Row) Permit { return readPermit(r, f) })
	errs = append(errs, err)
	d.Declarations, err = csvtab.ReadFile(filepath.Join(dir, model.FileFuelDeclarations), declarationSchema, func(r *csvtab.Row) Declaration { return readDeclaration(r, f) })
	errs = append(errs, err)
	d.CEMS, err = csvtab.ReadFile(filepath.Join(dir, model.FileCEMS), cemsSchema, readCEMS)
	errs = append(errs, err)
	type rain struct {
		at time.Time
		mm float64
	}
	rs, err := csvtab.ReadFile(filepath.Join(dir, model.FileRainfall), rainSchema,
		func(r *csvtab.Row) rain { return rain{r.Time("time"), r.Number("rain_mm")} })
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

func readPermit(r *csvtab.Row, f *Factors) Permit {
	r.Required("ems_no", "per_no", "stack_id")
	p := Permit{Facility: r.Str("ems_no"), PerNo: r.Str("per_no"), Process: r.Str("process_id"), Stack: r.Str("stack_id"),
		Industry: r.Str("industry"), Pollutant: csvtab.Parse(r, "pollutant", param.LookupAir).ID, Fuel: r.Str("fuel")}
	p.PermittedKgH = convertCol(r, "permitted_rate", "permitted_unit", "kg/h")
	p.Capacity = fuelRate(r, f, p.Fuel)
	if v, ok := r.Float("sulphur_pct"); ok {
		p.SulphurPct = percent(r, "sulphur_pct", v)
	}
	if r.Str("per_sdate") != "" {
		p.ValidFrom = r.Date("per_sdate")
	}
	if r.Str("per_edate") != "" {
		p.To = r.Date("per_edate")
	}
	return p
}

func readDeclaration(r *csvtab.Row, f *Factors) Declaration {
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
	if v, ok := r.Float("sulphur_pct"); ok {
		d.SulphurPct = percent(r, "sulphur_pct", v)
	}
	if v, ok := r.Float("control_efficiency_pct"); ok {
		d.ControlEfficiency = percent(r, "control_efficiency_pct", v) / 100
	}
	if v, ok := r.Float("production"); ok {
		d.Production = v
		if d.Production <= 0 {
			r.Fail("production", errors.New("must be positive"))
		}
	}
	if v, ok := r.Float("declared_so2_kg"); ok {
		d.DeclaredSO2Kg, d.HasDeclaredSO2 = v, true
		if v < 0 {
			r.Fail("declared_so2_kg", errors.New("must not be negative"))
		}
	}
	return d
}

func readCEMS(r *csvtab.Row) CEMSRecord {
	r.Required("ems_no", "stack_id")
	c := CEMSRecord{Facility: r.Str("ems_no"), Stack: r.Str("stack_id"), Time: r.Time("time"), Parameter: csvtab.Parse(r, "parameter", param.LookupAir).ID, Dry: true}
	v := r.Number("value")
	unit := csvtab.Parse(r, "unit", param.LookupUnit).Symbol
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
	if !r.Bad() && s != Calibration {
		// A calibration record is the reference gas, not a measurement.
		if err := plausible(c); err != nil {
			r.Fail("value", err)
		}
	}
	switch b := strings.ToLower(r.Str("basis")); b {
	case "", "dry", "乾基":
	case "wet", "濕基":
		c.Dry = false
	default:
		r.Fail("basis", errors.New(`must be "dry" or "wet"`))
	}
	if v, ok := r.Float("o2_ref_pct"); ok {
		if v <= 0 || v >= 21 {
			r.Fail("o2_ref_pct", errors.New("reference O₂ must be between 0 and 21 %"))
		}
		c.O2Ref = v
	}
	return c
}

// convertCol reads value and unit columns and converts into target.
func convertCol(r *csvtab.Row, vcol, ucol, target string) float64 {
	v := r.Number(vcol)
	u := csvtab.Parse(r, ucol, param.LookupUnit).Symbol
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
func fuelAmount(r *csvtab.Row, f *Factors, fuel, vcol, ucol string) float64 {
	base, ok := f.base(fuel)
	if !ok {
		r.Fail("fuel", fmt.Errorf("unknown fuel; known fuels are %s", strings.Join(f.fuels(), ", ")))
		return 0
	}
	return convertCol(r, vcol, ucol, base)
}

// fuelRate reads capacity per hour ("kL/h", "t/h", "10³ m³/h") into the
// fuel's base unit per hour.
func fuelRate(r *csvtab.Row, f *Factors, fuel string) float64 {
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
	v := r.Number("capacity")
	if r.Bad() {
		return 0
	}
	out, err := param.Convert(v, amount, base)
	if err != nil {
		r.Fail("capacity_unit", err)
	}
	return out
}

func percent(r *csvtab.Row, col string, v float64) float64 {
	if v < 0 || v > 100 {
		r.Fail(col, errors.New("a percentage must be between 0 and 100"))
	}
	return v
}
