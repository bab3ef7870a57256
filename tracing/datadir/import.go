package datadir

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/air"
)

// Progress receives one line per file read, for the user to follow a long
// import; nil discards them.
type Progress func(line string)

func (p Progress) say(format string, a ...any) {
	if p != nil {
		p(fmt.Sprintf(format, a...))
	}
}

// readFiles opens each file and hands it to read, closing it after.
func readFiles(files []string, read func(path string, r io.Reader) error) error {
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = read(path, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// ImportCODiS reads CWA CODiS hourly files and extends dir's monitors.csv
// and wind.csv (see Extend). Station names, altitudes and addresses come
// from CODiS's station list at meta (default: meta.csv beside the first
// file); without it each station is named by its id and placed at its
// file's coordinates, and progress says so.
func ImportCODiS(dir, meta string, files []string, progress Progress) (Imported, error) {
	if meta == "" && len(files) > 0 {
		meta = filepath.Join(filepath.Dir(files[0]), "meta.csv")
	}
	stations := map[string]atmos.Monitor{}
	err := readFiles([]string{meta}, func(path string, r io.Reader) error {
		ms, err := atmos.ReadCODiSMeta(r, filepath.Base(path))
		for _, m := range ms {
			stations[m.ID] = m
		}
		return err
	})
	if os.IsNotExist(err) {
		progress.say("no station metadata (%v); using each file's coordinates and the station id as its name", err)
	} else if err != nil {
		return Imported{}, err
	}
	var ms []atmos.Monitor
	var obs []atmos.Observation
	err = readFiles(files, func(path string, r io.Reader) error {
		c, err := atmos.ReadCODiS(r, filepath.Base(path))
		if err != nil {
			return err
		}
		m, ok := stations[c.Station]
		if !ok {
			m = atmos.Monitor{ID: c.Station, Name: c.Station, Lon: c.Lon, Lat: c.Lat, Kind: atmos.Weather, AltitudeM: math.NaN()}
		}
		ms, obs = append(ms, m), append(obs, c.Obs...)
		progress.say("%s: station %s %s, %d hours (%d fault, %d variable, %d unknown, %d missing, %d calm)", path, m.ID, m.Name,
			len(c.Obs), c.Flags[atmos.Fault], c.Flags[atmos.Variable], c.Flags[atmos.Unknown], c.Flags[atmos.Missing], c.Flags[atmos.Calm])
		return nil
	})
	if err != nil {
		return Imported{}, err
	}
	return Extend(dir, ms, obs, nil)
}

// ImportCWAObs reads downloads of the CWA open-data product O-A0001-001
// in JSON (atmos.ReadCWAObs), each one observation a station, and extends
// dir's monitors.csv and wind.csv (see Extend): a bureau that keeps the
// hourly downloads builds each station's hourly record from them. The
// stations, named and placed (WGS84) by the files themselves, need no
// separate list; a station met again in a later file is the same monitor.
func ImportCWAObs(dir string, files []string, progress Progress) (Imported, error) {
	var ms []atmos.Monitor
	var obs []atmos.Observation
	err := readFiles(files, func(path string, r io.Reader) error {
		c, err := atmos.ReadCWAObs(r, filepath.Base(path))
		if err != nil {
			return err
		}
		ms, obs = append(ms, c.Monitors...), append(obs, c.Obs...)
		progress.say("%s: %d stations (%d missing, %d calm)", path, len(c.Obs), c.Flags[atmos.Missing], c.Flags[atmos.Calm])
		return nil
	})
	if err != nil {
		return Imported{}, err
	}
	return Extend(dir, ms, obs, nil)
}

// ImportESDR reads ESDR monitor feeds and extends dir's monitors.csv,
// wind.csv and air_readings.csv (see Extend), with the monitors from
// ESDR's metadata at meta (default: esdr_metadata.json in the folder above
// the first feed, as the Smell Pittsburgh data set lays them out).
func ImportESDR(dir, meta string, files []string, progress Progress) (Imported, error) {
	if meta == "" && len(files) > 0 {
		meta = filepath.Join(filepath.Dir(filepath.Dir(files[0])), "esdr_metadata.json")
	}
	byID := map[string]atmos.Monitor{}
	err := readFiles([]string{meta}, func(_ string, r io.Reader) error {
		list, err := air.ReadESDRMetadata(r)
		for _, m := range list {
			byID[m.ID] = m
		}
		return err
	})
	if err != nil {
		return Imported{}, fmt.Errorf("ESDR feeds need their monitor list (esdr_metadata.json): %w", err)
	}
	var ms []atmos.Monitor
	var obs []atmos.Observation
	var rs []air.Reading
	err = readFiles(files, func(path string, r io.Reader) error {
		feed, err := air.ReadESDR(r, filepath.Base(path))
		if err != nil {
			return err
		}
		m, ok := byID[feed.Monitor]
		if !ok {
			return fmt.Errorf("%s: monitor %s is not in %s", path, feed.Monitor, meta)
		}
		ms, obs, rs = append(ms, m), append(obs, feed.Wind...), append(rs, feed.Readings...)
		progress.say("%s: monitor %s %s, %d wind hours, %d readings, %d blank values", path, m.ID, m.Name, len(feed.Wind), len(feed.Readings), feed.Skipped)
		return nil
	})
	if err != nil {
		return Imported{}, err
	}
	return Extend(dir, ms, obs, rs)
}
