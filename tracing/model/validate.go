package model

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/standard"
)

// File names, one per kind. Exported so that tools creating directories
// do not hard-code them.
const (
	FileFacilities = "facilities.csv"
	FileOutfalls   = "outfalls.csv"
	FilePermits    = "permits.csv"
	FileLimits     = "permit_limits.csv"
	FileReports    = "dmr.csv"
	FileStations   = "stations.csv"
	FileReadings   = "readings.csv"
)

// Files of the air and odour data, read by the packages that own their
// kinds (atmos: monitors and wind; tracing/air: air readings;
// tracing/odour: petitions; tracing/sensor: the micro-sensors and their
// readings; tracing/airpermit: air permits, fuel declarations, CEMS,
// rainfall and emission factors) and composed by tracing/datadir. They are
// listed here so that this file names every file a data directory may
// hold; ReadDir accepts them and leaves them to their owners.
const (
	FileMonitors         = atmos.FileMonitors
	FileWind             = atmos.FileWind
	FileAirReadings      = "air_readings.csv"
	FilePetitions        = "petitions.csv"
	FileSensors          = "sensors.csv"
	FileSensorReadings   = "sensor_readings.csv"
	FileAirPermits       = "air_permits.csv"
	FileFuelDeclarations = "fuel_declarations.csv"
	FileCEMS             = "cems.csv"
	FileRainfall         = "rainfall.csv"
	FileEmissionFactors  = "emission_factors.csv"
	// The land of illegal-dumping routing, read by casework/dumping.
	FileAgencies      = "agencies.csv"
	FileParcels       = "parcels.geojson"
	FileJurisdictions = "jurisdictions.geojson"
	// The inspection records' summary, read by casework/inspection.
	FileInspections = "inspections.csv"
	// The irrigation system of farmland impact, read by tracing/farmland.
	FileIrrigationIntakes = "irrigation_intakes.csv"
	FileIrrigatedAreas    = "irrigated_areas.geojson"
	FileReachFlows        = "reach_flows.csv"
	FileCanalPermits      = "canal_permits.csv"
)

// OwnedFiles lists the files ReadDir leaves to other readers.
var OwnedFiles = []string{FileMonitors, FileWind, FileAirReadings, FilePetitions,
	FileSensors, FileSensorReadings, FileAirPermits, FileFuelDeclarations, FileCEMS, FileRainfall, FileEmissionFactors,
	FileAgencies, FileParcels, FileJurisdictions,
	FileIrrigationIntakes, FileIrrigatedAreas, FileReachFlows, FileCanalPermits, FileInspections}

// NetworkFiles are the accepted names of the river network file, in order
// of preference: every single-file format the network engine reads
// (GeoJSON, GeoPackage, CSV with WKT geometry or an id → toid table). Only
// single-file formats are accepted so that the directory can be written
// atomically.
var NetworkFiles = []string{"network.geojson", "network.gpkg", "network.csv"}

// locator maps (file, record index) to a line number; nil for in-memory.
type locator map[string][]int

// where names record i of file for a message: its line, or its record
// index for a dataset built in memory.
func (l locator) where(file string, i int) string {
	if lines := l[file]; i < len(lines) {
		return fmt.Sprintf("line %d", lines[i])
	}
	return fmt.Sprintf("record %d", i)
}

