// Package dmr compares discharge monitoring reports (DMRs, 申報資料) with
// the limits of a discharge permit and expresses any exceedance the way the
// US EPA ECHO system does, so that results are comparable with a widely
// used public reference.
//
// # Exceedance
//
// For an upper limit (the usual case: daily maximum, monthly average, ...)
// ECHO's exceedance percentage is
//
//	(reported − limit) / limit × 100, only when reported > limit,
//
// after converting the reported value into the limit's unit. Rows that do
// not exceed get no percentage (ECHO leaves exceedence_pct blank). For a
// lower limit (minimum DO, minimum pH) the shortfall (limit − reported) /
// limit × 100 is used when reported < limit; ECHO's published data for this
// package's test permit contain no minimum limits, so that branch follows
// the definition by symmetry rather than a verified ECHO row.
//
// Some rows carry no number to compare:
//
//   - "Report only" (monitor and report) rows have no limit value: ECHO
//     computes no exceedance and records no effluent violation for them, as
//     for flow at many outfalls. They get StatusReportOnly.
//   - A report with a no-data indicator (ECHO's NODI codes, e.g. C = no
//     discharge, 9 = conditional monitoring not required) gets StatusNoData.
//   - A censored result ("<DL") whose detection limit lies above an upper
//     limit cannot be judged either way: StatusUndecidable, never counted as
//     an exceedance. Against a lower limit a censored result is always
//     undecidable (EPA does not flag it).
package dmr

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
)

// StatBase is the statistical base of a limit or a reported value: which
// statistic of the period's samples the number is. A monthly-average limit
// may only be compared with a monthly-average report, so the base is part
// of the match.
type StatBase string

// The statistical bases envtrace understands. Taiwan's effluent standards
// are mostly maxima for any single sample (SingleSample); US permits use
// daily maximum and monthly (30-day) average most often.
const (
	SingleSample StatBase = "single_sample" // every individual sample
	InstantMax   StatBase = "instant_max"
	InstantMin   StatBase = "instant_min"
	DailyMax     StatBase = "daily_max"
	DailyMin     StatBase = "daily_min"
	DailyAvg     StatBase = "daily_avg"
	WeeklyAvg    StatBase = "weekly_avg" // 7-day average
	MonthlyAvg   StatBase = "monthly_avg"
	MonthlyMax   StatBase = "monthly_max"
	MonthlyMin   StatBase = "monthly_min"
)

var statBases = map[string]StatBase{
	// ids and readable spellings
	"single_sample": SingleSample, "single sample": SingleSample, "max": SingleSample, "maximum": SingleSample, "最大限值": SingleSample,
	"instant_max": InstantMax, "instantaneous maximum": InstantMax, "inst max": InstantMax,
	"instant_min": InstantMin, "instantaneous minimum": InstantMin, "inst min": InstantMin,
	"daily_max": DailyMax, "daily maximum": DailyMax, "daily max": DailyMax, "daily mx": DailyMax, "日最大值": DailyMax,
	"daily_min": DailyMin, "daily minimum": DailyMin, "daily min": DailyMin, "daily mn": DailyMin,
	"daily_avg": DailyAvg, "daily average": DailyAvg, "daily avg": DailyAvg, "daily av": DailyAvg, "日平均值": DailyAvg,
	"weekly_avg": WeeklyAvg, "weekly average": WeeklyAvg, "weekly avg": WeeklyAvg, "7 da avg": WeeklyAvg, "7da avg": WeeklyAvg, "週平均值": WeeklyAvg,
	"monthly_avg": MonthlyAvg, "monthly average": MonthlyAvg, "monthly avg": MonthlyAvg, "mo avg": MonthlyAvg, "30da avg": MonthlyAvg, "30 da avg": MonthlyAvg, "月平均值": MonthlyAvg,
	"monthly_max": MonthlyMax, "monthly maximum": MonthlyMax, "monthly max": MonthlyMax, "mo max": MonthlyMax,
	"monthly_min": MonthlyMin, "monthly minimum": MonthlyMin, "monthly min": MonthlyMin, "mo min": MonthlyMin,
}

// ErrUnknownStatBase is returned (wrapped) for a statistical base spelling
// that is not recognised; the base is never guessed because it decides
// which limit a value is held to.
var ErrUnknownStatBase = errors.New("dmr: unknown statistical base")

// ParseStatBase reads a statistical base from its id ("daily_max"), a
// readable name ("monthly average"), ECHO's short description ("DAILY MX",
// "MO AVG", "30DA AVG") or a Chinese label (日最大值).
func ParseStatBase(s string) (StatBase, error) {
	k := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if b, ok := statBases[k]; ok {
		return b, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownStatBase, s)
}

// Valid reports whether b is one of the defined bases.
func (b StatBase) Valid() bool {
	_, err := ParseStatBase(string(b))
	return err == nil && statBases[string(b)] == b
}

// Bound is the direction of a limit.
type Bound int

// The bounds. Upper is the zero value because almost every effluent limit
// is a maximum.
const (
	Upper Bound = iota // reported must be ≤ limit
	Lower              // reported must be ≥ limit (minimum DO, pH)
)

