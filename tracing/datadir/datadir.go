// Package datadir reads a whole data directory by composing the readers of
// the packages that own each kind: tracing/model (the water files: the
// network, facilities, permits, reports, stations, readings), atmos
// (monitors.csv, wind.csv), tracing/air (air_readings.csv), tracing/odour
// (petitions.csv), tracing/sensor (sensors.csv, sensor_readings.csv) and
// tracing/airpermit (air_permits.csv, fuel_declarations.csv, cems.csv,
// rainfall.csv, emission_factors.csv). model lists every file a directory
// may hold; this package checks the references between kinds (a wind
// observation's monitor exists and measures wind) and builds the odour and
// CPF answers from a directory, so the CLI and the API share one path.
package datadir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// Dir is a data directory in memory.
type Dir struct {
	Path        string
	Water       *model.Dataset
	Monitors    []atmos.Monitor
	Wind        []atmos.Observation
	AirReadings []air.Reading
	Petitions   []odour.Petition
	// Contacts are the petitioners' private contacts; see odour.Contact.
	Contacts odour.Contacts
	// Sensors are the micro-sensors and their readings (never nil after
	// Read).
	Sensors *sensor.Data
	// AirPermits are the air permits, fuel declarations, CEMS records,
	// rainfall and emission factors (never nil after Read).
	AirPermits *airpermit.Data
}

// Read reads and validates every file of dir. Each file's problems are
// reported together, as for model.ReadDir.
func Read(dir string) (*Dir, error) {
	ds, err := model.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	return ReadWith(dir, ds)
}

// ReadWith reads dir's air, sensor and odour files beside a water dataset already
// read from it (by model.ReadDir, or built by the caller), so that a
// server that has loaded the water data does not read it twice.
func ReadWith(dir string, ds *model.Dataset) (*Dir, error) {
	d := &Dir{Path: dir, Water: ds, Contacts: odour.Contacts{}}
	var errs []error
	read := func(name string, fn func(io.Reader) error) {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if err != nil {
			errs = append(errs, err)
			return
		}
		defer f.Close()
		if err := fn(f); err != nil {
			errs = append(errs, err)
		}
	}
	read(model.FileMonitors, func(r io.Reader) (err error) { d.Monitors, err = atmos.ReadMonitors(r); return })
	read(model.FileWind, func(r io.Reader) (err error) { d.Wind, err = atmos.ReadWind(r); return })
	read(model.FileAirReadings, func(r io.Reader) (err error) { d.AirReadings, err = air.ReadReadings(r); return })
	read(model.FilePetitions, func(r io.Reader) (err error) { d.Petitions, d.Contacts, err = odour.ReadPetitions(r); return })
	var err error
	if d.Sensors, err = sensor.ReadDir(dir); err != nil {
		errs = append(errs, err)
	}
	if d.AirPermits, err = airpermit.ReadDir(dir); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := d.checkReferences(); err != nil {
		return nil, err
	}
	return d, nil
}

// ReferenceError reports a record naming a monitor that monitors.csv lacks
// or whose kind does not measure what the record holds.
type ReferenceError struct {
	File, Monitor, Problem string
}

// Error names the file, the monitor and the problem.
func (e *ReferenceError) Error() string {
	return fmt.Sprintf("%s: monitor %q %s", e.File, e.Monitor, e.Problem)
}

// Is makes errors.Is(err, model.ErrInvalid) true: the data is wrong.
func (e *ReferenceError) Is(t error) bool { return t == model.ErrInvalid }

func (d *Dir) checkReferences() error {
	kinds := map[string]atmos.MonitorKind{}
	for _, m := range d.Monitors {
		kinds[m.ID] = m.Kind
	}
	var errs []error
	seen := map[string]bool{}
	check := func(file, id string, ok func(atmos.MonitorKind) bool, what string) {
		if seen[file+"\x00"+id] {
			return
		}
		seen[file+"\x00"+id] = true
		k, found := kinds[id]
		switch {
		case !found:
			errs = append(errs, &ReferenceError{File: file, Monitor: id, Problem: "is not in " + model.FileMonitors})
		case !ok(k):
			errs = append(errs, &ReferenceError{File: file, Monitor: id, Problem: fmt.Sprintf("has kind %s, which does not measure %s", k, what)})
		}
	}
	for _, o := range d.Wind {
		check(model.FileWind, o.Station, atmos.MonitorKind.MeasuresWind, "wind")
	}
	for _, r := range d.AirReadings {
		check(model.FileAirReadings, r.Monitor, atmos.MonitorKind.MeasuresAir, "air quality")
	}
	return errors.Join(errs...)
}

// OdourEngine builds the odour attribution engine over the directory, its
// candidates' evidence with their air permits (OdourOptions).
func (d *Dir) OdourEngine(opt odour.Options) (*odour.Engine, error) {
	return odour.New(d.Water, d.Petitions, d.Monitors, d.Wind, d.OdourOptions(opt))
}

// OdourOptions gives opt the directory's air permits and their
// rationality findings (checked here, once), for engines built over the
// directory's data with more petitions.
func (d *Dir) OdourOptions(opt odour.Options) odour.Options {
	if opt.AirPermits == nil && d.AirPermits != nil {
		opt.AirPermits = d.AirPermits
		opt.AirFindings = airpermit.Check(d.AirPermits).Findings
	}
	return opt
}
