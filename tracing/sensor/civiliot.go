package sensor

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
)

// Taipei is Taiwan's zone. Civil IoT exports write local wall-clock time
// without an offset; only this reader assigns it.
var Taipei = time.FixedZone("Asia/Taipei", 8*3600)

// civilIoTColumns are the columns of the LearnCIOT allLoc.csv layout:
// device_id, date, time, temperature (°C), RH (%), PM2.5 (µg/m³), lat, lon.
var civilIoTColumns = []string{"device_id", "date", "time", "temperature", "RH", "PM2.5", "lat", "lon"}

// ReadCivilIoT parses a Civil IoT Taiwan micro-sensor CSV. Each row gives
// three readings (PM2.5, AIR_TEMP, RH) at date+time in Taiwan time; a blank
// value gives no reading. A sensor's position is the mean of its rows'
// lat/lon (the sensors are fixed; the course computes it the same way) and
// its kind is airbox. name labels errors (the file's base name).
func ReadCivilIoT(r io.Reader, name string) (*Data, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, &model.FieldError{File: name, Line: 1, Err: fmt.Errorf("a header line is required: %w", err)}
	}
	var errs problems
	col, ok := header(name, head, [2][]string{civilIoTColumns, nil}, &errs)
	if !ok {
		return nil, errs.err()
	}
	type acc struct {
		lon, lat kahan
		n        int
	}
	pos := map[string]*acc{}
	var order []string
	d := &Data{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			errs.add(&model.FieldError{File: name, Line: line, Err: err})
			break
		}
		row := &record{file: name, col: col, rec: rec, line: line, errs: &errs}
		id := row.raw("device_id")
		t, err := time.ParseInLocation("2006-01-02 15:04:05", row.raw("date")+" "+row.raw("time"), Taipei)
		if id == "" {
			row.fail("device_id", errors.New("required"))
		}
		if err != nil {
			row.fail("time", errors.New("date and time must be YYYY-MM-DD and hh:mm:ss (Taiwan time)"))
		}
		lat, lon := row.num("lat"), row.num("lon")
		if row.bad {
			continue
		}
		if _, _, perr := model.ParsePoint("", "", row.raw("lon"), row.raw("lat")); perr != nil {
			row.fail("lon", perr)
			continue
		}
		a := pos[id]
		if a == nil {
			a = &acc{}
			pos[id] = a
			order = append(order, id)
		}
		a.lon.add(lon)
		a.lat.add(lat)
		a.n++
		for _, m := range [][3]string{{"PM2.5", "PM2.5", "µg/m³"}, {"temperature", "AIR_TEMP", "°C"}, {"RH", "RH", "%RH"}} {
			if row.raw(m[0]) == "" {
				continue
			}
			v := row.num(m[0])
			if row.bad {
				break
			}
			d.Readings = append(d.Readings, Reading{Device: id, Time: t, Parameter: m[1], Value: v, Unit: m[2]})
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
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

func (r *record) num(c string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(r.raw(c)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail(c, errors.New("not a finite number"))
		return 0
	}
	return v
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
