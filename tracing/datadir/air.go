package datadir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// ErrUnknownMonitor is wrapped by UnknownMonitorError.
var ErrUnknownMonitor = errors.New("unknown monitor")

// UnknownMonitorError names a monitor the directory does not hold.
type UnknownMonitorError struct{ ID string }

// Error names the monitor.
func (e *UnknownMonitorError) Error() string { return fmt.Sprintf("monitor %q does not exist", e.ID) }

// Unwrap makes errors.Is(err, ErrUnknownMonitor) true.
func (e *UnknownMonitorError) Unwrap() error { return ErrUnknownMonitor }

// NoReadingsError says a monitor has no readings of a parameter (or no
// wind), so no CPF can be computed.
type NoReadingsError struct{ Monitor, Parameter, What string }

// Error names what is missing.
func (e *NoReadingsError) Error() string {
	return fmt.Sprintf("monitor %s has no %s", e.Monitor, e.What)
}

// CPF computes the conditional probability function of one monitor's
// readings of parameter (any name tracing/param knows) against the wind
// measured at the same monitor, and places the directory's facilities in
// its high sectors.
func (d *Dir) CPF(monitor, parameter string, opt air.CPFOptions) (*air.CPFResult, error) {
	var m *atmos.Monitor
	for i := range d.Monitors {
		if d.Monitors[i].ID == monitor {
			m = &d.Monitors[i]
		}
	}
	if m == nil {
		return nil, &UnknownMonitorError{ID: monitor}
	}
	p, err := param.Lookup(parameter)
	if err != nil {
		return nil, err
	}
	if !p.Air() {
		return nil, fmt.Errorf("%s is a water parameter; a CPF needs an air parameter", p.ID)
	}
	var wind []atmos.Observation
	for _, o := range d.Wind {
		if o.Station == monitor {
			wind = append(wind, o)
		}
	}
	var rs []air.Reading
	for _, r := range d.AirReadings {
		if r.Monitor == monitor && r.Parameter == p.ID {
			rs = append(rs, r)
		}
	}
	switch {
	case len(wind) == 0:
		return nil, &NoReadingsError{Monitor: monitor, What: "wind observations in " + model.FileWind}
	case len(rs) == 0:
		return nil, &NoReadingsError{Monitor: monitor, Parameter: p.ID, What: p.ID + " readings in " + model.FileAirReadings}
	}
	var sites []air.Site
	for _, f := range d.Water.Facilities {
		if lon, lat, ok := f.Position(); ok {
			sites = append(sites, air.Site{ID: f.EmsNo, Name: f.Name, Lon: lon, Lat: lat})
		}
	}
	return air.CPF(*m, wind, rs, sites, opt)
}

// Imported counts what an import added.
type Imported struct {
	Monitors, Wind, Readings int
}

// Extend adds monitors, wind observations and air readings to dir's
// monitors.csv, wind.csv and air_readings.csv, creating dir and the files
// when missing. Records already present with the same values are skipped,
// so an import can be repeated; a changed record is an
// *atmos.ConflictError and nothing is written. Each file is replaced
// atomically.
func Extend(dir string, ms []atmos.Monitor, obs []atmos.Observation, rs []air.Reading) (Imported, error) {
	var got Imported
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return got, err
	}
	oldM, err := readIf(dir, model.FileMonitors, atmos.ReadMonitors)
	if err != nil {
		return got, err
	}
	oldW, err := readIf(dir, model.FileWind, atmos.ReadWind)
	if err != nil {
		return got, err
	}
	oldR, err := readIf(dir, model.FileAirReadings, air.ReadReadings)
	if err != nil {
		return got, err
	}
	mergedM, err := atmos.MergeMonitors(oldM, ms)
	if err != nil {
		return got, err
	}
	mergedW, addedW, err := atmos.MergeWind(oldW, obs)
	if err != nil {
		return got, err
	}
	mergedR, addedR, err := mergeReadings(oldR, rs)
	if err != nil {
		return got, err
	}
	got = Imported{Monitors: len(mergedM) - len(oldM), Wind: addedW, Readings: addedR}
	if err := writeAtomic(dir, model.FileMonitors, func(w io.Writer) error { return atmos.WriteMonitors(w, mergedM) }); err != nil {
		return got, err
	}
	if len(mergedW) > 0 {
		if err := writeAtomic(dir, model.FileWind, func(w io.Writer) error { return atmos.WriteWind(w, mergedW) }); err != nil {
			return got, err
		}
	}
	if len(mergedR) > 0 {
		if err := writeAtomic(dir, model.FileAirReadings, func(w io.Writer) error { return air.WriteReadings(w, mergedR) }); err != nil {
			return got, err
		}
	}
	return got, nil
}

func mergeReadings(old, rs []air.Reading) ([]air.Reading, int, error) {
	type key struct {
		id, p string
		at    int64
	}
	idx := map[key]float64{}
	for _, r := range old {
		idx[key{r.Monitor, r.Parameter, r.Time.Unix()}] = r.Value
	}
	out := append([]air.Reading(nil), old...)
	added := 0
	for _, r := range rs {
		k := key{r.Monitor, r.Parameter, r.Time.Unix()}
		if v, ok := idx[k]; ok {
			if v != r.Value {
				return nil, 0, &atmos.ConflictError{What: "air reading", Key: fmt.Sprintf("%s %s %s", r.Monitor, r.Parameter, r.Time), Old: fmt.Sprint(v), New: fmt.Sprint(r.Value)}
			}
			continue
		}
		idx[k] = r.Value
		out = append(out, r)
		added++
	}
	return out, added, nil
}

func readIf[T any](dir, name string, read func(io.Reader) ([]T, error)) ([]T, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f)
}

// writeAtomic writes name in dir through a temporary file renamed into
// place, so a failed import leaves the old file whole.
func writeAtomic(dir, name string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}
