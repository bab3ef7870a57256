// Package inspection keeps inspection records — findings, samples with
// their laboratory results, violations and penalties — and turns them into
// the outcomes the risk model (tracing/risk) calibrates on, and builds a
// day's inspection plan from the risk ranking (plan.go).
//
// A record says how the inspection was chosen (Selection) and with what
// probability (Propensity): the random share of a plan is drawn with a
// known probability, and calibration weights each outcome by its inverse,
// because outcomes exist only where someone chose to inspect.
package inspection

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/risk"
)

// Record is one inspection of one facility.
type Record struct {
	ID       string    `json:"id"`
	Facility string    `json:"facility_id"`
	Date     time.Time `json:"date"`
	// Selection is how it was chosen (risk.SelectRandom, SelectRisk,
	// SelectComplaint, SelectRoutine); Propensity the probability with
	// which it was (0 when not recorded).
	Selection  string      `json:"selection"`
	Propensity float64     `json:"propensity"`
	Inspector  string      `json:"inspector,omitempty"`
	Night      bool        `json:"night,omitempty"`
	Findings   []Finding   `json:"findings"`
	Samples    []Sample    `json:"samples"`
	Violations []Violation `json:"violations"`
	Penalties  []Penalty   `json:"penalties"`
	// CaseID links the record to a case (casework), when one holds it.
	CaseID string `json:"case_id,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Finding is an observation on site (a bypass pipe, an unlabelled drum, a
// treatment unit off).
type Finding struct {
	Code        string `json:"code,omitempty"`
	Description string `json:"description"`
}

// Sample is a sample taken during the inspection with its laboratory
// result, converted at entry to the parameter's canonical unit.
type Sample struct {
	ID        string  `json:"id"`
	Outfall   string  `json:"outfall,omitempty"`
	Parameter string  `json:"parameter"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	// Limit is the applicable limit in the same unit, nil when none.
	Limit  *float64 `json:"limit,omitempty"`
	Lab    string   `json:"lab,omitempty"`
	Method string   `json:"method,omitempty"`
}

// Violation is a breach the inspection established, with its legal article
// (e.g. 水污法第7條).
type Violation struct {
	Article     string `json:"article"`
	Description string `json:"description"`
}

// Penalty is a sanction imposed for a violation.
type Penalty struct {
	Article   string    `json:"article"`
	AmountTWD float64   `json:"amount_twd"`
	Date      time.Time `json:"date"`
}

// ErrInvalid is wrapped by every validation error; ErrNotFound by an
// unknown record id.
var (
	ErrInvalid  = errors.New("inspection: invalid record")
	ErrNotFound = errors.New("inspection: not found")
)

// FieldError names the field of a record at fault; it wraps ErrInvalid.
type FieldError struct {
	Field, Reason string
}

// Error says which field and why.
func (e *FieldError) Error() string { return fmt.Sprintf("%v: %s: %s", ErrInvalid, e.Field, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

var idPattern = regexp.MustCompile(`^I-[0-9]{8}-[0-9A-Za-z]{1,32}$`)

var selections = map[string]bool{risk.SelectRandom: true, risk.SelectRisk: true, risk.SelectComplaint: true, risk.SelectRoutine: true}

// Validate checks a record and converts its samples to canonical units
// (the one place units are converted). Errors name the field.
func (r *Record) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case !idPattern.MatchString(r.ID):
		return bad("id", "%q is not I-YYYYMMDD-suffix", r.ID)
	case r.Facility == "":
		return bad("facility_id", "required")
	case r.Date.IsZero():
		return bad("date", "required")
	case !selections[r.Selection]:
		return bad("selection", "%q is not random, risk, complaint or routine", r.Selection)
	case math.IsNaN(r.Propensity) || r.Propensity < 0 || r.Propensity > 1:
		return bad("propensity", "%v is not within 0–1", r.Propensity)
	case r.Selection == risk.SelectRandom && r.Propensity == 0:
		return bad("propensity", "a random-share inspection must record the probability it was drawn with")
	}
	for i := range r.Samples {
		if err := r.Samples[i].canonical(); err != nil {
			return bad(fmt.Sprintf("samples[%d]", i), "%v", err)
		}
	}
	for i, v := range r.Violations {
		if v.Article == "" {
			return bad(fmt.Sprintf("violations[%d].article", i), "required")
		}
	}
	for i, p := range r.Penalties {
		if p.Article == "" || !(p.AmountTWD >= 0) || math.IsInf(p.AmountTWD, 0) {
			return bad(fmt.Sprintf("penalties[%d]", i), "an article and a non-negative amount are required")
		}
	}
	r.ensureSlices()
	return nil
}

// ensureSlices makes the lists non-nil, so JSON shows [] rather than null.
func (r *Record) ensureSlices() {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Samples == nil {
		r.Samples = []Sample{}
	}
	if r.Violations == nil {
		r.Violations = []Violation{}
	}
	if r.Penalties == nil {
		r.Penalties = []Penalty{}
	}
}

func (s *Sample) canonical() error {
	if s.ID == "" {
		return errors.New("id is required")
	}
	p, err := param.Lookup(s.Parameter)
	if err != nil {
		return err
	}
	if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
		return fmt.Errorf("value %v is not a number", s.Value)
	}
	v, err := p.Canonical(s.Value, s.Unit)
	if err != nil {
		return err
	}
	if s.Limit != nil {
		l, err := p.Canonical(*s.Limit, s.Unit)
		if err != nil {
			return err
		}
		s.Limit = &l
	}
	s.Parameter, s.Value, s.Unit = p.ID, v, p.Unit
	return nil
}

// Exceeds says whether a sample's result is above its limit.
func (s Sample) Exceeds() bool { return s.Limit != nil && s.Value > *s.Limit }

// Violated is the outcome rule: an inspection found a violation when it
// records one or when a sample exceeds its limit.
func (r *Record) Violated() bool {
	if len(r.Violations) > 0 {
		return true
	}
	for _, s := range r.Samples {
		if s.Exceeds() {
			return true
		}
	}
	return false
}

// Outcome is the record as calibration uses it.
func (r *Record) Outcome() risk.Outcome {
	return risk.Outcome{Facility: r.Facility, Date: r.Date, Violation: r.Violated(), Selection: r.Selection, Propensity: r.Propensity}
}

// Outcomes converts records.
func Outcomes(rs []*Record) []risk.Outcome {
	out := make([]risk.Outcome, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Outcome())
	}
	return out
}

// Repository keeps inspection records. Package store implements it over
// PostGIS and in memory; both pass the same tests.
type Repository interface {
	// PutInspection validates and stores a record, replacing one with
	// the same id.
	PutInspection(ctx context.Context, r *Record) error
	// Inspection returns one record; an unknown id wraps ErrNotFound.
	Inspection(ctx context.Context, id string) (*Record, error)
	// Inspections lists a facility's records (every record when facility
	// is ""), oldest first.
	Inspections(ctx context.Context, facility string) ([]*Record, error)
}
