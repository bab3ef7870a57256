// Package farmland answers the forward question of irrigation pollution:
// which farmland does a discharge reach through rivers and irrigation
// canals, how soon, at what concentration against the irrigation water
// standard, which intake gates must close, and which irrigated areas
// accumulate metals fastest towards the soil standards (with the
// dischargers upstream of their intakes as suspects).
package farmland

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// The data-directory files this package owns (tracing/model.OwnedFiles
// lists them so that ReadDir accepts them).
const (
	FileIntakes      = model.FileIrrigationIntakes
	FileAreas        = model.FileIrrigatedAreas
	FileReachFlows   = model.FileReachFlows
	FileCanalPermits = model.FileCanalPermits
)

// ErrInvalid marks every problem with the irrigation files.
var ErrInvalid = errors.New("invalid irrigation data")

// Intake is an irrigation intake gate: a canal's head gate on a river or a
// turnout on a canal, from which the water flows to farmland.
type Intake struct {
	ID          string
	Name        string
	Point       model.Point // EPSG:3826
	ReachID     string
	CapacityM3s float64 // design capacity, m³/s; 0 when unknown
	// Office is the irrigation agency's management office and work station
	// that operates the gate; Contact is how to reach it.
	Office  string
	Contact string
	// Email is where alerts for the gate are sent (the outbox), if given.
	Email string
}

// Area is an irrigated area (灌區) with what accumulation screening needs.
type Area struct {
	ID        string
	IntakeIDs []string
	AreaHa    float64
	Crops     string
	// DepthM is the plough layer the metals mix into (m) and BulkDensity
	// its dry bulk density (g/cm³ = t/m³); 0 when not given.
	DepthM      float64
	BulkDensity float64
	// IrrigationM3HaY is the irrigation water applied per hectare and
	// year (m³/ha/y); 0 when not given.
	IrrigationM3HaY float64
	// Soil holds the measured current soil concentrations, mg/kg, by
	// parameter id (Cu, Zn, ...).
	Soil     map[string]float64
	Geometry orb.Geometry // EPSG:3826
}

// CanalPermit is a permit (搭排) that lets a facility discharge into an
// irrigation canal: the canal and the agency that granted it.
type CanalPermit struct {
	PermitNo string
	EMSNo    string
	Let      string
	ReachID  string
	Agency   string
	From, To time.Time
}

// Data is a data directory's irrigation system.
type Data struct {
	Intakes []Intake
	Areas   []Area
	// FlowM3s is the mean flow of each reach (m³/s), by reach id.
	FlowM3s map[string]float64
	Permits []CanalPermit
}

// Intake returns the intake with id.
func (d *Data) Intake(id string) (Intake, bool) {
	i := slices.IndexFunc(d.Intakes, func(x Intake) bool { return x.ID == id })
	if i < 0 {
		return Intake{}, false
	}
	return d.Intakes[i], true
}

// canalPermit returns the number of a facility's canal permit valid on
// day t, "" when it holds none.
func (d *Data) canalPermit(emsNo string, t time.Time) string {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for _, p := range d.Permits {
		if p.EMSNo == emsNo && !day.Before(p.From) && !day.After(p.To) {
			return p.PermitNo
		}
	}
	return ""
}

// AreasOf lists the areas an intake feeds.
func (d *Data) AreasOf(intakeID string) []Area {
	var out []Area
	for _, a := range d.Areas {
		if slices.Contains(a.IntakeIDs, intakeID) {
			out = append(out, a)
		}
	}
	return out
}

