// Package sensor holds air-quality micro-sensors and their readings: the
// data-directory files sensors.csv and sensor_readings.csv, the Civil IoT
// Taiwan CSV (the LearnCIOT allLoc.csv layout) that feeds them, and a
// recent window of readings kept in memory for the anomaly screens.
//
// Every value passes tracing/param where it enters: the parameter must be
// registered and the unit must fit it (µg/m³ for PM2.5, °C for air
// temperature, %RH for humidity), and Canonical converts it once. Reading
// times must carry a zone; the Civil IoT CSV writes Taiwan local time
// without one, and its reader alone assigns Asia/Taipei (+08:00).
package sensor

import (
	"errors"
	"math"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// Sensor is one micro-sensor or reference monitor.
type Sensor struct {
	ID string
	// Point is the sensor's position in TWD97 / TM2 zone 121 metres.
	Point model.Point
	// Lon and Lat are the position in degrees (WGS84), kept because the
	// ADF course measures distances on the ellipsoid.
	Lon, Lat float64
	// Kind is the network: "airbox" (Civil IoT campus and community
	// sensors), "lcs" (other low-cost sensors) or "reference" (a MOENV
	// station, the calibration target).
	Kind string
}

// Kinds of sensor.
const (
	KindAirBox    = "airbox"
	KindLowCost   = "lcs"
	KindReference = "reference"
)

// Reading is one value of one sensor, in the parameter's canonical unit.
type Reading struct {
	Device    string
	Time      time.Time
	Parameter string // tracing/param id
	Value     float64
	Unit      string // canonical unit symbol of Parameter
}

// Data is the sensors of a data directory and their readings, sorted by
// device, then time, then parameter.
type Data struct {
	Sensors  []Sensor
	Readings []Reading
}

// ErrInvalid is matched by every error about bad sensor data (it wraps
// model.ErrInvalid, so one errors.Is covers both families).
var ErrInvalid = model.ErrInvalid

// Sensor returns the sensor with the given id.
func (d *Data) Sensor(id string) (Sensor, bool) {
	i := sort.Search(len(d.Sensors), func(i int) bool { return d.Sensors[i].ID >= id })
	if i < len(d.Sensors) && d.Sensors[i].ID == id {
		return d.Sensors[i], true
	}
	return Sensor{}, false
}

// Series returns the readings of one parameter, in device and time order,
// between from (inclusive) and to (exclusive); zero times are open.
func (d *Data) Series(parameter string, from, to time.Time) []Reading {
	var out []Reading
	for _, r := range d.Readings {
		if r.Parameter != parameter || (!from.IsZero() && r.Time.Before(from)) || (!to.IsZero() && !r.Time.Before(to)) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func sortData(d *Data) {
	sort.Slice(d.Sensors, func(i, j int) bool { return d.Sensors[i].ID < d.Sensors[j].ID })
	sort.SliceStable(d.Readings, func(i, j int) bool { return less(d.Readings[i], d.Readings[j]) })
}

func less(a, b Reading) bool {
	if a.Device != b.Device {
		return a.Device < b.Device
	}
	if !a.Time.Equal(b.Time) {
		return a.Time.Before(b.Time)
	}
	return a.Parameter < b.Parameter
}

// key identifies a reading: a device measures a parameter once per instant.
type key struct {
	device string
	at     int64
	param  string
}

func keyOf(r Reading) key { return key{r.Device, r.Time.UnixNano(), r.Parameter} }

// Merge adds in to d: new sensors and readings join; a sensor already
// known must be at the same place (within 10 m) and of the same kind, and
// a reading already known must have the same value, otherwise the records
// conflict and nothing changes. It reports how many sensors and readings
// were new and how many readings were already held.
func Merge(d, in *Data) (Stats, error) {
	var st Stats
	pos := map[string]int{}
	for i, s := range d.Sensors {
		pos[s.ID] = i
	}
	var errs []error
	var newSensors []Sensor
	for _, s := range in.Sensors {
		i, ok := pos[s.ID]
		if !ok {
			newSensors = append(newSensors, s)
			pos[s.ID] = -1
			continue
		}
		if i < 0 {
			continue
		}
		if o := d.Sensors[i]; dist(o.Point, s.Point) > 10 || o.Kind != s.Kind {
			errs = append(errs, &model.FieldError{File: model.FileSensors, Column: "device_id", Value: s.ID,
				Err: errors.New("conflicts with the sensor already held (position differs by more than 10 m, or kind differs)")})
		}
	}
	seen := make(map[key]float64, len(d.Readings))
	for _, r := range d.Readings {
		seen[keyOf(r)] = r.Value
	}
	var newReadings []Reading
	for _, r := range in.Readings {
		k := keyOf(r)
		if v, ok := seen[k]; ok {
			if v != r.Value {
				errs = append(errs, &model.FieldError{File: model.FileSensorReadings, Column: "value", Value: r.Device + " " + r.Time.Format(time.RFC3339),
					Err: errors.New("conflicts with the reading already held for this device, time and parameter")})
			}
			st.Duplicates++
			continue
		}
		seen[k] = r.Value
		newReadings = append(newReadings, r)
	}
	if len(errs) > 0 {
		return Stats{}, errors.Join(errs...)
	}
	d.Sensors = append(d.Sensors, newSensors...)
	d.Readings = append(d.Readings, newReadings...)
	sortData(d)
	st.Sensors, st.Readings = len(newSensors), len(newReadings)
	return st, nil
}

// Stats counts what a merge added.
type Stats struct {
	Sensors    int `json:"sensors_added"`
	Readings   int `json:"readings_added"`
	Duplicates int `json:"duplicates"`
}

func dist(a, b model.Point) float64 {
	return math.Hypot(a.X-b.X, a.Y-b.Y)
}
