// Package rpi computes Taiwan's River Pollution Index (RPI, 河川污染指數) as
// the Ministry of Environment does, from dissolved oxygen, BOD5, suspended
// solids and ammonia nitrogen (all mg/L).
//
// RPI = (S_DO + S_BOD5 + S_SS + S_NH3N) / 4, where each S is 1, 3, 6 or 10
// points from the official table:
//
//	points  DO             BOD5              SS                 NH3-N
//	1       DO ≥ 6.5       BOD5 ≤ 3.0        SS ≤ 20.0          NH3-N ≤ 0.50
//	3       4.6 ≤ DO < 6.5 3.0 < BOD5 ≤ 4.9  20.0 < SS ≤ 49.9   0.50 < NH3-N ≤ 0.99
//	6       2.0 ≤ DO ≤ 4.5 5.0 ≤ BOD5 ≤ 15.0 50.0 ≤ SS ≤ 100    1.00 ≤ NH3-N ≤ 3.00
//	10      DO < 2.0       BOD5 > 15.0       SS > 100           NH3-N > 3.00
//
// # Rounding rule
//
// The table has gaps (DO between 4.5 and 4.6, BOD5 between 4.9 and 5.0, SS
// between 49.9 and 50.0, NH3-N between 0.99 and 1.00) because it is written
// for values at reporting precision. Every input is therefore first rounded
// to that precision — DO, BOD5 and SS to one decimal, NH3-N to two — by
// rounding half away from zero on the value's shortest decimal spelling
// (so 3.05 is rounded as the decimal 3.05 to 3.1, not as the binary
// 3.04999… to 3.0). After rounding every value falls in exactly one band.
// Consequences worth knowing: DO 6.49 rounds to 6.5 and scores 1; DO 1.99
// rounds to 2.0 and scores 6; BOD5 4.95 rounds to 5.0 and scores 6.
//
// The index is then reported to one decimal (half away from zero, so 2.25
// is reported as 2.3) and classified from the reported value: ≤ 2.0
// unpolluted or slightly polluted, 2.1–3.0 lightly, 3.1–6.0 moderately,
// > 6.0 severely polluted.
//
// All four parameters are required; the index is not defined on a subset,
// so a missing one is an error naming it.
package rpi

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/envtrace/envtrace/tracing/param"
)

// The four parameter ids, as registered in tracing/param.
const (
	DO   = "DO"
	BOD5 = "BOD5"
	SS   = "SS"
	NH3N = "NH3-N"
)

// Inputs lists the parameters in the order the index uses them.
var Inputs = [4]string{DO, BOD5, SS, NH3N}

// ErrMissing is matched (errors.Is) by *MissingError.
var ErrMissing = errors.New("rpi: missing parameter")

// ErrInvalid is matched by *InvalidError.
var ErrInvalid = errors.New("rpi: invalid value")

// MissingError names a parameter the index needs but did not get, so that a
// station's report can say which measurement was absent.
type MissingError struct{ Parameter string }

// Error names the missing parameter.
func (e *MissingError) Error() string {
	return fmt.Sprintf("rpi: %s is required (RPI needs DO, BOD5, SS and NH3-N)", e.Parameter)
}

// Is makes errors.Is(err, ErrMissing) true.
func (e *MissingError) Is(t error) bool { return t == ErrMissing }

// InvalidError reports a value that cannot be a concentration (negative,
// NaN, infinite) or a parameter the index does not use.
type InvalidError struct {
	Parameter string
	Value     float64
	Reason    string
}

