package sensor

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// The columns of the two files.
var (
	sensorSchema  = csvtab.Schema{Required: []string{"device_id"}, Optional: []string{"lon", "lat", "x", "y", "kind"}, Pairs: [][2]string{{"x", "y"}, {"lon", "lat"}}}
	readingSchema = csvtab.Schema{Required: []string{"device_id", "time", "parameter", "value", "unit"}}
)

// ReadDir reads dir's sensors.csv and sensor_readings.csv (with the data
// directory's CSV conventions, internal/csvtab); a missing file means no
// records of that kind. Every reading's device must be in sensors.csv.
// Problems come back as *model.FieldError values naming file, line and
// column.
func ReadDir(dir string) (*Data, error) {
	d := &Data{}
	var err error
	if d.Sensors, err = csvtab.ReadFile(filepath.Join(dir, model.FileSensors), sensorSchema, readSensor); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, s := range d.Sensors {
		if known[s.ID] {
			return nil, &model.FieldError{File: model.FileSensors, Column: "device_id", Value: s.ID, Err: errors.New("duplicate device")}
		}
		known[s.ID] = true
	}
	d.Readings, err = csvtab.ReadFile(filepath.Join(dir, model.FileSensorReadings), readingSchema, func(r *csvtab.Row) Reading {
		rd := readReading(r)
		if !r.Bad() && !known[rd.Device] {
			r.Fail("device_id", errors.New("unknown device: add it to sensors.csv"))
		}
		return rd
	})
	if err != nil {
		return nil, err
	}
	sortData(d)
	if err := checkDuplicates(d.Readings); err != nil {
		return nil, err
	}
	return d, nil
}

// checkDuplicates rejects two readings of one device, instant and
// parameter: the files would disagree about which one is true.
func checkDuplicates(rs []Reading) error {
	for i := 1; i < len(rs); i++ {
		if keyOf(rs[i]) == keyOf(rs[i-1]) {
			return &model.FieldError{File: model.FileSensorReadings, Column: "time", Value: rs[i].Device + " " + rs[i].Time.Format(time.RFC3339),
				Err: errors.New("two readings of one device, time and parameter")}
		}
	}
	return nil
}

func readSensor(r *csvtab.Row) Sensor {
	r.Required("device_id")
	s := Sensor{ID: r.Str("device_id"), Kind: strings.ToLower(r.Str("kind"))}
	switch s.Kind {
	case "":
		s.Kind = KindAirBox
	case KindAirBox, KindLowCost, KindReference:
	default:
		r.Fail("kind", fmt.Errorf("must be %s, %s or %s", KindAirBox, KindLowCost, KindReference))
	}
	s.Lon, s.Lat, s.Point = position(r)
	return s
}

// position reads a sensor's x,y (EPSG:3826) or lon,lat by the data
// directory's one rule (crs.PositionFrom) and returns it in lon/lat and in
// EPSG:3826 metres, the ADF's neighbour grid.
func position(r *csvtab.Row) (lon, lat float64, p model.Point) {
	ll, col, err := crs.PositionFrom(r.Str("x"), r.Str("y"), r.Str("lon"), r.Str("lat"))
	if err != nil {
		r.Fail(col, err)
		return 0, 0, model.Point{}
	}
	return ll[0], ll[1], model.FromLonLat(ll[0], ll[1])
}

func readReading(r *csvtab.Row) Reading {
	r.Required("device_id")
	rd := Reading{Device: r.Str("device_id"), Time: r.Time("time")}
	p := csvtab.Parse(r, "parameter", param.LookupAir)
	v := r.Number("value")
	unit := r.Str("unit")
	if r.Bad() {
		return rd
	}
	c, err := p.Canonical(v, unit)
	if err != nil {
		r.Fail("unit", err)
	}
	rd.Parameter, rd.Value, rd.Unit = p.ID, c, p.Unit
	return rd
}

// WriteDir writes d as dir's sensors.csv and sensor_readings.csv (creating
// dir when missing). Each file is written to a temporary sibling, synced
// and renamed over the old one, so a reader never sees half a file.
func WriteDir(dir string, d *Data) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	err := writeAtomic(filepath.Join(dir, model.FileSensors), func(w *csv.Writer) error {
		if err := w.Write([]string{"device_id", "lon", "lat", "kind"}); err != nil {
			return err
		}
		for _, s := range d.Sensors {
			if err := w.Write([]string{s.ID, ftoa(s.Lon), ftoa(s.Lat), s.Kind}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, model.FileSensorReadings), func(w *csv.Writer) error {
		if err := w.Write(readingSchema.Required); err != nil {
			return err
		}
		for _, r := range d.Readings {
			if err := w.Write([]string{r.Device, r.Time.Format(time.RFC3339Nano), r.Parameter, ftoa(r.Value), r.Unit}); err != nil {
				return err
			}
		}
		return nil
	})
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func writeAtomic(path string, fill func(*csv.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := csv.NewWriter(tmp)
	if err := fill(w); err != nil {
		tmp.Close()
		return fmt.Errorf("sensor: write %s: %w", path, err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tmp.Close()
		return fmt.Errorf("sensor: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sensor: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	return nil
}
