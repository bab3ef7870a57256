// Package csvtab reads the plain CSV files of a data directory that are
// owned by the packages using them (wind, monitors, petitions, air
// readings, sensors, air permits, CEMS): it checks the header against the
// file's columns, walks the rows with their line numbers, and collects
// every problem as a *FieldError naming file, line, column and value, so
// that one read reports all the mistakes of a file instead of the first.
// It is the one CSV reader of those files; the water files keep their own
// reader (tracing/model), which follows the same rules and parses times
// and dates here.
package csvtab

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is matched (errors.Is) by every *FieldError, so callers can
// tell "the data is wrong" from I/O failures. tracing/model's ErrInvalid
// is the same value: every file of a data directory reports through it.
var ErrInvalid = errors.New("invalid data")

// FieldError locates one problem in a data file precisely enough for a
// user to fix it: file, line, column and the offending value. For records
// built in memory (model.WriteDir) Line is 0 and Record is the index in
// the dataset's slice. tracing/model's FieldError is this type.
type FieldError struct {
	File   string // base name, e.g. "wind.csv"
	Line   int    // 1-based line (the header is line 1); 0 if in memory or for a whole-file problem
	Record int    // 0-based index of the record in its slice, when Line is 0
	Column string // column name; "" for a whole-row or whole-file problem
	Value  string // the offending value as written
	Err    error
}

// Error formats the problem as `file:line: column c: "value": cause`.
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

// Unwrap exposes the cause.
func (e *FieldError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(t error) bool { return t == ErrInvalid }

// MaxErrors bounds how many problems one file reports; a systematic mistake
// would otherwise produce one per row.
const MaxErrors = 50

// Schema lists a file's columns: a header may hold only these, and must
// hold every required one. Pairs are columns given together or not at all
// (x and y).
type Schema struct {
	Required, Optional []string
	Pairs              [][2]string
	// Others lets a header hold columns not listed, which are then
	// ignored: foreign formats (CWA CODiS) carry columns envtrace does not
	// read. Files of the data directory leave it false.
	Others bool
}

// Table is one CSV file being read.
type Table struct {
	file  string
	col   map[string]int
	cr    *csv.Reader
	errs  []error
	extra int
}

// Row is one record; its getters report problems against it.
type Row struct {
	t    *Table
	rec  []string
	Line int
	bad  bool
}

// Open reads the header of r as file name and checks it against s. Header
// problems are collected like row problems; Err reports them all.
func Open(name string, r io.Reader, s Schema) *Table {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	t := &Table{file: name, col: map[string]int{}, cr: cr}
	head, err := cr.Read()
	if err == io.EOF {
		t.add(&FieldError{File: name, Line: 1, Err: errors.New("empty file: a header line is required")})
		return t
	}
	if err != nil {
		t.add(&FieldError{File: name, Line: 1, Err: err})
		return t
	}
	allowed := map[string]bool{}
	all := append(append([]string{}, s.Required...), s.Optional...)
	for _, c := range all {
		allowed[c] = true
	}
	for i, h := range head {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // Excel's UTF-8 BOM
		}
		if !allowed[h] {
			if !s.Others {
				t.add(&FieldError{File: name, Line: 1, Column: h, Err: fmt.Errorf("unknown column (allowed: %s)", strings.Join(all, ", "))})
			}
			continue
		}
		if _, dup := t.col[h]; dup {
			t.add(&FieldError{File: name, Line: 1, Column: h, Err: errors.New("duplicate column")})
		}
		t.col[h] = i
	}
	for _, c := range s.Required {
		if _, ok := t.col[c]; !ok {
			t.add(&FieldError{File: name, Line: 1, Column: c, Err: errors.New("required column missing")})
		}
	}
	for _, p := range s.Pairs {
		if t.Has(p[0]) != t.Has(p[1]) {
			t.add(&FieldError{File: name, Line: 1, Column: p[0] + "/" + p[1], Err: errors.New("columns come in pairs: give both or neither")})
		}
	}
	return t
}

// Has reports whether the header holds column c.
func (t *Table) Has(c string) bool {
	_, ok := t.col[c]
	return ok
}

func (t *Table) add(e *FieldError) {
	if len(t.errs) >= MaxErrors {
		t.extra++
		return
	}
	t.errs = append(t.errs, e)
}

// Fail records a problem that concerns the file as a whole (a duplicate
// key found after reading, say) at line.
func (t *Table) Fail(line int, col, val string, err error) {
	t.add(&FieldError{File: t.file, Line: line, Column: col, Value: val, Err: err})
}

// Rows calls fn for each record, in file order, until the file ends or a
// CSV syntax error makes the rest unreadable. It does nothing when the
// header was bad. A row that fn marked bad is reported through Err.
func (t *Table) Rows(fn func(*Row)) {
	if len(t.errs) > 0 {
		return
	}
	for {
		rec, err := t.cr.Read()
		if err == io.EOF {
			return
		}
		line, _ := t.cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			t.add(&FieldError{File: t.file, Line: line, Err: err})
			if errors.Is(err, csv.ErrFieldCount) {
				continue
			}
			return
		}
		fn(&Row{t: t, rec: rec, Line: line})
	}
}

