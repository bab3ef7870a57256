package api

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
)

// Bounds of tracing inputs.
const (
	// defaultMaxHours is the suspect engine's own default horizon.
	defaultMaxHours = 72.0
	// maxTraceHours bounds max_hours: no river in Taiwan takes a month
	// from source to sea, and the bound keeps a typo from walking a
	// continent-sized network.
	maxTraceHours = 720.0
	// maxReadingsLimit bounds one page of GET .../readings.
	maxReadingsLimit = 100_000
	// defaultReadingsLimit is the page size when limit is not given.
	defaultReadingsLimit = 10_000
)

// timeFormatHint is the reason given for every bad time, so a client
// learns the accepted form whatever it got wrong.
const timeFormatHint = "must be an RFC 3339 date-time with a zone offset, e.g. 2026-08-14T04:00:00+08:00 (a time without a zone is ambiguous by eight hours)"

// lostPlus matches a time whose "+08:00" arrived as " 08:00": a '+' that
// was not percent-encoded in a query string decodes to a space.
var lostPlus = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:\d\d)$`)

// parseTime reads a date-time that must carry its zone. It accepts RFC
// 3339 with or without seconds, and repairs the offset's '+' that an
// unencoded query string turns into a space.
func parseTime(s string) (time.Time, string) {
	t := strings.TrimSpace(s)
	if m := lostPlus.FindStringSubmatch(s); m != nil {
		t = m[1] + "+" + m[2]
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		v, err := time.Parse(layout, t)
		if err != nil {
			continue
		}
		if v.Year() < 1900 || v.Year() > 2200 {
			return time.Time{}, fmt.Sprintf("year %d is out of range 1900–2200", v.Year())
		}
		return v, ""
	}
	if _, err := time.Parse("2006-01-02T15:04:05", t); err == nil {
		return time.Time{}, "has no zone offset; " + timeFormatHint
	}
	if _, err := time.Parse("2006-01-02T15:04", t); err == nil {
		return time.Time{}, "has no zone offset; " + timeFormatHint
	}
	return time.Time{}, timeFormatHint + fmt.Sprintf(", got %q", s)
}

// timeParam reads an optional date-time; zero when absent.
func (q *query) timeParam(name string, required bool) time.Time {
	if !q.has(name) {
		if required {
			q.fail(name, "required: "+timeFormatHint, nil)
		}
		return time.Time{}
	}
	t, reason := parseTime(q.str(name))
	if reason != "" {
		q.fail(name, reason, nil)
	}
	return t
}

// lookupParameter resolves a parameter name (id, alias or Chinese name)
// to the registry, explaining a miss with the accepted ids.
func lookupParameter(s string) (param.Parameter, string) {
	p, err := param.Lookup(s)
	if err != nil {
		return param.Parameter{}, fmt.Sprintf("unknown parameter %q; use an id such as %s", s, parameterIDs())
	}
	return p, ""
}

// parameterIDs lists the registered parameter ids, for messages.
func parameterIDs() string {
	all := param.All()
	ids := make([]string, len(all))
	for i, p := range all {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}

// concentrationParameter resolves a parameter that must carry a load
// (concentration × flow), as tracing and balances need.
func concentrationParameter(s string) (param.Parameter, string) {
	p, reason := lookupParameter(s)
	if reason != "" {
		return p, reason
	}
	if p.Kind != param.KindConcentration {
		return p, fmt.Sprintf("%s is %s, not a concentration: only a concentration times a flow gives the load that tracing and balances follow", p.ID, p.Kind)
	}
	return p, ""
}

// checkUnit says why unit cannot express p, "" when it can.
func checkUnit(p param.Parameter, unit string) string {
	if strings.TrimSpace(unit) == "" {
		return fmt.Sprintf("required: the unit of the value, e.g. %s", p.Unit)
	}
	_, err := p.Canonical(0, unit)
	var ue *param.UnknownUnitError
	var ie *param.IncompatibleUnitError
	switch {
	case errors.As(err, &ue):
		return fmt.Sprintf("unknown unit %q; %s is measured in %s or a unit of the same kind", unit, p.ID, p.Unit)
	case errors.As(err, &ie):
		return fmt.Sprintf("%q measures %s, but %s needs %s (e.g. %s)", unit, ie.Got, p.ID, ie.Want, p.Unit)
	case err != nil:
		return err.Error()
	}
	return ""
}

// checkNumber says why v is not a finite number ≥ min, "" when it is.
func checkNumber(v, lo float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "must be a finite number"
	}
	if v < lo {
		return fmt.Sprintf("must be ≥ %g, got %g", lo, v)
	}
	return ""
}
