package model

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Row is one record of a data-directory CSV file being read with ReadCSV.
// Its accessors apply the directory's conventions (trimmed strings, finite
// numbers, YYYY-MM-DD dates, RFC 3339 times with a zone, units from
// tracing/param) and record a *FieldError naming file, line and column on
// the first problem of each column; Bad says whether any occurred.
type Row struct{ w *row }

// Str returns a trimmed value ("" when the column is absent).
func (r Row) Str(col string) string { return r.w.str(col) }

// Num reads a finite number.
func (r Row) Num(col string) float64 { return r.w.num(col) }

// OptNum reads a finite number, nil when the cell is empty.
func (r Row) OptNum(col string) *float64 { return r.w.optNum(col) }

// Date reads a Gregorian YYYY-MM-DD date.
func (r Row) Date(col string) time.Time { return r.w.date(col) }

// Time reads an RFC 3339 time that carries its zone.
func (r Row) Time(col string) time.Time { return r.w.time(col) }

// Unit reads a unit spelling and returns its canonical symbol.
func (r Row) Unit(col string) string { return r.w.unit(col) }

// Param reads a parameter name and returns its registry id.
func (r Row) Param(col string) string { return r.w.param(col) }

// Required fails each listed column that is empty.
func (r Row) Required(cols ...string) { r.w.required(cols...) }

// Point reads x,y or lon,lat by ParsePoint's rule.
func (r Row) Point(required bool) *Point { return r.w.point(required) }

// Fail records a problem with a column.
func (r Row) Fail(col string, err error) { r.w.fail(col, err) }

// Bad reports whether the row had a problem; ReadCSV drops bad rows.
func (r Row) Bad() bool { return r.w.bad }

// Line is the row's 1-based line in the file.
func (r Row) Line() int { return r.w.line }

// ReadCSV reads the CSV file at path, whose header must hold every
// required column and may hold the optional ones (any other column is an
// error), calling parse for each record and keeping what it returns when
// the row had no problem. A missing file gives no records and no error.
// All problems (up to 50) come back together as *FieldError values. It is
// how the readers of the other data kinds (air permits, CEMS, fuel
// declarations) share the water files' conventions.
func ReadCSV[T any](path string, required, optional []string, parse func(Row) T) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return ReadCSVFrom(f, filepath.Base(path), required, optional, parse)
}

// ReadCSVFrom is ReadCSV on an open stream (an upload, a pipe); name labels
// the problems. It closes rc.
func ReadCSVFrom[T any](rc io.ReadCloser, name string, required, optional []string, parse func(Row) T) ([]T, error) {
	var p problems
	r := &reader{p: &p, loc: locator{}, intern: map[string]string{}}
	t := r.openReader(rc, name, struct{ required, optional []string }{required, optional})
	if t == nil {
		return nil, p.err()
	}
	out := readRows(r, t, func(w *row) T { return parse(Row{w}) })
	if err := p.err(); err != nil {
		return nil, err
	}
	return out, nil
}