// Read reads r as file name with schema s, calling parse for each row and
// keeping what it returns for the rows without a problem; every problem
// comes back together (Err).
func Read[T any](name string, r io.Reader, s Schema, parse func(*Row) T) ([]T, error) {
	t := Open(name, r, s)
	var out []T
	t.Rows(func(row *Row) {
		v := parse(row)
		if !row.Bad() {
			out = append(out, v)
		}
	})
	if err := t.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadFile is Read on the file at path, named by its base name. A missing
// file gives no records and no error: a data directory holds only the
// kinds it has.
func ReadFile[T any](path string, s Schema, parse func(*Row) T) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(filepath.Base(path), f, s, parse)
}

// Err joins every problem found so far, nil when there is none.
func (t *Table) Err() error {
	if len(t.errs) == 0 {
		return nil
	}
	errs := t.errs
	if t.extra > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("%s: %d more problems not shown", t.file, t.extra))
	}
	return errors.Join(errs...)
}

// Bad reports whether a getter or Fail marked the row invalid.
func (r *Row) Bad() bool { return r.bad }

// Fail records a problem with column col of this row.
func (r *Row) Fail(col string, err error) {
	r.bad = true
	r.t.add(&FieldError{File: r.t.file, Line: r.Line, Column: col, Value: r.Raw(col), Err: err})
}

// Raw returns column col as written ("" when the column is absent).
func (r *Row) Raw(col string) string {
	if i, ok := r.t.col[col]; ok && i < len(r.rec) {
		return r.rec[i]
	}
	return ""
}

// Str returns column col trimmed.
func (r *Row) Str(col string) string { return strings.TrimSpace(r.Raw(col)) }

// Required marks the row bad for each listed column that is empty.
func (r *Row) Required(cols ...string) {
	for _, c := range cols {
		if r.Str(c) == "" {
			r.Fail(c, errors.New("required"))
		}
	}
}

// Float parses column col as a finite number; empty gives NaN and ok false
// without a problem, so optional numbers need no second check.
func (r *Row) Float(col string) (v float64, ok bool) {
	s := r.Str(col)
	if s == "" {
		return math.NaN(), false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		r.Fail(col, errors.New("not a number"))
		return math.NaN(), false
	}
	return v, true
}

// Number parses column col as a required finite number; a problem gives 0.
func (r *Row) Number(col string) float64 {
	if r.Str(col) == "" {
		r.Fail(col, errors.New("required"))
		return 0
	}
	v, ok := r.Float(col)
	if !ok {
		return 0
	}
	return v
}

// Parse reads column col through parse (a registry lookup, a list of
// allowed words), recording parse's error against the row.
func Parse[T any](r *Row, col string, parse func(string) (T, error)) T {
	v, err := parse(r.Str(col))
	if err != nil {
		r.Fail(col, err)
	}
	return v
}

// Int parses column col as an integer within [lo, hi]; empty gives ok false
// without a problem.
func (r *Row) Int(col string, lo, hi int) (v int, ok bool) {
	s := r.Str(col)
	if s == "" {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		r.Fail(col, errors.New("not a whole number"))
		return 0, false
	}
	if v < lo || v > hi {
		r.Fail(col, fmt.Errorf("must be between %d and %d", lo, hi))
		return 0, false
	}
	return v, true
}

var zoneless = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

// Time parses column col as RFC 3339 with a zone offset. A time without a
// zone is ambiguous by eight hours between UTC and Taiwan time and is
// refused with a message saying how to write it.
func (r *Row) Time(col string) time.Time {
	s := r.Str(col)
	t, err := ParseTime(s)
	if err != nil {
		r.Fail(col, err)
	}
	return t
}

// ParseTime parses RFC 3339 with a zone offset, the one time format of the
// data directory; it is exported for command-line flags and query
// parameters, which follow the same rule.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, l := range zoneless {
		if _, e := time.Parse(l, s); e == nil {
			return time.Time{}, errors.New("time has no zone offset; write RFC 3339 with the offset, e.g. 2024-05-01T09:30:00+08:00 for Taiwan time")
		}
	}
	return time.Time{}, errors.New("not an RFC 3339 time such as 2024-05-01T09:30:00+08:00")
}

// DateLayout is the one date format of the data directory: Gregorian
// YYYY-MM-DD.
const DateLayout = "2006-01-02"

var rocDate = regexp.MustCompile(`^\d{6,7}$|^\d{2,3}[/.-]\d{1,2}[/.-]\d{1,2}$`)

// Date parses column col as a date (ParseDate).
func (r *Row) Date(col string) time.Time {
	t, err := ParseDate(r.Str(col))
	if err != nil {
		r.Fail(col, err)
	}
	return t
}

// ParseDate parses a Gregorian YYYY-MM-DD date. A ROC (民國) date such as
// 113/05/01, common in Taiwanese records, is refused with a message saying
// so rather than read as the year 113.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		if rocDate.MatchString(s) {
			return time.Time{}, errors.New("looks like a ROC (民國) date; write the Gregorian date as YYYY-MM-DD")
		}
		return time.Time{}, errors.New("not a date; write YYYY-MM-DD")
	}
	return t, nil
}
