package model

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every *FieldError, so callers can
// tell "the data is wrong" from I/O failures.
var ErrInvalid = errors.New("model: invalid data")

// FieldError locates one problem in a data directory precisely enough for
// a user to fix the file: file, line, column and the offending value. For
// records built in memory (WriteDir) Line is 0 and Record is the index in
// the Dataset's slice.
type FieldError struct {
	File   string // e.g. "readings.csv"
	Line   int    // 1-based line in the file (the header is line 1); 0 if in memory
	Record int    // 0-based index of the record in its Dataset slice
	Column string // column name; "" for a whole-file problem
	Value  string // the offending value as written
	Err    error
}

// Error formats the problem as "file:line: column c: \"value\": cause".
func (e *FieldError) Error() string {
	where := e.File
	switch {
	case e.Line > 0:
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	case e.Column != "" || e.Value != "":
		where = fmt.Sprintf("%s record %d", e.File, e.Record)
	}
	switch {
	case e.Column != "" && e.Value != "":
		return fmt.Sprintf("%s: column %s: %q: %v", where, e.Column, e.Value, e.Err)
	case e.Column != "":
		return fmt.Sprintf("%s: column %s: %v", where, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

// Unwrap exposes the cause (e.g. a tracing/param error).
func (e *FieldError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(t error) bool { return t == ErrInvalid }

// maxErrors bounds how many problems one ReadDir or WriteDir reports; a
// file with a systematic mistake would otherwise produce one per row.
const maxErrors = 50

// problems collects FieldErrors up to maxErrors.
type problems struct {
	errs    []error
	dropped int
}

func (p *problems) add(e *FieldError) {
	if len(p.errs) >= maxErrors {
		p.dropped++
		return
	}
	p.errs = append(p.errs, e)
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	errs := p.errs
	if p.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("model: %d more problems not shown", p.dropped))
	}
	return errors.Join(errs...)
}
