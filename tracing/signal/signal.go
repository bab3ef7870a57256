// Package signal turns the data envtrace holds into events that the
// hotspot and risk screens count: sensor exceedances, permit violations
// (the DMR exceedances the water checks find), odour petitions at their
// public (fuzzed) locations, and dumping reports when they are wired in. Each signal is one small
// type behind the Signal interface, so a new one plugs in without
// touching the screens.
package signal

import (
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/tracing/hotspot"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/permits"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// Signal names accepted by the hotspot command and endpoint.
const (
	NamePetitions         = "petitions"
	NameSensorExceedances = "sensor-exceedances"
	NameViolations        = "violations"
)

// ErrUnavailable says a signal's data kind is not part of this build or
// of the data held.
var ErrUnavailable = errors.New("signal: not available")

// Signal produces events and the sites that could produce them.
type Signal interface {
	Name() string
	// Input returns the events in [from, to); zero times take the span of
	// the data (whole Taiwan days).
	Input(from, to time.Time) (hotspot.Input, error)
}

// DefaultExceedance is the default hourly PM2.5 level (µg/m³) above which
// a sensor hour counts as an exceedance; configurable per call.
const DefaultExceedance = 35.0

// SensorExceedances counts sensor-hours whose mean PM2.5 is above limit
// (µg/m³), one event per sensor and hour, at the sensor.
func SensorExceedances(d *sensor.Data, limit float64) Signal { return &exceedances{d: d, limit: limit} }

type exceedances struct {
	d     *sensor.Data
	limit float64
}

func (e *exceedances) Name() string { return NameSensorExceedances }

func (e *exceedances) Input(from, to time.Time) (hotspot.Input, error) {
	var in hotspot.Input
	if e.d == nil || len(e.d.Sensors) == 0 {
		return in, fmt.Errorf("%w: the data directory has no sensors (sensors.csv)", ErrUnavailable)
	}
	pos := map[string]orb.Point{}
	for _, s := range e.d.Sensors {
		p := orb.Point{s.Point.X, s.Point.Y}
		pos[s.ID] = p
		in.Sites = append(in.Sites, p)
	}
	type hour struct {
		dev string
		at  int64
	}
	sums := map[hour][2]float64{}
	var order []hour
	var first, last time.Time
	for _, r := range e.d.Readings {
		if r.Parameter != "PM2.5" || (!from.IsZero() && r.Time.Before(from)) || (!to.IsZero() && !r.Time.Before(to)) {
			continue
		}
		if first.IsZero() || r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
		h := hour{r.Device, r.Time.Truncate(time.Hour).Unix()}
		s, ok := sums[h]
		if !ok {
			order = append(order, h)
		}
		sums[h] = [2]float64{s[0] + r.Value, s[1] + 1}
	}
	for _, h := range order {
		if s := sums[h]; s[0]/s[1] > e.limit {
			in.Events = append(in.Events, hotspot.Event{Point: pos[h.dev], Time: time.Unix(h.at, 0).In(sensor.Taipei), Source: h.dev})
		}
	}
	in.From, in.To = span(from, to, first, last)
	return in, nil
}

// Violations are the permit-limit exceedances of the water checks
// (permits.Check, check "limit"), one event per finding at the facility's
// site (or its first outfall) on the report period's first day. keep,
// when set, limits the signal to the facilities it accepts, sites and
// events alike: a bureau's analysis counts only the records it may see
// (its own county's), and another county's facility is not a site of
// zero violations either.
func Violations(ds *model.Dataset, keep func(facility string) bool) Signal {
	return &violations{ds: ds, keep: keep}
}

type violations struct {
	ds   *model.Dataset
	keep func(string) bool
}

func (v *violations) Name() string { return NameViolations }

func (v *violations) Input(from, to time.Time) (hotspot.Input, error) {
	var in hotspot.Input
	if v.ds == nil || len(v.ds.Facilities) == 0 {
		return in, fmt.Errorf("%w: the data directory has no facilities", ErrUnavailable)
	}
	site := map[string]orb.Point{}
	for _, f := range v.ds.Facilities {
		if v.keep != nil && !v.keep(f.EmsNo) {
			continue
		}
		if p, ok := facilityPoint(v.ds, f); ok {
			site[f.EmsNo] = p
			in.Sites = append(in.Sites, p)
		}
	}
	var first, last time.Time
	for _, f := range permits.Check(v.ds).Findings {
		p, ok := site[f.Facility]
		if f.Check != "limit" || !ok {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", f.Period, sensor.Taipei)
		if err != nil || (!from.IsZero() && t.Before(from)) || (!to.IsZero() && !t.Before(to)) {
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
		in.Events = append(in.Events, hotspot.Event{Point: p, Time: t, Source: f.Facility})
	}
	in.From, in.To = span(from, to, first, last)
	return in, nil
}

func facilityPoint(ds *model.Dataset, f model.Facility) (orb.Point, bool) {
	if f.Location != nil {
		return orb.Point{f.Location.X, f.Location.Y}, true
	}
	if os := ds.OutfallsOf(f.EmsNo); len(os) > 0 {
		return orb.Point{os[0].Point.X, os[0].Point.Y}, true
	}
	return orb.Point{}, false
}

// span fills a zero from/to with the data's first and last day (Taiwan
// days), so steps start at midnight.
func span(from, to, first, last time.Time) (time.Time, time.Time) {
	if from.IsZero() && !first.IsZero() {
		f := first.In(sensor.Taipei)
		from = time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, sensor.Taipei)
	}
	if to.IsZero() && !last.IsZero() {
		l := last.In(sensor.Taipei)
		to = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, sensor.Taipei).AddDate(0, 0, 1)
	}
	return from, to
}

// Fuzz shifts a private location (lon/lat) to the public one; it must be
// stable per location (access/privacy's keyed Fuzzer, through the petition
// desk, supplies it).
type Fuzz func(lon, lat float64) (float64, float64, error)

// Petitions counts the odour petitions that report a nuisance
// (odour.Petition.Traceable), one event each at its public location:
// fuzz shifts every exact location before it becomes a point, so a
// hotspot never publishes a petitioner's position. Without fuzz the signal
// is unavailable. Points are TWD97 metres, so the signal maps Taiwan's
// petitions.
func Petitions(ps []odour.Petition, fuzz Fuzz) Signal { return &petitions{ps: ps, fuzz: fuzz} }

type petitions struct {
	ps   []odour.Petition
	fuzz Fuzz
}

func (p *petitions) Name() string { return NamePetitions }

func (p *petitions) Input(from, to time.Time) (hotspot.Input, error) {
	var in hotspot.Input
	if p.fuzz == nil {
		return in, fmt.Errorf("%w: petitions: no location fuzzing is configured (the privacy secret, ENVTRACE_PRIVACY_SECRET_FILE), and exact petition locations are never mapped", ErrUnavailable)
	}
	var first, last time.Time
	for _, pt := range p.ps {
		if !pt.Traceable() || (!from.IsZero() && pt.Time.Before(from)) || (!to.IsZero() && !pt.Time.Before(to)) {
			continue
		}
		lon, lat, err := p.fuzz(pt.Lon, pt.Lat)
		if err != nil {
			return in, fmt.Errorf("petitions: %s: %w", pt.ID, err)
		}
		q := model.FromLonLat(lon, lat)
		at := orb.Point{q.X, q.Y}
		in.Sites = append(in.Sites, at)
		in.Events = append(in.Events, hotspot.Event{Point: at, Time: pt.Time, Source: pt.ID})
		if first.IsZero() || pt.Time.Before(first) {
			first = pt.Time
		}
		if pt.Time.After(last) {
			last = pt.Time
		}
	}
	if len(in.Events) == 0 {
		return in, fmt.Errorf("%w: petitions: the data hold no petition reporting a nuisance in the period (petitions.csv)", ErrUnavailable)
	}
	in.From, in.To = span(from, to, first, last)
	return in, nil
}

// ByName returns the named signal over the data held. Petitions are
// mapped at their public (fuzzed) locations only; without fuzz the
// petition signal is unavailable. facilities, when set, limits the
// violations to the facilities it accepts (Violations).
func ByName(name string, ds *model.Dataset, sensors *sensor.Data, ps []odour.Petition, fuzz Fuzz, limit float64, facilities func(string) bool) (Signal, error) {
	switch name {
	case NameSensorExceedances:
		return SensorExceedances(sensors, limit), nil
	case NameViolations:
		return Violations(ds, facilities), nil
	case NamePetitions:
		return Petitions(ps, fuzz), nil
	}
	return nil, fmt.Errorf("signal: unknown signal %q: want petitions, sensor-exceedances or violations", name)
}
