package atmos

import (
	"fmt"
	"math"
	"time"
)

// CalmSpeed is the mean speed (m/s) below which an hour is calm. The CWA
// writes calms as speeds below 0.5 m/s with direction 0; the wave-2
// reference counts Wuqi's calm hours with the same bound.
const CalmSpeed = 0.5

// MaxPlausibleSpeed bounds an hourly mean wind speed (m/s): Taiwan's
// strongest typhoons bring hourly means of about 60 m/s at exposed
// stations, so anything above 75 m/s is a unit or typing error.
const MaxPlausibleSpeed = 75.0

// Flag qualifies one observation. The empty flag means a good observation
// with a speed and a direction.
type Flag string

// The flags. They are written as they are into wind.csv's flag column.
const (
	Good Flag = ""
	// Calm: mean speed below CalmSpeed; the speed is kept, and the
	// direction when the instrument gave one (a sonic anemometer does; the
	// CWA writes 0 for "no direction").
	Calm Flag = "calm"
	// Fault: the instrument reported a fault (CODiS x or X).
	Fault Flag = "fault"
	// Variable: the direction varied too much to report (CODiS V); the
	// speed is kept when given.
	Variable Flag = "variable"
	// Unknown: the value is unknown (CODiS /).
	Unknown Flag = "unknown"
	// Missing: not observed (CODiS ...).
	Missing Flag = "missing"
)

// ParseFlag accepts the flags as written in wind.csv.
func ParseFlag(s string) (Flag, error) {
	switch f := Flag(s); f {
	case Good, Calm, Fault, Variable, Unknown, Missing:
		return f, nil
	}
	return "", fmt.Errorf("unknown wind flag %q (want empty, calm, fault, variable, unknown or missing)", s)
}

// Observation is one station's hourly wind.
type Observation struct {
	// Station is the monitor id.
	Station string
	// Time is the end of the averaging hour, in the zone it was given in.
	Time time.Time
	// Speed is the mean speed in m/s; NaN when not measured.
	Speed float64
	// Direction is where the wind blows from, degrees clockwise from north
	// in [0, 360); NaN for variable and unmeasured hours and for calms
	// reported without a direction.
	Direction float64
	// SigmaTheta is the standard deviation of the direction within the
	// hour, degrees; NaN when the station does not report it.
	SigmaTheta float64
	Flag       Flag
}

// Classify returns the observation with its flag and values made
// consistent, the one place where the calm rule is applied: a good hour
// slower than CalmSpeed becomes Calm (it keeps a measured direction, which
// wind-sector statistics with their own speed threshold may use, but it
// transports nothing), a direction of 360° becomes 0°, and hours flagged
// as not measured lose their numbers. Every reader calls it as data
// enters.
func Classify(o Observation) Observation {
	switch o.Flag {
	case Fault, Unknown, Missing:
		o.Speed, o.Direction = math.NaN(), math.NaN()
	case Variable:
		o.Direction = math.NaN()
	case Good:
		if o.Speed < CalmSpeed {
			o.Flag = Calm
		}
	}
	if o.Direction == 360 {
		o.Direction = 0
	}
	return o
}

// Check reports an implausible good or calm observation: a negative or
// impossible speed, a direction outside [0, 360], a good hour without a
// direction, or a negative σθ.
func Check(o Observation) error {
	switch {
	case o.Flag == Good && (math.IsNaN(o.Speed) || math.IsNaN(o.Direction)):
		return fmt.Errorf("a good observation needs a speed and a direction")
	case o.Flag == Calm && math.IsNaN(o.Speed):
		return fmt.Errorf("a calm observation needs its speed")
	case o.Speed < 0 || o.Speed > MaxPlausibleSpeed:
		return fmt.Errorf("speed %g m/s is implausible (0–%g)", o.Speed, MaxPlausibleSpeed)
	case o.Direction < 0 || o.Direction > 360:
		return fmt.Errorf("direction %g° is outside 0–360", o.Direction)
	case o.SigmaTheta < 0 || o.SigmaTheta > 180:
		return fmt.Errorf("sigma_theta %g° is outside 0–180", o.SigmaTheta)
	}
	return nil
}

// Transports reports whether the observation has a usable direction of
// transport: a good hour. Calm hours have a speed but no direction.
func (o Observation) Transports() bool { return o.Flag == Good }

// Sample is the wind at one place and time, as a field gives it.
type Sample struct {
	// U and V are the east and north components of the air's velocity,
	// m/s (the wind blowing from the north has V < 0).
	U, V float64
	// Speed is the mean scalar speed, m/s. It can exceed |(U, V)| when the
	// direction varied within the hour.
	Speed float64
	// SigmaTheta is the direction variability, degrees; NaN when unknown.
	SigmaTheta float64
	// Calm says the wind was calm (no direction of transport).
	Calm bool
	// Source says which stations the sample came from, for evidence.
	Source string
}

// FromDirection returns the direction the sampled wind blows from,
// degrees clockwise from north in [0, 360); NaN when calm.
func (s Sample) FromDirection() float64 {
	if s.Calm || (s.U == 0 && s.V == 0) {
		return math.NaN()
	}
	return Bearing(-s.U, -s.V)
}

// Components converts a speed and the direction it blows from into the
// velocity's east and north components.
func Components(speed, fromDeg float64) (u, v float64) {
	s, c := math.Sincos(fromDeg * math.Pi / 180)
	return -speed * s, -speed * c
}

// Bearing is the compass bearing (degrees clockwise from north, [0, 360))
// of the vector (dx east, dy north).
func Bearing(dx, dy float64) float64 {
	b := math.Atan2(dx, dy) * 180 / math.Pi
	if b < 0 {
		b += 360
	}
	if b >= 360 {
		b -= 360
	}
	return b
}

// AngleDiff is the smallest absolute difference between two bearings, in
// [0, 180] degrees.
func AngleDiff(a, b float64) float64 {
	return math.Abs(math.Remainder(a-b, 360))
}
