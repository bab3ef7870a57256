package model

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/param"
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
)

// OwnedFiles lists the files ReadDir leaves to other readers.
var OwnedFiles = []string{FileMonitors, FileWind, FileAirReadings, FilePetitions,
	FileSensors, FileSensorReadings, FileAirPermits, FileFuelDeclarations, FileCEMS, FileRainfall, FileEmissionFactors,
	FileAgencies, FileParcels, FileJurisdictions}

// NetworkFiles are the accepted names of the river network file, in order
// of preference. Only single-file formats are accepted so that the
// directory can be written atomically.
var NetworkFiles = []string{"network.geojson", "network.gpkg"}

// locator maps (file, record index) to a line number; nil for in-memory.
type locator map[string][]int

func (l locator) fe(file string, i int, col, val string, err error) *FieldError {
	e := &FieldError{File: file, Record: i, Column: col, Value: val, Err: err}
	if lines := l[file]; i < len(lines) {
		e.Line = lines[i]
	}
	return e
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Index validates the whole dataset — every record's values, uniqueness
// of ids, and references between kinds — and builds the lookup indexes.
// Call it after building or modifying a Dataset in code; ReadDir and
// WriteDir call it themselves. Once indexed, a Dataset is safe for
// concurrent lookups.
func (d *Dataset) Index() error {
	return d.validate(nil)
}

func (d *Dataset) validate(loc locator) error {
	var p problems
	ix := buildIndexes(d)

	for i, f := range d.Facilities {
		bad := func(col, val string, err error) { p.add(loc.fe(FileFacilities, i, col, val, err)) }
		if f.EmsNo == "" {
			bad("ems_no", "", errors.New("required"))
		} else if ix.facility[f.EmsNo] != i {
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
	for i, o := range d.Outfalls {
		bad := func(col, val string, err error) { p.add(loc.fe(FileOutfalls, i, col, val, err)) }
		if _, ok := ix.facility[o.Facility]; !ok {
			bad("ems_no", o.Facility, errors.New("no such facility in "+FileFacilities))
		}
		if o.ID == "" {
			bad("let", "", errors.New("required"))
		} else if ix.outfall[OutfallKey{o.Facility, o.ID}] != i {
			bad("let", o.ID, errors.New("duplicate outfall id for this facility"))
		}
		if err := checkXY(o.Point); err != nil {
			bad("x", fmtF(o.Point.X), err)
		}
	}
	for i, pm := range d.Permits {
		bad := func(col, val string, err error) { p.add(loc.fe(FilePermits, i, col, val, err)) }
		if pm.PerNo == "" {
			bad("per_no", "", errors.New("required"))
		} else if ix.permit[pm.PerNo] != i {
			bad("per_no", pm.PerNo, errors.New("duplicate permit number"))
		}
		if _, ok := ix.facility[pm.Facility]; !ok {
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
		if !(pm.MaxDailyM3 > 0) || math.IsInf(pm.MaxDailyM3, 0) {
			bad("per_water", fmtF(pm.MaxDailyM3), errors.New("must be a positive volume in m³/day"))
		}
		for _, c := range []struct {
			col string
			v   *float64
		}{{"intake_m3d", pm.IntakeM3PerDay}, {"treatment_capacity_m3d", pm.TreatmentCapacityM3PerDay}} {
			if c.v != nil && (!(*c.v >= 0) || math.IsInf(*c.v, 0)) {
				bad(c.col, fmtF(*c.v), errors.New("must be a non-negative volume in m³/day"))
			}
		}
	}
	for i, l := range d.Limits {
		bad := func(col, val string, err error) { p.add(loc.fe(FileLimits, i, col, val, err)) }
		pi, ok := ix.permit[l.Permit]
		if !ok {
			bad("per_no", l.Permit, errors.New("no such permit in "+FilePermits))
		} else if l.Outfall != "" {
			if _, ok := ix.outfall[OutfallKey{d.Permits[pi].Facility, l.Outfall}]; !ok {
				bad("let", l.Outfall, fmt.Errorf("facility %s has no such outfall in %s", d.Permits[pi].Facility, FileOutfalls))
			}
		}
		pr, ok := checkParam(bad, l.Parameter)
		if ok && !(l.ReportOnly && l.Unit == "") {
			if _, err := pr.Canonical(l.Value, l.Unit); err != nil {
				bad("unit", l.Unit, err)
			}
		}
		if !l.ReportOnly && (!(l.Value > 0) || math.IsInf(l.Value, 0)) {
			bad("value", fmtF(l.Value), errors.New("a limit must be positive (leave empty for report-only)"))
		}
		if !l.StatBase.Valid() {
			bad("stat_base", string(l.StatBase), dmr.ErrUnknownStatBase)
		}
	}
	for i, r := range d.Reports {
		bad := func(col, val string, err error) { p.add(loc.fe(FileReports, i, col, val, err)) }
		if _, ok := ix.facility[r.Facility]; !ok {
			bad("ems_no", r.Facility, errors.New("no such facility in "+FileFacilities))
		}
		if r.Permit != "" {
			if pi, ok := ix.permit[r.Permit]; !ok {
				bad("per_no", r.Permit, errors.New("no such permit in "+FilePermits))
			} else if d.Permits[pi].Facility != r.Facility {
				bad("per_no", r.Permit, fmt.Errorf("permit belongs to facility %s, not %s", d.Permits[pi].Facility, r.Facility))
			}
		}
		if r.Outfall != "" {
			if _, ok := ix.outfall[OutfallKey{r.Facility, r.Outfall}]; !ok {
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
	d.validateEffluent(ix, loc, &p)
	for i, s := range d.Stations {
		bad := func(col, val string, err error) { p.add(loc.fe(FileStations, i, col, val, err)) }
		if s.ID == "" {
			bad("station_id", "", errors.New("required"))
		} else if ix.station[s.ID] != i {
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
	}
	for i, r := range d.Readings {
		bad := func(col, val string, err error) { p.add(loc.fe(FileReadings, i, col, val, err)) }
		if _, ok := ix.station[r.Station]; !ok {
			bad("station_id", r.Station, errors.New("no such station in "+FileStations))
		}
		if r.Time.IsZero() {
			bad("time", "", errors.New("required"))
		}
		if pr, ok := checkParam(bad, r.Parameter); ok {
			checkValue(bad, pr, r.Value, r.Unit)
		}
		checkFlow(bad, r.Flow, r.FlowUnit)
		switch r.Sample.QA {
		case "", QAValid, QAQualified, QAInvalid:
		default:
			bad("qa_flag", r.Sample.QA, fmt.Errorf("must be %s, %s or %s (or empty)", QAValid, QAQualified, QAInvalid))
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	d.idx = ix
	return nil
}

func checkParam(bad func(string, string, error), name string) (param.Parameter, bool) {
	pr, err := param.Lookup(name)
	if err != nil {
		bad("parameter", name, err)
		return pr, false
	}
	return pr, true
}

// checkValue checks a value against its parameter and unit. Concentrations
// and flows cannot be negative; intensive quantities (temperature) can.
func checkValue(bad func(string, string, error), pr param.Parameter, v float64, unit string) {
	if _, err := pr.Canonical(v, unit); err != nil {
		col := "unit"
		if errors.Is(err, param.ErrInvalidValue) {
			col = "value"
		}
		bad(col, unit, err)
		return
	}
	if v < 0 && pr.Kind != param.KindIntensive {
		bad("value", fmtF(v), fmt.Errorf("negative %s", pr.Kind))
	}
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
	}
}
