package model

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
)

// Canonical units of the flows the model holds: a river flow measured
// with a reading, and a discharge reported for a period.
const (
	RiverFlowUnit     = "m³/s"
	ReportedFlowUnit  = "m³/day"
	canonicalRelDelta = 1e-9
)

// Canonical returns the reading with its value in the parameter's canonical
// unit (µg/L → mg/L, mS/cm → µS/cm, °F → °C) and its flow in m³/s, after
// checking both are physically plausible. It is the one conversion every
// entry point applies (data directory, PostGIS load and import, CLI and
// HTTP ingest), so the tracing code never converts again. An error is a
// *FieldError of readings.csv naming the column at fault (Record and Line
// are the caller's to set).
func (r Reading) Canonical() (Reading, error) {
	p, err := param.Lookup(r.Parameter)
	if err != nil {
		return r, &FieldError{File: FileReadings, Column: "parameter", Value: r.Parameter, Err: err}
	}
	v, err := p.Canonical(r.Value, r.Unit)
	if err == nil {
		err = p.Plausible(v)
	}
	if err != nil {
		return r, valueError(FileReadings, "value", "unit", r.Value, r.Unit, err)
	}
	c := r
	c.Parameter, c.Value, c.Unit = p.ID, v, p.Unit
	c.Flow, c.FlowUnit, err = canonicalFlow(r.Flow, r.FlowUnit, RiverFlowUnit)
	if err != nil {
		return r, valueError(FileReadings, "flow", "flow_unit", r.Flow, r.FlowUnit, err)
	}
	return c, nil
}

// valueError blames a unit error on the unit column and any other on the
// value column.
func valueError(file, valueCol, unitCol string, v float64, unit string, err error) *FieldError {
	if errors.Is(err, param.ErrUnknownUnit) || errors.Is(err, param.ErrIncompatibleUnit) {
		return &FieldError{File: file, Column: unitCol, Value: unit, Err: err}
	}
	return &FieldError{File: file, Column: valueCol, Value: strconv.FormatFloat(v, 'g', -1, 64), Err: err}
}

// Canonical returns the report with its value in the parameter's canonical
// unit and its flow in m³/day (reports without a value or flow keep none).
func (r Report) Canonical() (Report, error) {
	p, err := param.Lookup(r.Parameter)
	if err != nil {
		return r, err
	}
	r.Parameter = p.ID
	if r.NoData == "" {
		v, err := p.Canonical(r.Value, r.Unit)
		if err != nil {
			return r, err
		}
		if err := p.Plausible(v); err != nil {
			return r, err
		}
		r.Value, r.Unit = v, p.Unit
	}
	r.Flow, r.FlowUnit, err = canonicalFlow(r.Flow, r.FlowUnit, ReportedFlowUnit)
	return r, err
}

// Canonical returns the limit with its value in the parameter's canonical
// unit (a report-only limit keeps no value).
func (l PermitLimit) Canonical() (PermitLimit, error) {
	p, err := param.Lookup(l.Parameter)
	if err != nil {
		return l, err
	}
	l.Parameter = p.ID
	if l.ReportOnly && l.Unit == "" {
		return l, nil
	}
	v, err := p.Canonical(l.Value, l.Unit)
	if err != nil {
		return l, err
	}
	if !l.ReportOnly {
		if err := p.Plausible(v); err != nil {
			return l, err
		}
		l.Value = v
	}
	l.Unit = p.Unit
	return l, nil
}

// canonicalFlow converts a flow to the unit to, checking it is a plausible
// flow; an empty unit means no flow and stays empty.
func canonicalFlow(q float64, unit, to string) (float64, string, error) {
	if unit == "" {
		return 0, "", nil
	}
	m3s, err := param.Canonical("FLOW", q, unit)
	if err != nil {
		return q, unit, err
	}
	if err := param.PlausibleFlow(m3s); err != nil {
		return q, unit, err
	}
	v, err := param.Convert(q, unit, to)
	return v, to, err
}

// ReadingKey is a reading's identity: one station measures one value of a
// parameter at one instant (the same instant written in any zone).
type ReadingKey struct {
	Station   string
	UnixNano  int64
	Parameter string
}

// KeyOf returns r's identity; r's parameter must be its canonical id.
func KeyOf(r *Reading) ReadingKey {
	return ReadingKey{Station: r.Station, UnixNano: r.Time.UnixNano(), Parameter: r.Parameter}
}

// SameMeasurement reports whether two canonical readings with the same key
// carry the same measurement: the same censoring and values equal to within
// a relative 10⁻⁹ (a value re-sent in µg/L converts back with rounding
// error). Equal ones are one reading sent twice; different ones conflict.
func SameMeasurement(a, b *Reading) bool {
	if a.Censored != b.Censored {
		return false
	}
	return math.Abs(a.Value-b.Value) <= canonicalRelDelta*math.Max(math.Abs(a.Value), math.Abs(b.Value))
}

// ConflictError reports two readings of one parameter at one station and
// instant with different values. A station cannot measure two values at
// once, so one of them is wrong; envtrace refuses to choose.
type ConflictError struct {
	Station   string
	Time      time.Time
	Parameter string
	// First is the reading stored (or read) first, Second the one that
	// conflicts with it, both canonical.
	First, Second Reading
	// FirstWhere locates the first reading for the message ("line 12",
	// "the store"); empty when unknown.
	FirstWhere string
}

// Error names the reading and both values.
func (e *ConflictError) Error() string {
	where := ""
	if e.FirstWhere != "" {
		where = " (" + e.FirstWhere + ")"
	}
	return fmt.Sprintf("%s at %s %s: %s conflicts with %s%s; one station cannot measure two values at once, keep the right one",
		e.Parameter, e.Station, e.Time.Format(time.RFC3339), MeasurementString(&e.Second), MeasurementString(&e.First), where)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ConflictError) Is(t error) bool { return t == ErrInvalid }

// MeasurementString writes a reading's value as a laboratory would:
// "<0.02 mg/L" when censored.
func MeasurementString(r *Reading) string {
	v := strconv.FormatFloat(r.Value, 'g', -1, 64)
	if r.Censored {
		v = "<" + v
	}
	return v + " " + r.Unit
}

// SortNew sorts a batch of canonical readings arriving for a store against
// what it holds (stored looks a key up) and against each other: the new
// ones to add, in batch order; the number that repeat a stored or earlier
// reading with the same measurement (a re-sent batch, skipped); and the
// conflicts, readings with another value for a key already held, each a
// *ConflictError, joined. It is the one rule every reading store applies
// (the memory backends and PostGIS), so a duplicate is idempotent
// everywhere and a contradiction is refused everywhere.
func SortNew(readings []Reading, stored func(ReadingKey) (*Reading, bool)) (fresh []Reading, duplicates int, conflicts error) {
	batch := map[ReadingKey]int{}
	var errs []error
	for i := range readings {
		r := &readings[i]
		k := KeyOf(r)
		prev, where := stored(k)
		whereText := "stored"
		if !where {
			if j, repeated := batch[k]; repeated {
				prev, where, whereText = &fresh[j], true, "earlier in the same batch"
			}
		}
		switch {
		case !where:
			batch[k] = len(fresh)
			fresh = append(fresh, *r)
		case SameMeasurement(prev, r):
			duplicates++
		case len(errs) < maxErrors:
			errs = append(errs, &ConflictError{Station: r.Station, Time: r.Time, Parameter: r.Parameter, First: *prev, Second: *r, FirstWhere: whereText})
		}
	}
	if len(errs) > 0 {
		return nil, 0, errors.Join(errs...)
	}
	return fresh, duplicates, nil
}