// String returns "upper" or "lower", the spelling used in data files.
func (b Bound) String() string {
	if b == Lower {
		return "lower"
	}
	return "upper"
}

// Limit is one numeric condition of a permit.
type Limit struct {
	Parameter string
	Value     float64
	Unit      string
	StatBase  StatBase
	Bound     Bound
	// ReportOnly marks a monitor-and-report requirement with no numeric
	// limit; Value is then ignored.
	ReportOnly bool
}

// Period is a monitoring period. Start may be zero when the source gives
// only the end date (ECHO effluent charts), which is then not guessed.
type Period struct {
	Start, End time.Time
}

// Report is one reported value of a DMR.
type Report struct {
	Period    Period
	Parameter string
	Value     float64
	Unit      string
	StatBase  StatBase
	// Censored marks "<Value" (below the detection or reporting limit).
	Censored bool
	// NoData holds a no-data indicator (ECHO NODI code or a local word);
	// when set, Value is meaningless.
	NoData string
}

// Status is the outcome of one comparison.
type Status int

// The statuses.
const (
	StatusCompliant   Status = iota + 1 // reported within the limit
	StatusExceeded                      // reported beyond the limit
	StatusReportOnly                    // no numeric limit to compare with
	StatusNoData                        // nothing reported (NODI)
	StatusUndecidable                   // censored result with detection limit beyond the limit
)

// String names the status in reports.
func (s Status) String() string {
	switch s {
	case StatusCompliant:
		return "compliant"
	case StatusExceeded:
		return "exceeded"
	case StatusReportOnly:
		return "report only"
	case StatusNoData:
		return "no data"
	case StatusUndecidable:
		return "undecidable"
	}
	return "unknown"
}

// Comparison is the result of Compare.
type Comparison struct {
	Status Status
	// Reported is the reported value converted into the limit's unit.
	Reported float64
	// ExceedancePct is ECHO's exceedance percentage, set only when Status
	// is StatusExceeded (otherwise 0). It is not rounded; ECHO publishes
	// whole percents.
	ExceedancePct float64
}

// ErrMismatch is returned (wrapped) when a report is compared with a limit
// on another parameter or statistical base: comparing a monthly average
// against a daily maximum is a silent, common error.
var ErrMismatch = errors.New("dmr: report does not match limit")

// Compare judges one report against one limit.
func Compare(l Limit, r Report) (Comparison, error) {
	if !sameParameter(l.Parameter, r.Parameter) {
		return Comparison{}, fmt.Errorf("%w: parameter %q vs %q", ErrMismatch, r.Parameter, l.Parameter)
	}
	if l.StatBase != r.StatBase {
		return Comparison{}, fmt.Errorf("%w: %s: statistical base %q vs %q", ErrMismatch, l.Parameter, r.StatBase, l.StatBase)
	}
	if r.NoData != "" {
		return Comparison{Status: StatusNoData}, nil
	}
	v := r.Value
	if !l.ReportOnly || l.Unit != "" {
		var err error
		if v, err = convert(l.Parameter, r.Value, r.Unit, l.Unit); err != nil {
			return Comparison{}, err
		}
	}
	if l.ReportOnly {
		return Comparison{Status: StatusReportOnly, Reported: v}, nil
	}
	if l.Value <= 0 || math.IsNaN(l.Value) || math.IsInf(l.Value, 0) {
		// A zero limit would make the percentage infinite; ECHO has none.
		return Comparison{}, fmt.Errorf("dmr: %s limit %v %s: must be positive to compute an exceedance", l.Parameter, l.Value, l.Unit)
	}
	c := Comparison{Status: StatusCompliant, Reported: v}
	switch l.Bound {
	case Upper:
		if v > l.Value {
			if r.Censored {
				c.Status = StatusUndecidable
			} else {
				c.Status = StatusExceeded
				c.ExceedancePct = (v - l.Value) / l.Value * 100
			}
		}
	case Lower:
		switch {
		case r.Censored:
			// EPA does not flag a "<" result against a lower limit; a
			// shortfall cannot be quantified from it either.
			c.Status = StatusUndecidable
		case v < l.Value:
			c.Status = StatusExceeded
			c.ExceedancePct = (l.Value - v) / l.Value * 100
		}
	}
	return c, nil
}

func sameParameter(a, b string) bool {
	if a == b {
		return true
	}
	pa, ea := param.Lookup(a)
	pb, eb := param.Lookup(b)
	return ea == nil && eb == nil && pa.ID == pb.ID
}

// convert puts value into the limit's unit, checking the dimension against
// the parameter when the registry knows it.
func convert(parameter string, value float64, from, to string) (float64, error) {
	if from == to {
		return value, nil
	}
	if p, err := param.Lookup(parameter); err == nil {
		if _, err := p.Canonical(value, from); err != nil {
			return 0, fmt.Errorf("dmr: report: %w", err)
		}
		if _, err := p.Canonical(value, to); err != nil {
			return 0, fmt.Errorf("dmr: limit: %w", err)
		}
	}
	v, err := param.Convert(value, from, to)
	if err != nil {
		return 0, fmt.Errorf("dmr: %s: %w", parameter, err)
	}
	return v, nil
}
