package sensor

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
)

// Taipei is Taiwan's zone (atmos.TaipeiTime, the one definition). Civil
// IoT exports write local wall-clock time without an offset; only this
// reader assigns it.
var Taipei = atmos.TaipeiTime

// civilIoTColumns are the columns of the LearnCIOT allLoc.csv layout:
// device_id, date, time, temperature (°C), RH (%), PM2.5 (µg/m³), lat, lon.
var civilIoTColumns = []string{"device_id", "date", "time", "temperature", "RH", "PM2.5", "lat", "lon"}

// ReadCivilIoT parses a Civil IoT Taiwan micro-sensor CSV. Each row gives
// three readings (PM2.5, AIR_TEMP, RH) at date+time in Taiwan time; a blank
// value gives no reading. A sensor's position is the mean of its rows'
// lat/lon (the sensors are fixed; the course computes it the same way) and
// its kind is airbox. name labels errors (the file's base name).
func ReadCivilIoT(r io.Reader, name string) (*Data, error) {
	type row struct {
		id       string
		at       time.Time
		lon, lat float64
		values   [3]*float64 // PM2.5, temperature, RH
	}
	rows, err := csvtab.Read(name, r, csvtab.Schema{Required: civilIoTColumns}, func(r *csvtab.Row) row {
		r.Required("device_id")
		w := row{id: r.Str("device_id")}
		t, err := time.ParseInLocation("2006-01-02 15:04:05", r.Str("date")+" "+r.Str("time"), Taipei)
		if err != nil {
			r.Fail("time", errors.New("date and time must be YYYY-MM-DD and hh:mm:ss (Taiwan time)"))
		}
		w.at = t
		w.lon, w.lat, _ = position(r)
		for i, c := range []string{"PM2.5", "temperature", "RH"} {
			if v, ok := r.Float(c); ok {
				w.values[i] = &v
			}
		}
		return w
	})
	if err != nil {
		return nil, err
	}
	type acc struct {
		lon, lat kahan
		n        int
	}
	pos := map[string]*acc{}
	var order []string
	d := &Data{}
	for _, w := range rows {
		a := pos[w.id]
		if a == nil {
			a = &acc{}
			pos[w.id] = a
			order = append(order, w.id)
		}
		a.lon.add(w.lon)
		a.lat.add(w.lat)
		a.n++
		for i, m := range [][2]string{{"PM2.5", "µg/m³"}, {"AIR_TEMP", "°C"}, {"RH", "%RH"}} {
			if v := w.values[i]; v != nil {
				d.Readings = append(d.Readings, Reading{Device: w.id, Time: w.at, Parameter: m[0], Value: *v, Unit: m[1]})
			}
		}
	}
	for _, id := range order {
		a := pos[id]
		lon, lat := a.lon.sum()/float64(a.n), a.lat.sum()/float64(a.n)
		d.Sensors = append(d.Sensors, Sensor{ID: id, Point: model.FromLonLat(lon, lat), Lon: lon, Lat: lat, Kind: KindAirBox})
	}
	sortData(d)
	if err := checkDuplicates(d.Readings); err != nil {
		return nil, err
	}
	return d, nil
}

// kahan is a compensated (Neumaier) sum: the mean of 2,600 copies of one
// coordinate must come back as that coordinate, not drift by 1e-12.
type kahan struct{ s, c float64 }

func (k *kahan) add(v float64) {
	t := k.s + v
	if math.Abs(k.s) >= math.Abs(v) {
		k.c += (k.s - t) + v
	} else {
		k.c += (v - t) + k.s
	}
	k.s = t
}

func (k *kahan) sum() float64 { return k.s + k.c }

// ReadCivilIoTFile reads the Civil IoT CSV at path (errors name its base
// name).
func ReadCivilIoTFile(path string) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sensor: %w", err)
	}
	defer f.Close()
	return ReadCivilIoT(f, filepath.Base(path))
}