// Error names the parameter, value and reason.
func (e *InvalidError) Error() string {
	return fmt.Sprintf("rpi: %s = %v: %s", e.Parameter, e.Value, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Is(t error) bool { return t == ErrInvalid }

// Class is the pollution class derived from the reported index.
type Class int

// The four classes.
const (
	Unpolluted Class = iota + 1 // RPI ≤ 2.0: unpolluted or slightly polluted
	Light                       // 2.0 < RPI ≤ 3.0: lightly polluted
	Moderate                    // 3.0 < RPI ≤ 6.0: moderately polluted
	Severe                      // RPI > 6.0: severely polluted
)

// String returns the English class name used in reports.
func (c Class) String() string {
	switch c {
	case Unpolluted:
		return "unpolluted or slightly polluted"
	case Light:
		return "lightly polluted"
	case Moderate:
		return "moderately polluted"
	case Severe:
		return "severely polluted"
	}
	return "unknown"
}

// Chinese returns the class name MOENV publishes.
func (c Class) Chinese() string {
	switch c {
	case Unpolluted:
		return "未(稍)受污染"
	case Light:
		return "輕度污染"
	case Moderate:
		return "中度污染"
	case Severe:
		return "嚴重污染"
	}
	return "未知"
}

// Classify returns the class of an index value already reported to one
// decimal; it exists separately so that published RPI values can be
// re-classified without the raw inputs.
func Classify(index float64) Class {
	switch {
	case index <= 2.0:
		return Unpolluted
	case index <= 3.0:
		return Light
	case index <= 6.0:
		return Moderate
	default:
		return Severe
	}
}

// Result is a computed index with everything needed to explain it.
type Result struct {
	// Index is the RPI reported to one decimal.
	Index float64
	// Class is derived from Index.
	Class Class
	// Points holds each parameter's score (1, 3, 6 or 10), keyed by id.
	Points map[string]int
	// Rounded holds each input after rounding to reporting precision.
	Rounded map[string]float64
}

// Measurements maps a parameter name (any name or alias tracing/param
// knows, e.g. "DO", "溶氧", "BOD", "NH3-N", "氨氮") to its value in mg/L.
// A map, rather than a struct of float64, is used so that an absent
// measurement is distinguishable from a zero one.
type Measurements map[string]float64

// Compute returns the index for one sample. All four parameters must be
// present; values must be finite and non-negative, in mg/L.
func Compute(m Measurements) (Result, error) {
	vals := map[string]float64{}
	for name, v := range m {
		p, err := param.Lookup(name)
		if err != nil {
			return Result{}, fmt.Errorf("rpi: %w", err)
		}
		if !isInput(p.ID) {
			return Result{}, &InvalidError{Parameter: name, Value: v, Reason: "not an RPI parameter"}
		}
		if _, dup := vals[p.ID]; dup {
			return Result{}, &InvalidError{Parameter: name, Value: v, Reason: "given twice under different names"}
		}
		vals[p.ID] = v
	}
	res := Result{Points: map[string]int{}, Rounded: map[string]float64{}}
	sum := 0
	for _, id := range Inputs {
		v, ok := vals[id]
		if !ok {
			return Result{}, &MissingError{Parameter: id}
		}
		pts, r, err := Score(id, v)
		if err != nil {
			return Result{}, err
		}
		res.Points[id] = pts
		res.Rounded[id] = r
		sum += pts
	}
	res.Index = roundHalfUp(float64(sum)/4, 1)
	res.Class = Classify(res.Index)
	return res, nil
}

func isInput(id string) bool {
	for _, in := range Inputs {
		if in == id {
			return true
		}
	}
	return false
}

// Score returns the points for one parameter (id or alias) and the value as
// rounded to reporting precision before scoring. It is exported so that a
// report can show which parameter drives a station's index.
func Score(parameter string, v float64) (points int, rounded float64, err error) {
	p, err := param.Lookup(parameter)
	if err != nil {
		return 0, 0, fmt.Errorf("rpi: %w", err)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, 0, &InvalidError{Parameter: p.ID, Value: v, Reason: "must be a finite, non-negative concentration in mg/L"}
	}
	switch p.ID {
	case DO:
		r := roundHalfUp(v, 1)
		switch {
		case r >= 6.5:
			return 1, r, nil
		case r >= 4.6:
			return 3, r, nil
		case r >= 2.0:
			return 6, r, nil
		default:
			return 10, r, nil
		}
	case BOD5:
		r := roundHalfUp(v, 1)
		switch {
		case r <= 3.0:
			return 1, r, nil
		case r <= 4.9:
			return 3, r, nil
		case r <= 15.0:
			return 6, r, nil
		default:
			return 10, r, nil
		}
	case SS:
		r := roundHalfUp(v, 1)
		switch {
		case r <= 20.0:
			return 1, r, nil
		case r <= 49.9:
			return 3, r, nil
		case r <= 100:
			return 6, r, nil
		default:
			return 10, r, nil
		}
	case NH3N:
		r := roundHalfUp(v, 2)
		switch {
		case r <= 0.50:
			return 1, r, nil
		case r <= 0.99:
			return 3, r, nil
		case r <= 3.00:
			return 6, r, nil
		default:
			return 10, r, nil
		}
	}
	return 0, 0, &InvalidError{Parameter: p.ID, Value: v, Reason: "not an RPI parameter"}
}

// roundHalfUp rounds a non-negative v to d decimals, half away from zero,
// working on the shortest decimal spelling of v so that values written as
// 3.05 round up as a person would expect.
func roundHalfUp(v float64, d int) float64 {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) <= d {
		return v
	}
	keep := intPart + frac[:d]
	n, err := strconv.ParseInt(keep, 10, 64)
	if err != nil { // absurdly large; fall back to binary rounding
		p := math.Pow(10, float64(d))
		return math.Round(v*p) / p
	}
	if frac[d] >= '5' {
		n++
	}
	return float64(n) / math.Pow(10, float64(d))
}
