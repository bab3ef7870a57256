// Package calibrate corrects a micro-sensor's PM2.5 against a co-located
// reference station with the daily model selection of the Civil IoT
// course (LearnCIOT §6.3, the rule behind Academia Sinica's dynamic
// calibration):
//
//   - each day N, fit every candidate model: each regression method ×
//     each training length (3, 5 and 8 days) × each feature set (the
//     course's eight: P, PH, PT, PR, PHR, PTR, PHT, PHTR, where P is the
//     sensor's PM2.5, H the hour of day, T temperature, R humidity), each
//     trained on the days before N − 1 and scored on day N − 1 by mean
//     squared error against the station;
//   - the candidate with the least test MSE is "yesterday's best"; its
//     method, length and features are refitted on the days up to N − 1
//     and that model calibrates day N.
//
// The course fits three regressions (linear, random forest, SVR); this
// package fits two: ordinary least squares and a Huber robust linear fit
// (micro-sensors spike, and a robust fit ignores spikes), so a day has
// 2 × 3 × 8 = 48 candidates. Data are hourly means.
package calibrate

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/envtrace/envtrace/tracing/sensor"
)

// Pair is one hour of a sensor beside its reference station.
type Pair struct {
	Time           time.Time // hour start
	PM25           float64   // sensor PM2.5, µg/m³
	Temp, RH       float64   // sensor temperature °C and humidity %
	Ref            float64   // station PM2.5, µg/m³
	HasTemp, HasRH bool
}

// Methods, lengths and feature sets of the candidates.
var (
	Methods     = []string{"linear", "huber"}
	Lengths     = []int{8, 5, 3}
	FeatureSets = []string{"PHTR", "PH", "PT", "PR", "P", "PHR", "PTR", "PHT"}
)

// Spec is one candidate model.
type Spec struct {
	Method   string `json:"method"`
	Days     int    `json:"days"`
	Features string `json:"features"`
}

// Candidate is a spec with its score on the test day.
type Candidate struct {
	Spec
	TrainN  int     `json:"train_n"`
	TestMSE float64 `json:"test_mse"`
	TestMAE float64 `json:"test_mae"`
}

// Model is a fitted spec: intercept and coefficients of its features.
type Model struct {
	Spec
	Coef []float64 `json:"coef"` // intercept first
}

// Selection is the model for one day and the candidates it was chosen
// from.
type Selection struct {
	Day        time.Time   `json:"day"`
	Chosen     Model       `json:"chosen"`
	Candidates []Candidate `json:"candidates"`
}

// ErrTooLittle is returned when the days before the target lack the data
// to train and test any candidate.
var ErrTooLittle = errors.New("calibrate: not enough co-located hours before the day")

