package hydro

import (
	"errors"
	"fmt"
	"strings"
)

// Severity says whether a Problem stops a build or only needs a reader's
// attention.
type Severity int

const (
	// Warning problems are reported but the network is built.
	Warning Severity = iota
	// Fatal problems make Build fail.
	Fatal
)

// String names the severity as the CLI prints it.
func (s Severity) String() string {
	if s == Fatal {
		return "error"
	}
	return "warning"
}

// Problem is one finding of network validation. Every problem is an error
// that names the reaches involved, so callers can both print and inspect it.
type Problem interface {
	error
	Severity() Severity
	// Reaches lists the reach ids involved.
	Reaches() []string
}

// CycleError reports a loop in the flow graph. A river network must be
// acyclic; navigating a loop would never end.
type CycleError struct {
	// Loop lists the reach ids of one loop in flow order.
	Loop []string
}

// Error implements error, naming the reaches involved.
func (e *CycleError) Error() string {
	return fmt.Sprintf("cycle of %d reaches: %s -> %s", len(e.Loop), strings.Join(e.Loop, " -> "), e.Loop[0])
}

// Severity implements Problem.
func (e *CycleError) Severity() Severity { return Fatal }

// Reaches implements Problem.
func (e *CycleError) Reaches() []string { return e.Loop }

// DuplicateIDError reports two records with the same reach id that cannot be
// the same reach.
type DuplicateIDError struct {
	ID   string
	Rows []int // 1-based record numbers
}

// Error implements error, naming the reaches involved.
func (e *DuplicateIDError) Error() string {
	return fmt.Sprintf("duplicate reach id %q in records %v", e.ID, e.Rows)
}

// Severity implements Problem.
func (e *DuplicateIDError) Severity() Severity { return Fatal }

// Reaches implements Problem.
func (e *DuplicateIDError) Reaches() []string { return []string{e.ID} }

// DanglingRefError reports a reference to a reach or node that is not in the
// network. Downstream references that leave the network are common in
// extracts (the outlet drains to a reach outside the file), so they are
// warnings and the reach becomes an outlet; upstream references are dropped.
// Options.Strict makes them fatal.
type DanglingRefError struct {
	ID    string // the reach holding the reference
	Field string // the attribute, e.g. "toid" or "dnhydroseq"
	Ref   string // the missing target
	Fatal bool
}

// Error implements error, naming the reaches involved.
func (e *DanglingRefError) Error() string {
	return fmt.Sprintf("reach %s: %s %s is not in the network", e.ID, e.Field, e.Ref)
}

// Severity implements Problem.
func (e *DanglingRefError) Severity() Severity {
	if e.Fatal {
		return Fatal
	}
	return Warning
}

// Reaches implements Problem.
func (e *DanglingRefError) Reaches() []string { return []string{e.ID} }

// GeometryError reports a reach whose geometry cannot be used: empty, a
// single point, zero length or non-finite coordinates.
type GeometryError struct {
	ID     string
	Row    int
	Reason string
}

// Error implements error, naming the reaches involved.
func (e *GeometryError) Error() string {
	return fmt.Sprintf("reach %s (record %d): invalid geometry: %s", e.ID, e.Row, e.Reason)
}

// Severity implements Problem.
func (e *GeometryError) Severity() Severity { return Fatal }

// Reaches implements Problem.
func (e *GeometryError) Reaches() []string { return []string{e.ID} }

// MultipleDownstreamWarning reports a reach that drains into several reaches
// without a divergence attribute; the builder picked Main by the documented
// main-path rule and kept the others as minor divergences.
type MultipleDownstreamWarning struct {
	ID    string
	Main  string
	Minor []string
}

// Error implements error, naming the reaches involved.
func (e *MultipleDownstreamWarning) Error() string {
	return fmt.Sprintf("reach %s drains into %d reaches without a divergence attribute: main path %s, minor %s",
		e.ID, 1+len(e.Minor), e.Main, strings.Join(e.Minor, ","))
}

// Severity implements Problem.
func (e *MultipleDownstreamWarning) Severity() Severity { return Warning }

// Reaches implements Problem.
func (e *MultipleDownstreamWarning) Reaches() []string {
	return append([]string{e.ID, e.Main}, e.Minor...)
}

// SinkWarning reports a closed ring (a line whose last vertex equals its
// first), which DEM-derived networks produce in pits. It is treated as a sink
// rather than a loop.
type SinkWarning struct {
	ID string
}

// Error implements error, naming the reaches involved.
func (e *SinkWarning) Error() string {
	return fmt.Sprintf("reach %s is a closed ring (DEM pit); treated as a sink", e.ID)
}

// Severity implements Problem.
func (e *SinkWarning) Severity() Severity { return Warning }

// Reaches implements Problem.
func (e *SinkWarning) Reaches() []string { return []string{e.ID} }

// BuildError is returned by Build when the network has fatal problems. It
// carries every problem found so one run shows them all.
type BuildError struct {
	Problems []Problem
}

// Error implements error, naming the reaches involved.
func (e *BuildError) Error() string {
	var b strings.Builder
	fatal := 0
	for _, p := range e.Problems {
		if p.Severity() == Fatal {
			fatal++
		}
	}
	fmt.Fprintf(&b, "invalid network: %d error(s)", fatal)
	shown := 0
	for _, p := range e.Problems {
		if p.Severity() != Fatal {
			continue
		}
		if shown == 10 {
			fmt.Fprintf(&b, "; and %d more", fatal-shown)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.Error())
		shown++
	}
	return b.String()
}

// Unwrap exposes each problem to errors.As.
func (e *BuildError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// Cycles returns every cycle in the error, so callers can list loops.
func (e *BuildError) Cycles() []*CycleError {
	var out []*CycleError
	for _, p := range e.Problems {
		var c *CycleError
		if errors.As(p, &c) {
			out = append(out, c)
		}
	}
	return out
}

// ErrUnknownReach is returned when a query names a reach that is not in the
// network.
var ErrUnknownReach = errors.New("unknown reach")

// ErrNotNavigable is returned for a start reach NLDI would never navigate
// (a coastline).
var ErrNotNavigable = errors.New("reach is not navigable")
