// Package airattr attributes micro-sensor anomalies to facilities with the
// wind (issue 13 item 4, goal A4): an ADF emission or RED slice is a
// receptor that smelt a source, and the odour attribution of tracing/odour
// — Gaussian-plume votes through the interpolated wind, the likelihood
// surface, the no-wind baseline, the confidence and its abstentions, and
// the back-trajectory of one event — ranks the facilities upwind of it.
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
// # Magnitudes
//
// Unlike a petition, an event measures how much arrived: its increment
// over the slice's network median (the regional background; a plume
// raises a few sensors of a network). Each event therefore enters as a
// measured receptor (odour.Measured), and the odour engine's source-term
// fit weighs each vote by how well one emission rate of the candidate
// explains the increments of all the events its plume reaches: the source
// explains near and far sensors with one rate, a facility behind or beside
// it needs a different rate for each (tracing/odour, sourceterm.go).
//
// The data are public: sensors are not people, so the events and the
// trajectory carry the devices' exact positions.
package airattr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
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
	// Background is the median of every sensor's mean in the slice (the
	// regional level), Increment value − background and Noise 1.4826 ×
	// the median absolute deviation about it (a reading's spread off
	// the plume); nil when too few sensors reported (see background).
	// The source-term fit of the attribution compares Increment between
	// events.
	Background *float64 `json:"background,omitempty"`
	Increment  *float64 `json:"increment,omitempty"`
	Noise      *float64 `json:"noise,omitempty"`
	Lon        float64  `json:"lon"`
	Lat        float64  `json:"lat"`
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
	bg := backgrounds(res, d)
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
		if b, ok := bg[e.Time.Unix()]; ok {
			med, inc, sd := round2(b.median), round2(e.Value-b.median), round2(b.sd)
			ev.Background, ev.Increment, ev.Noise = &med, &inc, &sd
		}
		out = append(out, ev)
	}
	return out
}

// level is one slice's regional background: the median of the sensors'
// slice means and the robust spread about it.
type level struct{ median, sd float64 }

// backgrounds computes the level of every slice holding an event, from
// the PM2.5 readings of d averaged per device on the screen's slice
// boundaries. A plume raises a few sensors of a network, so the median
// is the background and 1.4826 × the median absolute deviation the normal
// spread of a reading about it (sensor offsets and noise). A slice needs
// the screen's least neighbours plus the device itself to have a level.
func backgrounds(res *adf.Result, d *sensor.Data) map[int64]level {
	step := int64(math.Round(res.Parameters.SliceMinutes * 60))
	want := map[int64]bool{}
	for _, e := range res.Events() {
		want[e.Time.Unix()] = true
	}
	if step <= 0 || len(want) == 0 {
		return nil
	}
	type acc struct{ sum, n float64 }
	sums := map[int64]map[string]*acc{}
	for _, r := range d.Readings {
		if r.Parameter != "PM2.5" {
			continue
		}
		t := r.Time.Unix()
		at := t - ((t%step)+step)%step
		if !want[at] {
			continue
		}
		if sums[at] == nil {
			sums[at] = map[string]*acc{}
		}
		a := sums[at][r.Device]
		if a == nil {
			a = &acc{}
			sums[at][r.Device] = a
		}
		a.sum += r.Value
		a.n++
	}
	out := map[int64]level{}
	for at, devs := range sums {
		if len(devs) < res.Parameters.MinNeighbors+1 {
			continue
		}
		v := make([]float64, 0, len(devs))
		for _, a := range devs {
			v = append(v, a.sum/a.n)
		}
		med := median(v)
		for i := range v {
			v[i] = math.Abs(v[i] - med)
		}
		out[at] = level{median: med, sd: 1.4826 * median(v)}
	}
	return out
}

// median sorts v and returns its median.
func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
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
		if e.Increment != nil && e.Noise != nil {
			out[i].Measured = &odour.Measured{ExcessUgm3: *e.Increment, NoiseUgm3: *e.Noise}
		}
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
