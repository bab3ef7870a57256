package airquery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// A sensor anomaly's id names one device's ADF verdict over one screen
// window: DEVICE@FROM/TO, the times in Taiwan time to the minute with
// their offset (74DA38F2071C@2026-08-01T00:00+08:00/2026-08-15T00:00+08:00).
// The screen is deterministic, so the id reads back the same verdict, with
// the same numbers, for as long as the readings of the window are the
// same; it is what a case holds a sensor anomaly by.
const anomalyTime = "2006-01-02T15:04Z07:00"

// MaxAnomalyWindow bounds the window an anomaly id may name: the ADF's
// longest MD window (14 days) and a day's slack.
const MaxAnomalyWindow = 15 * 24 * time.Hour

// ErrNoAnomaly: the id names no anomalous device in its window (an
// unknown device, no readings, or a normal device without RED events).
var ErrNoAnomaly = errors.New("no such sensor anomaly")

// AnomalyID is the id of device's verdict over [from, to).
func AnomalyID(device string, from, to time.Time) string {
	return device + "@" + from.In(sensor.Taipei).Format(anomalyTime) + "/" + to.In(sensor.Taipei).Format(anomalyTime)
}

// ParseAnomalyID splits an anomaly id into its device and the screen's
// query, naming what is wrong with a malformed one.
func ParseAnomalyID(id string) (string, Anomalies, error) {
	at := strings.LastIndexByte(id, '@')
	if at <= 0 {
		return "", Anomalies{}, &InvalidError{"id", fmt.Sprintf("%q is not a sensor anomaly id DEVICE@FROM/TO", id)}
	}
	from, to, ok := strings.Cut(id[at+1:], "/")
	if !ok {
		return "", Anomalies{}, &InvalidError{"id", fmt.Sprintf("%q: the window must be FROM/TO", id)}
	}
	var q Anomalies
	var err error
	if q.From, err = time.Parse(anomalyTime, from); err != nil {
		return "", Anomalies{}, &InvalidError{"id", fmt.Sprintf("%q: from %q is not a time such as 2026-08-01T00:00+08:00", id, from)}
	}
	if q.To, err = time.Parse(anomalyTime, to); err != nil {
		return "", Anomalies{}, &InvalidError{"id", fmt.Sprintf("%q: to %q is not a time such as 2026-08-15T00:00+08:00", id, to)}
	}
	if !q.To.After(q.From) || q.To.Sub(q.From) > MaxAnomalyWindow {
		return "", Anomalies{}, &InvalidError{"id", fmt.Sprintf("%q: the window must run forward, at most 15 days", id)}
	}
	return id[:at], q, nil
}

// AnomalySummary is a sensor anomaly's public summary, what a case keeps
// of it: the device and its position (Civil IoT sensors are public), the
// class with its MD score against the threshold, the neighbours it was
// compared with, the slice counts, the latest flagged slices and the RED
// events of the window, with their values.
type AnomalySummary struct {
	ID             string          `json:"id"`
	DeviceID       string          `json:"device_id"`
	Kind           string          `json:"kind"`
	Lon            float64         `json:"lon"`
	Lat            float64         `json:"lat"`
	From           time.Time       `json:"from"`
	To             time.Time       `json:"to"`
	Class          string          `json:"class"`
	MD             float64         `json:"md"`
	MDThreshold    float64         `json:"md_threshold"`
	Neighbours     []string        `json:"neighbours"`
	Slices         int             `json:"slices"`
	IndoorSlices   int             `json:"indoor_slices"`
	EmissionSlices int             `json:"emission_slices"`
	REDSlices      int             `json:"red_slices"`
	Flagged        []adf.SliceFlag `json:"flagged"`
	RED            []adf.REDFlag   `json:"red"`
}

// Anomaly resolves an anomaly id: it runs the ADF screen over the id's
// window and summarises the device. A device that is normal and had no RED
// event, or has no readings, is no anomaly (ErrNoAnomaly, wrapped in an
// InvalidError naming the id).
func Anomaly(ctx context.Context, src *Sources, id string) (*AnomalySummary, error) {
	device, q, err := ParseAnomalyID(id)
	if err != nil {
		return nil, err
	}
	res, err := RunAnomalies(ctx, src, q)
	if err != nil {
		return nil, err
	}
	return summarise(res, src.Sensors, device, id)
}

func summarise(res *adf.Result, d *sensor.Data, device, id string) (*AnomalySummary, error) {
	none := func(why string) error {
		return fmt.Errorf("%w: %w", &InvalidError{"id", fmt.Sprintf("%q: %s", id, why)}, ErrNoAnomaly)
	}
	var dv *adf.Device
	for i := range res.Devices {
		if res.Devices[i].DeviceID == device {
			dv = &res.Devices[i]
		}
	}
	if dv == nil {
		return nil, none("no sensor " + device + " with readings in the window")
	}
	s := &AnomalySummary{ID: id, DeviceID: device, From: res.From.In(sensor.Taipei), To: res.To.In(sensor.Taipei), Class: dv.Class, MD: dv.MD,
		MDThreshold: dv.Evidence.MDThreshold, Neighbours: dv.Evidence.Neighbours, Slices: dv.Evidence.Slices,
		IndoorSlices: dv.Evidence.IndoorSlices, EmissionSlices: dv.Evidence.EmissionSlices, REDSlices: dv.Evidence.REDSlices,
		Flagged: dv.Evidence.Flagged, RED: []adf.REDFlag{}}
	for _, r := range res.RED {
		if r.DeviceID == device {
			s.RED = append(s.RED, r)
		}
	}
	if s.Class == adf.ClassNormal && len(s.RED) == 0 {
		return nil, none("sensor " + device + " is normal in the window, with no RED event")
	}
	if d != nil {
		for _, x := range d.Sensors {
			if x.ID == device {
				s.Kind, s.Lon, s.Lat = x.Kind, x.Lon, x.Lat
			}
		}
	}
	return s, nil
}
