package param

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors let callers branch with errors.Is without caring which
// typed error carried the details.
var (
	// ErrUnknownUnit is matched by *UnknownUnitError.
	ErrUnknownUnit = errors.New("unknown unit")
	// ErrUnknownParameter is matched by *UnknownParameterError.
	ErrUnknownParameter = errors.New("unknown parameter")
	// ErrIncompatibleUnit is matched by *IncompatibleUnitError.
	ErrIncompatibleUnit = errors.New("incompatible unit")
	// ErrInvalidValue is matched by *InvalidValueError.
	ErrInvalidValue = errors.New("invalid value")
	// ErrNotAir is matched by *NotAirError.
	ErrNotAir = errors.New("not an air parameter")
	// ErrAmbiguousUnit is matched by *AmbiguousUnitError.
	ErrAmbiguousUnit = errors.New("ambiguous unit")
)

// AmbiguousUnitError reports a unit that means different things for the
// parameter's medium: "ppm" for a water parameter may be mg/L (by volume)
// or mg/kg (by mass), which differ by the density of the sample, so it is
// refused rather than guessed. It also matches ErrIncompatibleUnit.
type AmbiguousUnitError struct {
	Parameter string
	Unit      string
	Want      string // the unit to write instead
}

// Error names the parameter, the unit and what to write instead.
func (e *AmbiguousUnitError) Error() string {
	return fmt.Sprintf("unit %s is ambiguous for water parameter %s (mg/L or mg/kg?); write the value in %s", e.Unit, e.Parameter, e.Want)
}

// Is makes errors.Is true for ErrAmbiguousUnit and ErrIncompatibleUnit.
func (e *AmbiguousUnitError) Is(target error) bool {
	return target == ErrAmbiguousUnit || target == ErrIncompatibleUnit
}

// UnknownUnitError reports a unit spelling that is not in the registry. The
// registry refuses rather than guesses because a wrong guess (say "ppm" in
// brine, or "tons" metric versus short) silently corrupts every load built
// on it.
type UnknownUnitError struct {
	Unit string
}

// Error names the unit and where to find the accepted spellings.
func (e *UnknownUnitError) Error() string {
	return fmt.Sprintf("unknown unit %q (see param.Units for the accepted spellings)", e.Unit)
}

// Is makes errors.Is(err, ErrUnknownUnit) true.
func (e *UnknownUnitError) Is(target error) bool { return target == ErrUnknownUnit }

// UnknownParameterError reports a parameter name or alias that is not in the
// registry.
type UnknownParameterError struct {
	Name string
}

// Error names the parameter and where to find the accepted names.
func (e *UnknownParameterError) Error() string {
	return fmt.Sprintf("unknown parameter %q (see param.All for the accepted names)", e.Name)
}

// Is makes errors.Is(err, ErrUnknownParameter) true.
func (e *UnknownParameterError) Is(target error) bool { return target == ErrUnknownParameter }

// NotAirError reports a water parameter where only air parameters belong
// (a sensor reading, a CEMS channel, an air permit's pollutant).
type NotAirError struct {
	Parameter string
}

// Error names the parameter.
func (e *NotAirError) Error() string {
	return fmt.Sprintf("%s is a water parameter, not measured in air", e.Parameter)
}

// Is makes errors.Is(err, ErrNotAir) true.
func (e *NotAirError) Is(target error) bool { return target == ErrNotAir }

// IncompatibleUnitError reports a value whose unit measures a different
// quantity from the one required, e.g. copper in m³/s or pH in mg/L. It
// names the value so that the message points at the offending record.
type IncompatibleUnitError struct {
	Parameter string    // parameter id, empty for a bare unit conversion
	Value     float64   // the value as given
	Unit      string    // the unit as given (canonical symbol)
	Got       Dimension // what Unit measures
	Want      Dimension // what was required
	Target    string    // the unit converted to, when known
}

// Error names the value, its unit and the dimension that was required.
func (e *IncompatibleUnitError) Error() string {
	v := strconv.FormatFloat(e.Value, 'g', -1, 64)
	if e.Parameter != "" {
		return fmt.Sprintf("value %s %s does not fit parameter %s: unit measures %s, parameter needs %s (e.g. %s)",
			v, e.Unit, e.Parameter, e.Got, e.Want, e.Target)
	}
	return fmt.Sprintf("cannot convert %s %s to %s: %s is not %s", v, e.Unit, e.Target, e.Got, e.Want)
}

// Is makes errors.Is(err, ErrIncompatibleUnit) true.
func (e *IncompatibleUnitError) Is(target error) bool { return target == ErrIncompatibleUnit }

// InvalidValueError reports NaN or an infinity, which no unit conversion can
// give meaning to and which would otherwise poison sums downstream.
type InvalidValueError struct {
	Parameter string
	Value     float64
	Unit      string
}

// Error names the invalid value.
func (e *InvalidValueError) Error() string {
	if e.Parameter != "" {
		return fmt.Sprintf("invalid value %v %s for parameter %s", e.Value, e.Unit, e.Parameter)
	}
	return fmt.Sprintf("invalid value %v %s", e.Value, e.Unit)
}

// Is makes errors.Is(err, ErrInvalidValue) true.
func (e *InvalidValueError) Is(target error) bool { return target == ErrInvalidValue }
