package atmos

import (
	"context"
	"errors"
	"math"
	"time"
)

// TrajectoryOptions tunes BackTrajectory; zero values take the defaults.
type TrajectoryOptions struct {
	// Duration is how far back to go (default 3 h: odour rarely carries
	// recognisably further than a few kilometres).
	Duration time.Duration
	// Step is the integration step (default 5 min).
	Step time.Duration
	// DirectionErrorDeg and SpeedErrorMS are the wind's estimated errors
	// (from Confidence); NaN or zero adds nothing.
	DirectionErrorDeg, SpeedErrorMS float64
	// DefaultSigmaThetaDeg is the direction variability used when the wind
	// does not report σθ (default 15°, a neutral surface layer).
	DefaultSigmaThetaDeg float64
}

func (o TrajectoryOptions) withDefaults() TrajectoryOptions {
	if o.Duration <= 0 {
		o.Duration = 3 * time.Hour
	}
	if o.Step <= 0 {
		o.Step = 5 * time.Minute
	}
	if o.DefaultSigmaThetaDeg <= 0 {
		o.DefaultSigmaThetaDeg = 15
	}
	if math.IsNaN(o.DirectionErrorDeg) {
		o.DirectionErrorDeg = 0
	}
	if math.IsNaN(o.SpeedErrorMS) {
		o.SpeedErrorMS = 0
	}
	return o
}

// trajectorySigma0 is the spread of a trajectory at its start, metres: the
// size of a receptor's neighbourhood plus its location error.
const trajectorySigma0 = 50.0

// TrajectoryPoint is where the air arriving at the receptor was at Time.
type TrajectoryPoint struct {
	Time time.Time `json:"time"`
	// X, Y are grid metres.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	// PathM is the path length back from the receptor, metres.
	PathM float64 `json:"path_m"`
	// CrossM and AlongM are the 1σ spreads across and along the path.
	CrossM float64 `json:"cross_m"`
	AlongM float64 `json:"along_m"`
	// Calm marks points where the wind was calm, so the air stood still.
	Calm bool `json:"calm"`
}

// Trajectory is a back-trajectory from a receptor, newest point first.
type Trajectory struct {
	Points []TrajectoryPoint `json:"points"`
	// Truncated says the wind record ended before Duration was covered.
	Truncated bool `json:"truncated"`
}

// BackTrajectory follows the air that reached (x, y) at t backwards through
// the field with Heun steps (see the package documentation). It stops early,
// with Truncated set, when the field has no wind; it fails only when there
// is no wind at the receptor itself or ctx is done.
func BackTrajectory(ctx context.Context, f Field, x, y float64, t time.Time, opt TrajectoryOptions) (Trajectory, error) {
	opt = opt.withDefaults()
	w, err := f.At(x, y, t)
	if err != nil {
		return Trajectory{}, err
	}
	dt := opt.Step.Seconds()
	tr := Trajectory{Points: []TrajectoryPoint{{Time: t, X: x, Y: y, CrossM: trajectorySigma0, AlongM: trajectorySigma0, Calm: w.Calm}}}
	var path, sigSum float64
	var steps int
	for elapsed := opt.Step; elapsed <= opt.Duration; elapsed += opt.Step {
		if err := ctx.Err(); err != nil {
			return Trajectory{}, err
		}
		tNext := t.Add(-elapsed)
		// Predictor: a backward Euler step with the wind here and now.
		px, py := x-w.U*dt, y-w.V*dt
		wp, err := f.At(px, py, tNext)
		if err != nil {
			if errors.Is(err, ErrNoWind) {
				tr.Truncated = true
				break
			}
			return Trajectory{}, err
		}
		// Corrector: the mean of both velocities.
		nx, ny := x-0.5*(w.U+wp.U)*dt, y-0.5*(w.V+wp.V)*dt
		path += math.Hypot(nx-x, ny-y)
		x, y = nx, ny
		w, err = f.At(x, y, tNext)
		if err != nil {
			tr.Truncated = true
			break
		}
		st := w.SigmaTheta
		if math.IsNaN(st) {
			st = opt.DefaultSigmaThetaDeg
		}
		sigSum += st
		steps++
		spread := math.Hypot(sigSum/float64(steps), opt.DirectionErrorDeg)
		tau := elapsed.Seconds()
		tr.Points = append(tr.Points, TrajectoryPoint{
			Time: tNext, X: x, Y: y, PathM: path, Calm: w.Calm,
			CrossM: math.Hypot(trajectorySigma0, path*math.Sin(math.Min(spread, 89)*math.Pi/180)),
			AlongM: math.Hypot(trajectorySigma0, tau*opt.SpeedErrorMS),
		})
	}
	return tr, nil
}