// Select applies the daily rule for day (a Taiwan calendar day): test day
// N − 1, training days before it.
func Select(pairs []Pair, day time.Time) (*Selection, error) {
	day = dayStart(day)
	test := window(pairs, day.AddDate(0, 0, -1), day)
	if len(test) == 0 {
		return nil, fmt.Errorf("%w: no hours on the test day %s", ErrTooLittle, day.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	sel := &Selection{Day: day}
	best := -1
	for _, days := range Lengths {
		train := window(pairs, day.AddDate(0, 0, -1-days), day.AddDate(0, 0, -1))
		for _, method := range Methods {
			for _, fs := range FeatureSets {
				spec := Spec{Method: method, Days: days, Features: fs}
				m, err := Fit(train, spec)
				if err != nil {
					continue
				}
				mse, mae := score(m, test)
				sel.Candidates = append(sel.Candidates, Candidate{Spec: spec, TrainN: len(train), TestMSE: mse, TestMAE: mae})
				if best < 0 || mse < sel.Candidates[best].TestMSE {
					best = len(sel.Candidates) - 1
				}
			}
		}
	}
	if best < 0 {
		return nil, fmt.Errorf("%w: no candidate could be fitted", ErrTooLittle)
	}
	spec := sel.Candidates[best].Spec
	m, err := Fit(window(pairs, day.AddDate(0, 0, -spec.Days), day), spec)
	if err != nil {
		return nil, err
	}
	sel.Chosen = m
	sort.SliceStable(sel.Candidates, func(i, j int) bool { return sel.Candidates[i].TestMSE < sel.Candidates[j].TestMSE })
	return sel, nil
}

// Predict calibrates one hour.
func (m Model) Predict(p Pair) float64 {
	x := features(p, m.Features)
	y := m.Coef[0]
	for i, v := range x {
		y += m.Coef[i+1] * v
	}
	return y
}

// Fit trains a spec on pairs; hours missing a feature are left out.
func Fit(pairs []Pair, spec Spec) (Model, error) {
	var rows [][]float64
	var ys []float64
	for _, p := range pairs {
		if !usable(p, spec.Features) {
			continue
		}
		rows = append(rows, append([]float64{1}, features(p, spec.Features)...))
		ys = append(ys, p.Ref)
	}
	k := len(spec.Features) + 1
	if len(rows) < 2*k {
		return Model{}, fmt.Errorf("%w: %d usable hours for %d coefficients", ErrTooLittle, len(rows), k)
	}
	w := make([]float64, len(rows))
	for i := range w {
		w[i] = 1
	}
	coef, err := weightedLS(rows, ys, w)
	if err != nil {
		return Model{}, err
	}
	if spec.Method == "huber" {
		coef, err = huber(rows, ys, coef)
		if err != nil {
			return Model{}, err
		}
	}
	return Model{Spec: spec, Coef: coef}, nil
}

// huber refines a fit by iteratively reweighted least squares with Huber's
// weights (c = 1.345 robust standard deviations, the scale from the
// residuals' MAD/0.6745), 20 iterations at most.
func huber(rows [][]float64, ys, coef []float64) ([]float64, error) {
	w := make([]float64, len(rows))
	res := make([]float64, len(rows))
	for range 20 {
		for i, r := range rows {
			res[i] = ys[i] - dot(r, coef)
		}
		scale := mad(res) / 0.6745
		if scale == 0 {
			return coef, nil
		}
		c := 1.345 * scale
		for i, e := range res {
			w[i] = 1
			if a := math.Abs(e); a > c {
				w[i] = c / a
			}
		}
		next, err := weightedLS(rows, ys, w)
		if err != nil {
			return nil, err
		}
		done := true
		for i := range next {
			if math.Abs(next[i]-coef[i]) > 1e-9*(1+math.Abs(coef[i])) {
				done = false
			}
		}
		coef = next
		if done {
			break
		}
	}
	return coef, nil
}

// weightedLS solves min Σ w (y − Xb)² by QR (gonum).
func weightedLS(rows [][]float64, ys, w []float64) ([]float64, error) {
	n, k := len(rows), len(rows[0])
	x := mat.NewDense(n, k, nil)
	y := mat.NewVecDense(n, nil)
	for i, r := range rows {
		s := math.Sqrt(w[i])
		for j, v := range r {
			x.Set(i, j, v*s)
		}
		y.SetVec(i, ys[i]*s)
	}
	var b mat.VecDense
	if err := b.SolveVec(x, y); err != nil {
		return nil, fmt.Errorf("calibrate: least squares: %w", err)
	}
	return b.RawVector().Data, nil
}

func features(p Pair, set string) []float64 {
	var out []float64
	for _, c := range set {
		switch c {
		case 'P':
			out = append(out, p.PM25)
		case 'H':
			out = append(out, float64(p.Time.In(sensor.Taipei).Hour()))
		case 'T':
			out = append(out, p.Temp)
		case 'R':
			out = append(out, p.RH)
		}
	}
	return out
}

func usable(p Pair, set string) bool {
	for _, c := range set {
		if (c == 'T' && !p.HasTemp) || (c == 'R' && !p.HasRH) {
			return false
		}
	}
	return !math.IsNaN(p.PM25) && !math.IsNaN(p.Ref)
}

func score(m Model, test []Pair) (mse, mae float64) {
	n := 0
	for _, p := range test {
		if !usable(p, m.Features) {
			continue
		}
		e := m.Predict(p) - p.Ref
		mse += e * e
		mae += math.Abs(e)
		n++
	}
	if n == 0 {
		return math.Inf(1), math.Inf(1)
	}
	return mse / float64(n), mae / float64(n)
}

func window(pairs []Pair, from, to time.Time) []Pair {
	var out []Pair
	for _, p := range pairs {
		if !p.Time.Before(from) && p.Time.Before(to) {
			out = append(out, p)
		}
	}
	return out
}

func dayStart(t time.Time) time.Time {
	t = t.In(sensor.Taipei)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, sensor.Taipei)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func mad(xs []float64) float64 {
	a := make([]float64, len(xs))
	for i, x := range xs {
		a[i] = math.Abs(x)
	}
	sort.Float64s(a)
	n := len(a)
	if n%2 == 1 {
		return a[n/2]
	}
	return (a[n/2-1] + a[n/2]) / 2
}

// HourlyPairs pairs a sensor's hourly means (PM2.5, air temperature, RH)
// with a reference device's hourly PM2.5 (a sensors.csv entry of kind
// reference) over the hours both report.
func HourlyPairs(d *sensor.Data, device, reference string) []Pair {
	type acc struct{ pm, t, rh [2]float64 }
	hours := map[int64]*acc{}
	ref := map[int64][2]float64{}
	for _, r := range d.Readings {
		h := r.Time.Truncate(time.Hour).Unix()
		switch {
		case r.Device == reference && r.Parameter == "PM2.5":
			v := ref[h]
			ref[h] = [2]float64{v[0] + r.Value, v[1] + 1}
		case r.Device == device:
			a := hours[h]
			if a == nil {
				a = &acc{}
				hours[h] = a
			}
			switch r.Parameter {
			case "PM2.5":
				a.pm = [2]float64{a.pm[0] + r.Value, a.pm[1] + 1}
			case "AIR_TEMP":
				a.t = [2]float64{a.t[0] + r.Value, a.t[1] + 1}
			case "RH":
				a.rh = [2]float64{a.rh[0] + r.Value, a.rh[1] + 1}
			}
		}
	}
	var out []Pair
	for h, a := range hours {
		rv, ok := ref[h]
		if !ok || a.pm[1] == 0 {
			continue
		}
		p := Pair{Time: time.Unix(h, 0).In(sensor.Taipei), PM25: a.pm[0] / a.pm[1], Ref: rv[0] / rv[1]}
		if a.t[1] > 0 {
			p.Temp, p.HasTemp = a.t[0]/a.t[1], true
		}
		if a.rh[1] > 0 {
			p.RH, p.HasRH = a.rh[0]/a.rh[1], true
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}