func (l locator) fe(file string, i int, col, val string, err error) *FieldError {
	e := &FieldError{File: file, Record: i, Column: col, Value: val, Err: err}
	if lines := l[file]; i < len(lines) {
		e.Line = lines[i]
	}
	return e
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Index validates the whole dataset — every record's values, their
// physical plausibility, uniqueness of ids and readings, and references
// between kinds — converts every value to its canonical unit (readings,
// reports and limits to the parameter's unit, river flows to m³/s,
// reported discharges to m³/day) and builds the lookup indexes. Call it
// after building or modifying a Dataset in code; ReadDir and WriteDir call
// it themselves. Converting twice changes nothing, and a record already
// canonical is not written at all: a copy of an indexed Dataset that shares
// its record slices (one with readings appended) can be indexed while the
// original serves lookups. Once indexed, a Dataset is safe for concurrent
// lookups.
func (d *Dataset) Index() error {
	return d.validate(nil)
}

// validate runs every rule of the data directory, each kind in its own
// function, and on success converts the dataset to canonical units.
func (d *Dataset) validate(loc locator) error {
	if d.fixed != nil {
		// Corrections are folded into a new slice: the shared one stays
		// as the Datasets holding it read it.
		d.readings, d.fixed = d.CurrentReadings(), nil
	}
	v := &validator{d: d, ix: buildIndexes(d), loc: loc}
	v.facilities()
	v.outfalls()
	v.permits()
	v.limits()
	v.reports()
	v.d.validateEffluent(v.ix, v.loc, &v.p)
	v.stations()
	v.readings()
	if err := v.p.err(); err != nil {
		return err
	}
	d.toCanonical()
	d.idx = v.ix
	return nil
}

// validator carries what every per-kind rule needs.
type validator struct {
	d   *Dataset
	ix  *indexes
	loc locator
	p   problems
}

// bad returns the problem reporter of record i of file.
func (v *validator) bad(file string, i int) func(col, val string, err error) {
	return func(col, val string, err error) { v.p.add(v.loc.fe(file, i, col, val, err)) }
}

// facilities: a control number and a name each, the number unique.
func (v *validator) facilities() {
	for i, f := range v.d.Facilities {
		bad := v.bad(FileFacilities, i)
		if f.EmsNo == "" {
			bad("ems_no", "", errors.New("required"))
		} else if v.ix.facility[f.EmsNo] != i {
			bad("ems_no", f.EmsNo, errors.New("duplicate control number"))
		}
		if f.Name == "" {
			bad("fac_name", "", errors.New("required"))
		}
		if f.Location != nil {
			if err := checkXY(*f.Location); err != nil {
				bad("x", fmtF(f.Location.X), err)
			}
		}
		if g := f.Geo; g != nil {
			switch {
			case f.Location != nil:
				bad("lon", fmtF(g.Lon), errors.New("a facility with an EPSG:3826 location needs no separate lon/lat"))
			case math.IsNaN(g.Lon) || math.IsNaN(g.Lat) || math.Abs(g.Lon) > 180 || math.Abs(g.Lat) > 90:
				bad("lon", fmtF(g.Lon), errors.New("not a longitude and latitude in degrees"))
			}
		}
	}
}

// outfalls: of a known facility, with an id unique within it and a place.
func (v *validator) outfalls() {
	for i, o := range v.d.Outfalls {
		bad := v.bad(FileOutfalls, i)
		if _, ok := v.ix.facility[o.Facility]; !ok {
			bad("ems_no", o.Facility, errors.New("no such facility in "+FileFacilities))
		}
		if o.ID == "" {
			bad("let", "", errors.New("required"))
		} else if v.ix.outfall[OutfallKey{o.Facility, o.ID}] != i {
			bad("let", o.ID, errors.New("duplicate outfall id for this facility"))
		}
		if err := checkXY(o.Point); err != nil {
			bad("x", fmtF(o.Point.X), err)
		}
	}
}

// permits: unique numbers of known facilities, an ordered validity period
// and plausible positive volumes.
func (v *validator) permits() {
	for i, pm := range v.d.Permits {
		bad := v.bad(FilePermits, i)
		if pm.PerNo == "" {
			bad("per_no", "", errors.New("required"))
		} else if v.ix.permit[pm.PerNo] != i {
			bad("per_no", pm.PerNo, errors.New("duplicate permit number"))
		}
		if _, ok := v.ix.facility[pm.Facility]; !ok {
			bad("ems_no", pm.Facility, errors.New("no such facility in "+FileFacilities))
		}
		switch {
		case pm.ValidFrom.IsZero():
			bad("per_sdate", "", errors.New("required"))
		case pm.ValidTo.IsZero():
			bad("per_edate", "", errors.New("required"))
		case pm.ValidTo.Before(pm.ValidFrom):
			bad("per_edate", pm.ValidTo.Format(dateLayout), errors.New("before per_sdate "+pm.ValidFrom.Format(dateLayout)))
		}
		if !(pm.MaxDailyM3 > 0) || checkDailyVolume(pm.MaxDailyM3) != nil {
			bad("per_water", fmtF(pm.MaxDailyM3), errors.New("must be a positive, plausible volume in m³/day"))
		}
		for _, c := range []struct {
			col string
			v   *float64
		}{{"intake_m3d", pm.IntakeM3PerDay}, {"treatment_capacity_m3d", pm.TreatmentCapacityM3PerDay}} {
			if c.v != nil && checkDailyVolume(*c.v) != nil {
				bad(c.col, fmtF(*c.v), errors.New("must be a non-negative, plausible volume in m³/day"))
			}
		}
	}
}

// limits: of a known permit (and outfall of its facility), a known
// parameter in a fitting unit, a positive plausible value unless
// report-only, and a known statistical base.
func (v *validator) limits() {
	for i, l := range v.d.Limits {
		bad := v.bad(FileLimits, i)
		pi, ok := v.ix.permit[l.Permit]
		if !ok {
			bad("per_no", l.Permit, errors.New("no such permit in "+FilePermits))
		} else if l.Outfall != "" {
			if _, ok := v.ix.outfall[OutfallKey{v.d.Permits[pi].Facility, l.Outfall}]; !ok {
				bad("let", l.Outfall, fmt.Errorf("facility %s has no such outfall in %s", v.d.Permits[pi].Facility, FileOutfalls))
			}
		}
		pr, ok := checkParam(bad, l.Parameter)
		switch {
		case !ok || (l.ReportOnly && l.Unit == ""):
		case l.ReportOnly:
			if !pr.Accepts(l.Unit) {
				_, err := pr.Canonical(1, l.Unit)
				bad("unit", l.Unit, err)
			}
		case !(l.Value > 0):
			bad("value", fmtF(l.Value), errors.New("a limit must be positive (leave empty for report-only)"))
		default:
			checkValue(bad, pr, l.Value, l.Unit)
		}
		if !l.StatBase.Valid() {
			bad("stat_base", string(l.StatBase), dmr.ErrUnknownStatBase)
		}
	}
}

// reports: of a known facility (and its permit and outfall), an ordered
// period, a valid value unless no data, a known statistical base and a
// plausible flow.
func (v *validator) reports() {
	for i, r := range v.d.Reports {
		bad := v.bad(FileReports, i)
		if _, ok := v.ix.facility[r.Facility]; !ok {
			bad("ems_no", r.Facility, errors.New("no such facility in "+FileFacilities))
		}
		if r.Permit != "" {
			if pi, ok := v.ix.permit[r.Permit]; !ok {
				bad("per_no", r.Permit, errors.New("no such permit in "+FilePermits))
			} else if v.d.Permits[pi].Facility != r.Facility {
				bad("per_no", r.Permit, fmt.Errorf("permit belongs to facility %s, not %s", v.d.Permits[pi].Facility, r.Facility))
			}
		}
		if r.Outfall != "" {
			if _, ok := v.ix.outfall[OutfallKey{r.Facility, r.Outfall}]; !ok {
				bad("let", r.Outfall, fmt.Errorf("facility %s has no such outfall in %s", r.Facility, FileOutfalls))
			}
		}
		switch {
		case r.Period.Start.IsZero():
			bad("period_start", "", errors.New("required"))
		case r.Period.End.IsZero():
			bad("period_end", "", errors.New("required"))
		case r.Period.End.Before(r.Period.Start):
			bad("period_end", r.Period.End.Format(dateLayout), errors.New("before period_start"))
		}
		if pr, ok := checkParam(bad, r.Parameter); ok && r.NoData == "" {
			checkValue(bad, pr, r.Value, r.Unit)
		}
		if !r.StatBase.Valid() {
			bad("stat_base", string(r.StatBase), dmr.ErrUnknownStatBase)
		}
		checkFlow(bad, r.Flow, r.FlowUnit)
	}
}

// stations: unique ids, a name, a kind, a place and a known water class.
func (v *validator) stations() {
	for i, s := range v.d.Stations {
		bad := v.bad(FileStations, i)
		if s.ID == "" {
			bad("station_id", "", errors.New("required"))
		} else if v.ix.station[s.ID] != i {
			bad("station_id", s.ID, errors.New("duplicate station id"))
		}
		if s.Name == "" {
			bad("name", "", errors.New("required"))
		}
		if s.Kind != Fixed && s.Kind != Continuous {
			bad("kind", string(s.Kind), errors.New(`must be "fixed" or "continuous"`))
		}
		if err := checkXY(s.Point); err != nil {
			bad("x", fmtF(s.Point.X), err)
		}
		if c, err := standard.ParseClass(string(s.WaterClass)); err != nil || c != s.WaterClass {
			bad("water_class", string(s.WaterClass), standard.ErrUnknownClass)
		}
	}
}

// readings: of a known station, at a time, a valid plausible value and
// flow, and no two of one parameter at one station and instant.
func (v *validator) readings() {
	for i := range v.d.readings {
		v.reading(i, &v.d.readings[i])
	}
	if v.p.err() == nil {
		v.readingConflicts()
	}
}

// reading checks one reading, record i of the readings file: a known
// station, a time, a known parameter with a plausible value in a unit that
// fits it, a plausible flow and a known QA flag.
func (v *validator) reading(i int, r *Reading) {
	bad := v.bad(FileReadings, i)
	if _, ok := v.ix.station[r.Station]; !ok {
		bad("station_id", r.Station, errors.New("no such station in "+FileStations))
	}
	if r.Time.IsZero() {
		bad("time", "", errors.New("required"))
	}
	if pr, ok := checkParam(bad, r.Parameter); ok {
		checkValue(bad, pr, r.Value, r.Unit)
	}
	checkFlow(bad, r.Flow, r.FlowUnit)
	if err := CheckQA(r.Sample.QA); err != nil {
		bad("qa_flag", r.Sample.QA, err)
	}
}

// readingConflicts rejects a second reading of one parameter at one
// station and instant, naming both rows: with another value it conflicts
// (which is right?), with the same value it is a copy to remove.
func (v *validator) readingConflicts() {
	first := make(map[ReadingKey]int, len(v.d.readings))
	for i := range v.d.readings {
		r, err := v.d.readings[i].Canonical()
		if err != nil {
			continue // reported by readings()
		}
		k := KeyOf(&r)
		j, seen := first[k]
		if !seen {
			first[k] = i
			continue
		}
		prev, _ := v.d.readings[j].Canonical()
		where := v.loc.where(FileReadings, j)
		if SameMeasurement(&prev, &r) {
			v.bad(FileReadings, i)("time", r.Time.Format(time.RFC3339), fmt.Errorf("repeats %s (same station, time, parameter and value); remove the copy", where))
			continue
		}
		v.bad(FileReadings, i)("value", fmtF(v.d.readings[i].Value),
			&ConflictError{Station: r.Station, Time: r.Time, Parameter: r.Parameter, First: prev, Second: r, FirstWhere: where})
	}
}

// toCanonical converts every value to its canonical unit (effluent
// monitoring series too); validate has checked that each converts. It
// writes only the records the conversion changes (see Index).
func (d *Dataset) toCanonical() {
	for i := range d.readings {
		if c, err := d.readings[i].Canonical(); err == nil && c != d.readings[i] {
			d.readings[i] = c
		}
	}
	for i := range d.Reports {
		if c, err := d.Reports[i].Canonical(); err == nil && c != d.Reports[i] {
			d.Reports[i] = c
		}
	}
	for i := range d.Limits {
		if c, err := d.Limits[i].Canonical(); err == nil && c != d.Limits[i] {
			d.Limits[i] = c
		}
	}
	for i := range d.Effluent {
		r := &d.Effluent[i]
		p, err := param.Lookup(r.Parameter)
		if err != nil {
			continue
		}
		if v, err := p.Canonical(r.Value, r.Unit); err == nil && (r.Parameter != p.ID || r.Value != v || r.Unit != p.Unit) {
			r.Parameter, r.Value, r.Unit = p.ID, v, p.Unit
		}
	}
}

// checkDailyVolume checks a volume in m³/day is finite, not negative and a
// plausible flow.
func checkDailyVolume(m3PerDay float64) error {
	if m3PerDay < 0 || math.IsNaN(m3PerDay) || math.IsInf(m3PerDay, 0) {
		return errors.New("not a non-negative number")
	}
	q, err := param.Convert(m3PerDay, ReportedFlowUnit, RiverFlowUnit)
	if err != nil {
		return err
	}
	return param.PlausibleFlow(q)
}

func checkParam(bad func(string, string, error), name string) (param.Parameter, bool) {
	pr, err := param.Lookup(name)
	if err != nil {
		bad("parameter", name, err)
		return pr, false
	}
	return pr, true
}

// checkValue checks a value against its parameter and unit, and, once
// converted, against the parameter's physical range (param.Plausible):
// concentrations and flows cannot be negative, pH lies in 0–14.
func checkValue(bad func(string, string, error), pr param.Parameter, v float64, unit string) {
	c, ok := checkMeasured(bad, pr, v, unit)
	if !ok {
		return
	}
	if err := pr.Plausible(c); err != nil {
		bad("value", fmtF(v), err)
	}
}

// checkMeasured checks a value's unit and sign and returns it converted,
// without the plausibility check: an online effluent monitor's impossible
// value (pH 14.8) is a finding of the anomaly screen about the monitor,
// not a file to refuse.
func checkMeasured(bad func(string, string, error), pr param.Parameter, v float64, unit string) (float64, bool) {
	c, err := pr.Canonical(v, unit)
	if err != nil {
		col := "unit"
		if errors.Is(err, param.ErrInvalidValue) {
			col = "value"
		}
		bad(col, unit, err)
		return 0, false
	}
	if c < 0 && pr.Kind != param.KindIntensive {
		bad("value", fmtF(v), fmt.Errorf("negative %s", pr.Kind))
		return 0, false
	}
	return c, true
}

func checkFlow(bad func(string, string, error), flow float64, unit string) {
	if unit == "" {
		return
	}
	if _, err := param.Canonical("FLOW", flow, unit); err != nil {
		bad("flow_unit", unit, err)
		return
	}
	if flow < 0 {
		bad("flow", fmtF(flow), errors.New("negative flow"))
		return
	}
	q, _ := param.Canonical("FLOW", flow, unit)
	if err := param.PlausibleFlow(q); err != nil {
		bad("flow", fmtF(flow), err)
	}
}
