package airpermit

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// plausible checks a CEMS value against its parameter's physical range
// (the registry's, in the parameter's canonical unit): no negative
// concentration or flow, no O₂ above 100 %vol, nothing infinite. A value
// whose unit the parameter does not accept is the unit's problem, found
// before.
func plausible(c CEMSRecord) error {
	p, err := param.Lookup(c.Parameter)
	if err != nil {
		return err
	}
	v, err := p.In(c.Value, c.Unit, p.Unit)
	if err != nil {
		return nil
	}
	return p.Plausible(v)
}

// CEMSBatch is a batch of CEMS records sent to be stored (POST
// /api/v1/air/cems, `envtrace import cems`): the records in cems.csv's
// format, in their reported basis, and the line each was read from, so
// that every problem names its row.
type CEMSBatch struct {
	File    string
	Records []CEMSRecord
	Lines   []int
}

// ReadCEMS reads a batch in cems.csv's format from r, named name in its
// problems (*model.FieldError values naming line and column: unit, status
// code, basis, reference O₂, implausible value). One wrong row refuses the
// whole batch.
func ReadCEMS(name string, r io.Reader) (*CEMSBatch, error) {
	b := &CEMSBatch{File: name}
	t := csvtab.Open(name, r, cemsSchema)
	t.Rows(func(row *csvtab.Row) {
		c := readCEMS(row)
		if !row.Bad() {
			b.Records = append(b.Records, c)
			b.Lines = append(b.Lines, row.Line)
		}
	})
	if err := t.Err(); err != nil {
		return nil, err
	}
	if len(b.Records) == 0 {
		return nil, &model.FieldError{File: name, Line: 2, Err: errors.New("no records: give at least one row after the header")}
	}
	return b, nil
}

// CEMSKey identifies a CEMS record as the store does: facility, stack,
// time and parameter.
type CEMSKey struct {
	Facility, Stack, Parameter string
	UnixNano                   int64
}

// Key is the record's CEMSKey.
func (c *CEMSRecord) Key() CEMSKey {
	return CEMSKey{Facility: c.Facility, Stack: c.Stack, Parameter: c.Parameter, UnixNano: c.Time.UnixNano()}
}

// sameReport says whether two records with one key report the same:
// value, unit, status, basis and reference O₂.
func sameReport(a, b *CEMSRecord) bool {
	return a.Value == b.Value && a.Unit == b.Unit && a.Status == b.Status && a.Dry == b.Dry && a.O2Ref == b.O2Ref
}

// CEMSStats counts a stored batch: the records received, those added and
// those already stored (or repeated in the batch) with the same report.
type CEMSStats struct {
	Received   int `json:"received"`
	Inserted   int `json:"inserted"`
	Duplicates int `json:"duplicates"`
}

// CEMSConflict is a sent record whose facility, stack, time and parameter
// are stored (or sent on another line) with another report.
type CEMSConflict struct {
	Line   int
	Stored CEMSRecord
	// StoredLine is the line of the batch that sent Stored; 0 when it is
	// the stored record.
	StoredLine int
	Sent       CEMSRecord
}

// ConflictError refuses a batch with conflicting records: a CEMS record,
// once stored, is evidence, and is not silently replaced.
type ConflictError struct {
	File      string
	Conflicts []CEMSConflict
}

// describe is a record's report in words.
func describe(c *CEMSRecord) string {
	basis := "dry"
	if !c.Dry {
		basis = "wet"
	}
	s := fmt.Sprintf("%s %s (%s, status %d %s", strconv.FormatFloat(c.Value, 'g', -1, 64), c.Unit, basis, int(c.Status), c.Status)
	if c.O2Ref > 0 {
		s += fmt.Sprintf(", at %s %% O₂", strconv.FormatFloat(c.O2Ref, 'g', -1, 64))
	}
	return s + ")"
}

// Error names each conflict's line, key and both reports.
func (e *ConflictError) Error() string {
	parts := make([]string, 0, len(e.Conflicts))
	for _, c := range e.Conflicts {
		held := "stored as"
		if c.StoredLine > 0 {
			held = fmt.Sprintf("sent on line %d as", c.StoredLine)
		}
		parts = append(parts, fmt.Sprintf("%s:%d: %s stack %s %s at %s is %s %s, sent as %s", e.File, c.Line, c.Sent.Facility, c.Sent.Stack,
			c.Sent.Parameter, c.Sent.Time.Format(time.RFC3339), held, describe(&c.Stored), describe(&c.Sent)))
	}
	return strings.Join(parts, "; ")
}

// PermittedStacks indexes the stacks each facility holds an air permit
// for: a CEMS record of another stack cannot be checked against a permit.
func PermittedStacks(ps []Permit) map[string][]string {
	out := map[string][]string{}
	for _, p := range ps {
		if !slices.Contains(out[p.Facility], p.Stack) {
			out[p.Facility] = append(out[p.Facility], p.Stack)
		}
	}
	return out
}

// Admit decides what of the batch to store, given the stacks each
// facility holds a permit for (PermittedStacks) and the stored record
// with a key (nil when none): the records not stored yet, once each, and
// the counts. A record of a facility or stack without an air permit, or
// with a key stored or sent with another report, refuses the whole
// batch: the former as *model.FieldError values naming line and column,
// the latter as one *ConflictError.
func (b *CEMSBatch) Admit(stacks map[string][]string, stored func(CEMSKey) *CEMSRecord) ([]CEMSRecord, CEMSStats, error) {
	st := CEMSStats{Received: len(b.Records)}
	var errs []error
	conflicts := &ConflictError{File: b.File}
	sent := map[CEMSKey]int{} // key → index in the batch
	var fresh []CEMSRecord
	for i := range b.Records {
		c := &b.Records[i]
		line := b.Lines[i]
		held, ok := stacks[c.Facility]
		switch {
		case !ok:
			errs = append(errs, &model.FieldError{File: b.File, Line: line, Column: "ems_no", Value: c.Facility,
				Err: errors.New("the facility holds no air permit, so its CEMS records cannot be checked; import its permit first")})
			continue
		case !slices.Contains(held, c.Stack):
			errs = append(errs, &model.FieldError{File: b.File, Line: line, Column: "stack_id", Value: c.Stack,
				Err: fmt.Errorf("facility %s holds no air permit for this stack (its permitted stacks: %s)", c.Facility, strings.Join(held, ", "))})
			continue
		}
		k := c.Key()
		if j, ok := sent[k]; ok {
			if sameReport(&b.Records[j], c) {
				st.Duplicates++
			} else {
				conflicts.Conflicts = append(conflicts.Conflicts, CEMSConflict{Line: line, Stored: b.Records[j], StoredLine: b.Lines[j], Sent: *c})
			}
			continue
		}
		sent[k] = i
		if s := stored(k); s != nil {
			if sameReport(s, c) {
				st.Duplicates++
			} else {
				conflicts.Conflicts = append(conflicts.Conflicts, CEMSConflict{Line: line, Stored: *s, Sent: *c})
			}
			continue
		}
		fresh = append(fresh, *c)
	}
	if len(conflicts.Conflicts) > 0 {
		errs = append(errs, conflicts)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, CEMSStats{}, err
	}
	st.Inserted = len(fresh)
	return fresh, st, nil
}
