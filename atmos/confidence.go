package atmos

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Class is the wind-confidence class of a trace, as Air Tracker grades its
// footprints.
type Class string

// The classes.
const (
	High   Class = "High"
	Medium Class = "Medium"
	Low    Class = "Low"
)

// Air Tracker's thresholds: a direction error below 30° and a speed error
// below 1 m/s.
const (
	DirectionErrorLimit = 30.0
	SpeedErrorLimit     = 1.0
)

// calmDirectionError is the direction error charged for an hour whose wind
// (measured or predicted) is calm: a direction guessed at random is off by
// 90° on average.
const calmDirectionError = 90.0

// ClassOf applies Air Tracker's two-threshold rule: High when both errors
// are below their limits, Medium when one is, Low otherwise (and for NaN
// errors, which mean nothing could be estimated).
func ClassOf(directionErrDeg, speedErrMS float64) Class {
	dirOK := directionErrDeg < DirectionErrorLimit
	speedOK := speedErrMS < SpeedErrorLimit
	switch {
	case dirOK && speedOK:
		return High
	case dirOK || speedOK:
		return Medium
	}
	return Low
}

// Confidence is the wind-confidence estimate of one trace.
type Confidence struct {
	Class Class `json:"class"`
	// DirectionErrorDeg and SpeedErrorMS are the estimated mean absolute
	// errors of the interpolated wind.
	DirectionErrorDeg float64 `json:"direction_error_deg"`
	SpeedErrorMS      float64 `json:"speed_error_ms"`
	// Method says how the errors were estimated.
	Method string `json:"method"`
	// Hours counts the hours assessed; CalmHours those that were calm.
	Hours     int `json:"hours"`
	CalmHours int `json:"calm_hours"`
}

// Confidence estimates how well the field knows the wind at (x, y) over
// the whole hours from `from` to `to` (inclusive): by leave-one-out
// cross-validation at the stations for hours when two or more report, and
// by persistence (the hour-to-hour change at the interpolated point) for
// the others. See the package documentation.
func (f *IDW) Confidence(x, y float64, from, to time.Time) Confidence {
	var looDir, speedSum, turnSum, turnWeight float64
	var n, calm, loo, persist, turns int
	for h := from.Truncate(time.Hour); !h.After(to); h = h.Add(time.Hour) {
		cur, err := f.At(x, y, h)
		if err != nil {
			continue
		}
		if cur.Calm {
			calm++
		}
		d, s, k := f.leaveOneOut(h)
		if k > 0 {
			looDir += d / float64(k)
			speedSum += s / float64(k)
			n++
			loo++
			continue
		}
		prev, err := f.At(x, y, h.Add(-time.Hour))
		if err != nil {
			continue
		}
		speedSum += math.Abs(cur.Speed - prev.Speed)
		n++
		persist++
		if d, w, ok := turn(prev, cur); ok {
			turnSum += w * d
			turnWeight += w
			turns++
		}
	}
	c := Confidence{Hours: n, CalmHours: calm, DirectionErrorDeg: math.NaN(), SpeedErrorMS: math.NaN()}
	switch {
	case n == 0:
		c.Method = "no wind observations cover the trace"
	case persist == 0:
		c.Method = fmt.Sprintf("leave-one-out cross-validation over %d stations", len(f.series))
	case loo == 0:
		c.Method = "hour-to-hour persistence weighted by wind speed (one station reporting)"
	default:
		c.Method = fmt.Sprintf("leave-one-out cross-validation for %d hours, hour-to-hour persistence weighted by wind speed for %d", loo, persist)
	}
	if n > 0 {
		// The persistence hours enter the mean as their speed-weighted
		// turn, counted once for each hour that had one; with no turn to
		// measure (every pair calm) the direction is a guess.
		dirSum, dirN := looDir, loo
		switch {
		case turns > 0 && turnWeight > 0:
			dirSum += float64(turns) * turnSum / turnWeight
			dirN += turns
		case persist > 0:
			dirSum += float64(persist) * calmDirectionError
			dirN += persist
		}
		c.DirectionErrorDeg = dirSum / float64(dirN)
		c.SpeedErrorMS = speedSum / float64(n)
	}
	c.Class = ClassOf(c.DirectionErrorDeg, c.SpeedErrorMS)
	return c
}

// turn is the persistence measure of one hour: how far the direction of
// transport turned from the previous hour, weighted by the wind speed
// (the mean of the two hours' vector speeds). A turn displaces the air
// by about the speed times the angle, so a turn in a light wind moves the
// trace little; the weighted mean is the direction error of the path, as
// the steadiness of a wind (its vector mean over its mean speed) weighs
// each hour by its speed. A pair with a calm hour has no turn (ok false):
// a calm has no direction, and the field already carries the air as
// standing still there.
func turn(prev, cur Sample) (deg, weight float64, ok bool) {
	if prev.Calm || cur.Calm {
		return 0, 0, false
	}
	w := (math.Hypot(prev.U, prev.V) + math.Hypot(cur.U, cur.V)) / 2
	return directionError(prev, cur), w, true
}

// leaveOneOut predicts each station reporting at t from the others and
// sums the absolute direction and speed errors over the k stations that
// could be predicted.
func (f *IDW) leaveOneOut(t time.Time) (dirSum, speedSum float64, k int) {
	if len(f.series) < 2 {
		return 0, 0, 0
	}
	for _, s := range f.series {
		obs, ok := s.At(t)
		if !ok {
			continue
		}
		pred, err := f.at(s.X, s.Y, t, s)
		if err != nil {
			continue
		}
		dirSum += directionError(obs, pred)
		speedSum += math.Abs(obs.Speed - pred.Speed)
		k++
	}
	return dirSum, speedSum, k
}

// directionError is the angle between two winds' directions; a calm on
// either side costs calmDirectionError unless both are calm.
func directionError(a, b Sample) float64 {
	switch {
	case a.Calm && b.Calm:
		return 0
	case a.Calm || b.Calm:
		return calmDirectionError
	}
	return AngleDiff(a.FromDirection(), b.FromDirection())
}

// MarshalJSON writes errors that could not be estimated (NaN) as null,
// since JSON has no NaN.
func (c Confidence) MarshalJSON() ([]byte, error) {
	type plain Confidence
	out := struct {
		plain
		DirectionErrorDeg *float64 `json:"direction_error_deg"`
		SpeedErrorMS      *float64 `json:"speed_error_ms"`
	}{plain: plain(c), DirectionErrorDeg: finite(c.DirectionErrorDeg), SpeedErrorMS: finite(c.SpeedErrorMS)}
	return json.Marshal(out)
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
