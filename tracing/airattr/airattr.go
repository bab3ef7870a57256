// Package airattr attributes micro-sensor anomalies to facilities with the
// wind (issue 13 item 4, goal A4): an ADF emission or RED slice is a
// receptor that smelt a source, and the odour attribution of tracing/odour
// — Gaussian-plume votes through the interpolated wind, the likelihood
// surface, the no-wind baseline, the confidence and its abstentions, the
// explanation gate that withholds medium or high confidence from a top
// candidate that does not explain the events (odour.Explanation), and the
// back-trajectory of one event — ranks the facilities upwind of it.
//
// # Events as receptors
//
// Every slice the ADF screen flags as an emission (the device above its
// neighbours by the band threshold) or a RED rise (+20 % in one slice) is
// one event at its device's position and the slice's start. Indoor slices
// are left out: a device below its neighbours points at no outdoor source.
// An event enters the odour engine as a receptor with intensity 1 and the
// generic category "other", which weighs every industry equally (profile
// 0.5, odour.GenericWeight): a PM2.5 rise says nothing about the industry,
// so only the wind and the facilities' compliance records order them.
// Votes and evidence name the event by its id, "DEVICE@TIME".
//
// The data are public: sensors are not people, so the events and the
// trajectory carry the devices' exact positions.
package airattr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// Labels of an event.
const (
	LabelEmission = "emission"
	LabelRED      = "red"
)

// receptorCategory is the odour category an event enters the engine with:
// generic, matching every industry at odour.GenericWeight.
var receptorCategory = odour.Category{Group: "other"}

// Event is one ADF emission or RED slice at its device.
type Event struct {
	// ID is "DEVICE@TIME" (RFC 3339, Taiwan time); votes name it.
	ID       string    `json:"event_id"`
	DeviceID string    `json:"device_id"`
	Time     time.Time `json:"time"`
	// Labels are "emission", "red" or both.
	Labels []string `json:"labels"`
	// Value is the slice's PM2.5 mean (µg/m³); Excess is value − the
	// neighbour mean, Rise value − the previous slice (nil when unknown).
	Value  float64  `json:"value"`
	Excess *float64 `json:"excess,omitempty"`
	Rise   *float64 `json:"rise,omitempty"`
	Lon    float64  `json:"lon"`
	Lat    float64  `json:"lat"`
}

// Result is the answer of `envtrace air attribute` and GET
// /api/v1/air/attribution: the events in the window and the odour
// engine's ranking of the facilities upwind of them (its "petitions"
// count and the votes' "petition_id" are the events).
type Result struct {
	From        *time.Time    `json:"from,omitempty"`
	To          *time.Time    `json:"to,omitempty"`
	Event       string        `json:"event,omitempty"`
	Events      []Event       `json:"events"`
	Attribution *odour.Result `json:"attribution"`
}

// Events locates the emission and RED slices of an ADF result at their
// devices, in time order. Devices missing from d are skipped.
func Events(res *adf.Result, d *sensor.Data) []Event {
	out := []Event{}
	for _, e := range res.Events() {
		s, ok := d.Sensor(e.DeviceID)
		if !ok {
			continue
		}
		ev := Event{ID: e.DeviceID + "@" + e.Time.In(sensor.Taipei).Format(time.RFC3339), DeviceID: e.DeviceID, Time: e.Time,
			Value: round2(e.Value), Lon: s.Lon, Lat: s.Lat, Labels: []string{}}
		if e.Emission {
			ev.Labels = append(ev.Labels, LabelEmission)
		}
		if e.RED {
			ev.Labels = append(ev.Labels, LabelRED)
		}
		if !math.IsNaN(e.NeighbourMean) {
			v := round2(e.Value - e.NeighbourMean)
			ev.Excess = &v
		}
		if !math.IsNaN(e.Previous) {
			v := round2(e.Value - e.Previous)
			ev.Rise = &v
		}
		out = append(out, ev)
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Engine ranks facilities upwind of sensor events. Build it with New or
// NewWithField; it is immutable.
type Engine struct {
	events []Event
	byID   map[string]int
	odour  *odour.Engine
}

// ErrUnknownEvent is wrapped when a traced event id does not exist.
var ErrUnknownEvent = errors.New("unknown sensor event")

// New builds the engine over the facilities of ds and the wind of the
// monitors, on the grid odour.New chooses.
func New(ds *model.Dataset, events []Event, monitors []atmos.Monitor, wind []atmos.Observation, opt odour.Options) (*Engine, error) {
	e, err := odour.New(ds, receptors(events), monitors, wind, opt)
	if err != nil {
		return nil, err
	}
	return wrap(events, e), nil
}

// NewWithField is New with a grid and wind field built by the caller.
func NewWithField(ds *model.Dataset, events []Event, grid *crs.Planar, field *atmos.IDW, opt odour.Options) (*Engine, error) {
	e, err := odour.NewWithField(ds, receptors(events), grid, field, opt)
	if err != nil {
		return nil, err
	}
	return wrap(events, e), nil
}

func wrap(events []Event, e *odour.Engine) *Engine {
	out := &Engine{events: events, byID: map[string]int{}, odour: e}
	for i, ev := range events {
		out.byID[ev.ID] = i
	}
	return out
}

// receptors turns events into the odour engine's receptors (see the
// package documentation).
func receptors(events []Event) []odour.Petition {
	out := make([]odour.Petition, len(events))
	for i, e := range events {
		out[i] = odour.Petition{ID: e.ID, Time: e.Time, Lon: e.Lon, Lat: e.Lat, Category: receptorCategory, Intensity: 1, Channel: "sensor"}
	}
	return out
}

// Rank triangulates the events with from ≤ time < to.
func (e *Engine) Rank(ctx context.Context, from, to time.Time) (*Result, error) {
	res, err := e.odour.Rank(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := &Result{From: &from, To: &to, Events: []Event{}, Attribution: res}
	for _, ev := range e.events {
		if !ev.Time.Before(from) && ev.Time.Before(to) {
			out.Events = append(out.Events, ev)
		}
	}
	return out, nil
}

// Trace runs the upwind trace of one event: its back-trajectory and the
// votes of every facility in range.
func (e *Engine) Trace(ctx context.Context, id string) (*Result, error) {
	i, ok := e.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEvent, id)
	}
	res, err := e.odour.Trace(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Result{Event: id, Events: []Event{e.events[i]}, Attribution: res}, nil
}
