package farmland

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/param"
)

// secondsPerDay converts the permitted volume (m³/day) to m³/s.
const secondsPerDay = 86400

// Request is a forward impact query: from a facility's outfalls or from
// a reading at a station. Value and Unit are required for a station; for a
// facility without them the discharge is its permit limit at the permitted
// volume.
type Request struct {
	Facility  string
	Station   string
	Parameter string
	Value     *float64
	Unit      string
	Time      time.Time
}

// Impact answers a request: it builds the sources and follows them
// downstream. The loads of several outfalls add up at an intake.
func (e *Engine) Impact(ctx context.Context, q Request) (*Impact, error) {
	p, err := param.Lookup(q.Parameter)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnknownParameter, err)
	}
	if p.Air() {
		return nil, fmt.Errorf("%w %s: an air parameter does not travel down rivers", ErrUnknownParameter, p.ID)
	}
	var srcs []Source
	switch {
	case q.Facility != "" && q.Station != "":
		return nil, fmt.Errorf("give a facility or a station, not both")
	case q.Facility != "":
		srcs, err = e.facilitySources(q, p)
	case q.Station != "":
		srcs, err = e.stationSource(q, p)
	default:
		return nil, fmt.Errorf("give a facility or a station")
	}
	if err != nil {
		return nil, err
	}
	var all []*Impact
	for _, s := range srcs {
		im, err := e.Forward(ctx, s)
		if err != nil {
			return nil, err
		}
		all = append(all, im)
	}
	return merge(all, srcs), nil
}

// canonical converts the request's value into the parameter's unit.
func canonical(q Request, p param.Parameter) (float64, error) {
	if q.Value == nil || q.Unit == "" {
		return 0, fmt.Errorf("%w: a value and its unit are required", ErrNoValue)
	}
	v, err := p.Canonical(*q.Value, q.Unit)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 && p.Kind == param.KindConcentration {
		return 0, fmt.Errorf("value %v %s is not a valid %s", *q.Value, q.Unit, p.ID)
	}
	return v, nil
}

func (e *Engine) stationSource(q Request, p param.Parameter) ([]Source, error) {
	place, ok := e.B.Station(q.Station)
	if !ok {
		return nil, fmt.Errorf("%w station %q (not in stations.csv, or too far from every reach)", ErrUnknown, q.Station)
	}
	v, err := canonical(q, p)
	if err != nil {
		return nil, err
	}
	flow, ok := e.flowOf(place.Reach)
	if !ok {
		return nil, fmt.Errorf("%w for reach %s (%s), where station %s stands: the dilution below it cannot be computed",
			ErrNoFlow, e.B.Net.ID(place.Reach), FileReachFlows, q.Station)
	}
	return []Source{{Place: place, Parameter: p, Conc: v, FlowM3s: flow, Time: q.Time}}, nil
}

// facilitySources returns one source per placed outfall, sharing the
// permitted volume equally.
func (e *Engine) facilitySources(q Request, p param.Parameter) ([]Source, error) {
	ds := e.B.DS
	if _, ok := ds.Facility(q.Facility); !ok {
		return nil, fmt.Errorf("%w facility %q (not in facilities.csv)", ErrUnknown, q.Facility)
	}
	var places []basin.Place
	for r := int32(0); r < int32(e.B.Net.Len()); r++ {
		for _, o := range e.B.OutfallsOn(r) {
			if o.Outfall.Facility == q.Facility {
				places = append(places, o.Place)
			}
		}
	}
	if len(places) == 0 {
		return nil, fmt.Errorf("facility %s has no outfall on the network (outfalls.csv)", q.Facility)
	}
	volume, limit := 0.0, math.NaN()
	for _, pm := range ds.PermitsOf(q.Facility) {
		if !pm.Valid(q.Time) {
			continue
		}
		volume += pm.MaxDailyM3
		for _, l := range ds.LimitsOf(pm.PerNo) {
			if l.Parameter == p.ID && !l.ReportOnly && l.Bound != dmr.Lower && maxBase(l.StatBase) && !(l.Value <= limit) {
				limit = l.Value
			}
		}
	}
	if volume == 0 {
		return nil, fmt.Errorf("%w: facility %s has no permit valid on %s, so no permitted volume", ErrNoValue, q.Facility, q.Time.Format(time.DateOnly))
	}
	conc := limit
	if q.Value != nil {
		v, err := canonical(q, p)
		if err != nil {
			return nil, err
		}
		conc = v
	} else if math.IsNaN(limit) {
		return nil, fmt.Errorf("%w: facility %s's permit sets no %s limit; give a value and its unit", ErrNoValue, q.Facility, p.ID)
	}
	var out []Source
	for _, pl := range places {
		out = append(out, Source{Place: pl, Parameter: p, Conc: conc, FlowM3s: volume / secondsPerDay / float64(len(places)), Time: q.Time})
	}
	return out, nil
}