// ReadDir reads the irrigation files of a data directory. Every file is
// optional; a directory with none gives an empty Data.
func ReadDir(dir string) (*Data, error) {
	d := &Data{FlowM3s: map[string]float64{}}
	var errs []error
	var err error
	if d.Intakes, err = csvtab.ReadFile(filepath.Join(dir, FileIntakes), intakeSchema, readIntake); err != nil {
		errs = append(errs, err)
	}
	flows, err := csvtab.ReadFile(filepath.Join(dir, FileReachFlows), flowSchema, readFlow)
	if err != nil {
		errs = append(errs, err)
	}
	for _, f := range flows {
		d.FlowM3s[f.reach] = f.q
	}
	if d.Permits, err = csvtab.ReadFile(filepath.Join(dir, FileCanalPermits), permitSchema, readPermit); err != nil {
		errs = append(errs, err)
	}
	if d.Areas, err = ReadAreas(filepath.Join(dir, FileAreas)); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// Validate checks the references between the files: unique intake and
// area ids, every area's intakes exist.
func (d *Data) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, in := range d.Intakes {
		if seen[in.ID] {
			errs = append(errs, fmt.Errorf("%s: intake %q appears twice", FileIntakes, in.ID))
		}
		seen[in.ID] = true
	}
	areas := map[string]bool{}
	for _, a := range d.Areas {
		if areas[a.ID] {
			errs = append(errs, fmt.Errorf("%s: area %q appears twice", FileAreas, a.ID))
		}
		areas[a.ID] = true
		for _, id := range a.IntakeIDs {
			if !seen[id] {
				errs = append(errs, fmt.Errorf("%s: area %q: intake %q is not in %s", FileAreas, a.ID, id, FileIntakes))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

var intakeSchema = csvtab.Schema{
	Required: []string{"intake_id", "name", "reach_id", "office", "contact"},
	Optional: []string{"x", "y", "lon", "lat", "capacity_m3s", "email", "note"},
	Pairs:    [][2]string{{"x", "y"}, {"lon", "lat"}},
}

func readIntake(r *csvtab.Row) Intake {
	r.Required("intake_id", "name", "reach_id", "office", "contact")
	in := Intake{ID: r.Str("intake_id"), Name: r.Str("name"), ReachID: r.Str("reach_id"), Office: r.Str("office"), Contact: r.Str("contact"), Email: r.Str("email")}
	ll, col, err := crs.PositionFrom(r.Str("x"), r.Str("y"), r.Str("lon"), r.Str("lat"))
	if err != nil {
		r.Fail(col, err)
	} else {
		in.Point = model.FromLonLat(ll[0], ll[1])
	}
	if v, ok := r.Float("capacity_m3s"); ok {
		if v < 0 {
			r.Fail("capacity_m3s", errors.New("negative capacity"))
		}
		in.CapacityM3s = v
	}
	return in
}

type reachFlow struct {
	reach string
	q     float64
}

var flowSchema = csvtab.Schema{Required: []string{"reach_id"}, Optional: []string{"flow_cms", "qa_ma", "note"}}

// readFlow reads one reach's mean flow: flow_cms in m³/s, or NHDPlus QA_MA
// in ft³/s, converted here, once.
func readFlow(r *csvtab.Row) reachFlow {
	r.Required("reach_id")
	f := reachFlow{reach: r.Str("reach_id")}
	cms, okC := r.Float("flow_cms")
	cfs, okF := r.Float("qa_ma")
	switch {
	case okC && okF:
		r.Fail("qa_ma", errors.New("give flow_cms or qa_ma, not both"))
	case okC:
		f.q = cms
	case okF:
		q, err := param.Convert(cfs, "ft³/s", "m³/s")
		if err != nil {
			r.Fail("qa_ma", err)
		}
		f.q = q
	default:
		r.Fail("flow_cms", errors.New("required: flow_cms (m³/s) or qa_ma (ft³/s)"))
	}
	if f.q <= 0 && !r.Bad() {
		r.Fail("flow_cms", errors.New("a mean flow must be > 0"))
	}
	return f
}

var permitSchema = csvtab.Schema{
	Required: []string{"permit_no", "ems_no", "reach_id", "agency", "valid_from", "valid_to"},
	Optional: []string{"let", "note"},
}

func readPermit(r *csvtab.Row) CanalPermit {
	r.Required("permit_no", "ems_no", "reach_id", "agency")
	p := CanalPermit{PermitNo: r.Str("permit_no"), EMSNo: r.Str("ems_no"), Let: r.Str("let"), ReachID: r.Str("reach_id"),
		Agency: r.Str("agency"), From: r.Date("valid_from"), To: r.Date("valid_to")}
	if !r.Bad() && p.To.Before(p.From) {
		r.Fail("valid_to", errors.New("before valid_from"))
	}
	return p
}

// soilPrefix introduces a soil concentration property (soil_cu, mg/kg).
const soilPrefix = "soil_"

// ReadAreas reads irrigated_areas.geojson (EPSG:3826 or lon/lat). A
// missing file gives no areas.
func ReadAreas(path string) ([]Area, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	ly, err := layer.Read(path, layer.Options{})
	if err != nil {
		return nil, err
	}
	to3826, err := toTWD97(ly)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	var out []Area
	var errs []error
	for _, f := range ly.Features {
		a, perr := areaOf(f)
		if perr == nil {
			if a.Geometry, err = to3826.Geometry(f.Geometry); err != nil {
				perr = &propErr{"geometry", err}
			}
		}
		if perr != nil {
			errs = append(errs, &layer.RowError{File: filepath.Base(path), Row: f.Row, Field: perr.field, Err: perr.err})
			continue
		}
		out = append(out, a)
	}
	return out, errors.Join(errs...)
}

// toTWD97 returns the transformer from the layer's CRS to EPSG:3826; a
// file without a declared CRS holds lon/lat or TM2 metres, told apart by
// range.
func toTWD97(ly *layer.Layer) (*crs.Transformer, error) {
	from := crs.Code(ly.SRID)
	if from == 0 {
		from = crs.TWD97TM2
		for _, f := range ly.Features {
			if f.Geometry != nil {
				if b := f.Geometry.Bound(); b.Max[0] <= 180 && b.Min[0] >= -180 {
					from = crs.WGS84
				}
				break
			}
		}
	}
	return crs.NewTransformer(from, crs.TWD97TM2)
}

type propErr struct {
	field string
	err   error
}

func areaOf(f layer.Feature) (Area, *propErr) {
	str := func(k string) string { v, _ := f.String(k); return strings.TrimSpace(v) }
	a := Area{ID: str("area_id"), Crops: str("crops"), Soil: map[string]float64{}, Geometry: f.Geometry}
	if a.ID == "" {
		return a, &propErr{"area_id", errors.New("required")}
	}
	switch f.Geometry.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return a, &propErr{"geometry", errors.New("want a Polygon or MultiPolygon")}
	}
	for _, id := range strings.Split(str("intake_ids"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			a.IntakeIDs = append(a.IntakeIDs, id)
		}
	}
	if len(a.IntakeIDs) == 0 {
		return a, &propErr{"intake_ids", errors.New("required: the intakes that feed the area, comma-separated")}
	}
	var ok bool
	if a.AreaHa, ok = f.Float("area_ha"); !ok || !(a.AreaHa > 0) {
		return a, &propErr{"area_ha", errors.New("required: a number of hectares > 0")}
	}
	for _, k := range []struct {
		name string
		dst  *float64
	}{{"depth_m", &a.DepthM}, {"bulk_density", &a.BulkDensity}, {"irrigation_m3_ha_y", &a.IrrigationM3HaY}} {
		if v, ok := f.Float(k.name); ok {
			if !(v > 0) || math.IsInf(v, 0) {
				return a, &propErr{k.name, fmt.Errorf("%v: must be a number > 0", v)}
			}
			*k.dst = v
		}
	}
	for k := range f.Props {
		name, ok := strings.CutPrefix(strings.ToLower(k), soilPrefix)
		if !ok {
			continue
		}
		p, err := param.Lookup(name)
		if err != nil {
			return a, &propErr{k, err}
		}
		v, ok := f.Float(k)
		if !ok {
			continue
		}
		if v < 0 || math.IsInf(v, 0) {
			return a, &propErr{k, fmt.Errorf("%v: a soil concentration is ≥ 0 mg/kg", v)}
		}
		a.Soil[p.ID] = v
	}
	return a, nil
}
