package airquery

import (
	"context"
	"fmt"
	"time"

	"github.com/envtrace/envtrace/tracing/calibrate"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// Calibration is the query of the daily calibration of one sensor against
// a co-located reference (a sensors.csv device of kind reference).
type Calibration struct {
	Sensor, Reference string
	// Day is the Taiwan calendar day to calibrate; the model is chosen on
	// the day before and trained on the days before that.
	Day time.Time
}

// RunCalibration pairs the sensor's hourly means with the reference's and
// applies the course's daily model-selection rule (calibrate.Select). Too
// few co-located hours is an error wrapping calibrate.ErrTooLittle.
func RunCalibration(ctx context.Context, src *Sources, q Calibration) (*calibrate.Selection, error) {
	d := src.Sensors
	if d == nil {
		d = &sensor.Data{}
	}
	switch {
	case q.Sensor == "":
		return nil, &InvalidError{"sensor", "required: the device to calibrate"}
	case q.Reference == "":
		return nil, &InvalidError{"reference", "required: the co-located reference device"}
	case q.Day.IsZero():
		return nil, &InvalidError{"day", "required: YYYY-MM-DD (Taiwan calendar day)"}
	}
	if _, ok := d.Sensor(q.Sensor); !ok {
		return nil, &InvalidError{"sensor", fmt.Sprintf("no device %q in sensors.csv", q.Sensor)}
	}
	ref, ok := d.Sensor(q.Reference)
	if !ok || ref.Kind != sensor.KindReference {
		return nil, &InvalidError{"reference", fmt.Sprintf("no device %q of kind reference in sensors.csv", q.Reference)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return calibrate.Select(calibrate.HourlyPairs(d, q.Sensor, q.Reference), q.Day)
}

// ParseDay reads a Taiwan calendar day, YYYY-MM-DD.
func ParseDay(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, sensor.Taipei)
}