// maxBase says whether a limit caps single values (the worst permitted
// instant), not an average.
func maxBase(b dmr.StatBase) bool {
	return b == dmr.SingleSample || b == dmr.InstantMax || b == dmr.DailyMax
}

// merge adds the impacts of several sources: loads add at an intake, so
// concentrations add; the leading edge is the earliest.
func merge(all []*Impact, srcs []Source) *Impact {
	if len(all) == 1 {
		return all[0]
	}
	by := map[string]*IntakeImpact{}
	out := &Impact{Intakes: []IntakeImpact{}}
	var order []string
	for _, im := range all {
		for _, ii := range im.Intakes {
			x, ok := by[ii.IntakeID]
			if !ok {
				c := ii
				by[ii.IntakeID] = &c
				order = append(order, ii.IntakeID)
				continue
			}
			x.Concentration = round(x.Concentration+ii.Concentration, 6)
			if ii.TravelHours < x.TravelHours {
				x.TravelHours, x.ArrivalTime = ii.TravelHours, ii.ArrivalTime
			}
			if x.Concentration > 0 {
				x.Dilution = round(srcs[0].Conc/x.Concentration, 4)
			}
			if x.Standard != nil {
				l, _ := IrrigationLimit(srcs[0].Parameter.ID)
				x.Exceeds = l.Exceeded(x.Concentration)
			}
		}
	}
	for _, id := range order {
		out.Intakes = append(out.Intakes, *by[id])
	}
	sortImpact(out)
	return out
}

// ErrBadRequest marks a malformed query (missing or unparsable fields).
var ErrBadRequest = errors.New("bad farmland query")

// FieldError names the field of a malformed query (the CLI flag or REST
// parameter without its dashes) and why.
type FieldError struct {
	Field, Reason string
}

// Error says which field is wrong and why.
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrBadRequest) hold.
func (e *FieldError) Unwrap() error { return ErrBadRequest }

// ParseRequest reads a query as the CLI flags and the REST parameters
// spell it, so both refuse the same mistakes: a facility or a station (not
// both), a parameter; for a station, a value, its unit and a time with a
// zone; for a facility, a unit with any value, and a time that defaults
// to now.
func ParseRequest(facility, station, parameter, value, unit, at string, now time.Time) (Request, error) {
	q := Request{Facility: strings.TrimSpace(facility), Station: strings.TrimSpace(station), Parameter: strings.TrimSpace(parameter), Unit: strings.TrimSpace(unit)}
	bad := func(field, format string, a ...any) (Request, error) {
		return Request{}, &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case (q.Facility == "") == (q.Station == ""):
		return bad("facility", "give either facility or station")
	case q.Parameter == "":
		return bad("parameter", "required")
	}
	if value != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("value", "%q is not a finite number", value)
		}
		q.Value = &v
		if q.Unit == "" {
			return bad("unit", "required with value")
		}
	}
	if q.Station != "" && (q.Value == nil || at == "") {
		field := "value"
		if q.Value != nil {
			field = "time"
		}
		return bad(field, "a station reading needs value, unit and time")
	}
	q.Time = now
	if at != "" {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(at))
		if err != nil {
			return bad("time", "%q: want RFC 3339 with a zone, e.g. 2026-08-14T04:00:00+08:00", at)
		}
		q.Time = t
	}
	return q, nil
}
