// Package risk scores facilities for inspection as a sum of explained
// terms. Each term is a value (a count, a class, years) times a weight;
// the terms add in log-odds with an intercept term, so the score is the
// log-odds that an inspection of the facility finds a violation and the
// probability is shown beside it (a logistic model, as Hino et al. 2018 and
// Chicago's food-inspection model use). Every term carries the date of the
// data it was computed from; a signal the data directory does not hold is
// a term with value 0 and a "no data" note, never a guess.
//
// The weights start from documented expert priors (Prior) and are
// calibrated on recorded inspection outcomes by a Bayesian update: the
// maximum a posteriori logistic regression under a Gaussian prior centred
// on the priors (Fit). Outcomes exist only where someone chose to inspect,
// so each outcome is weighted by the inverse of the probability with which
// it was chosen (Outcome.Propensity): the plans keep a documented random
// share of inspections, whose outcomes stand for the whole population.
package risk

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
)

// Term names, in the order every score lists them.
const (
	TermIntercept       = "intercept"
	TermIndustry        = "industry_risk_class"
	TermWaterPermit     = "water_permit_findings"
	TermAirPermit       = "air_permit_findings"
	TermWaterTrace      = "water_trace_suspicion"
	TermOdourAir        = "odour_air_attribution"
	TermPetitions       = "petitions"
	TermDumping         = "dumping_reports"
	TermCompliance      = "compliance_quarters"
	TermSinceInspection = "years_since_inspection"
)

// Names lists the terms in the order scores list them; the intercept is
// first.
var Names = []string{TermIntercept, TermIndustry, TermWaterPermit, TermAirPermit, TermWaterTrace,
	TermOdourAir, TermPetitions, TermDumping, TermCompliance, TermSinceInspection}

// Term is one explained part of a score: contribution = weight × value.
// Its JSON is the contract's term object; Note (why a value is what it
// is, "no data" among others) is for the text report and the plans.
type Term struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
	// DataDate is the date (YYYY-MM-DD, Asia/Taipei) of the newest data
	// the value rests on; null when there is no data for the term.
	DataDate *string `json:"data_date"`
	Note     string  `json:"-"`
}

// Value is a term's value before weighting: what the features produce.
type Value struct {
	V float64
	// Date is the date of the newest data behind V; zero means no data.
	Date time.Time
	Note string
}

// Features are one facility's term values (without the intercept).
type Features map[string]Value

// Model is a set of weights, the intercept among them.
type Model struct {
	Weights map[string]float64 `json:"weights"`
	// Calibrated says how the weights were set, and CalibratedOn the date
	// of the newest outcome used (the intercept's data date).
	Calibrated   string    `json:"calibrated"`
	CalibratedOn time.Time `json:"calibrated_on"`
	// Outcomes counts the outcomes the fit used.
	Outcomes int `json:"outcomes"`
}

// Prior is the expert prior: the weights used before any outcome is
// recorded and the centre of the calibration's Gaussian prior. An
// intercept of −3 is a 5 % violation rate for a facility with no signal;
// the other weights are the log-odds added per unit of their term
// (docs/inspection.md explains each).
func Prior() *Model {
	return &Model{Calibrated: "prior", Weights: map[string]float64{
		TermIntercept:       -3.0,
		TermIndustry:        0.4,
		TermWaterPermit:     0.3,
		TermAirPermit:       0.3,
		TermWaterTrace:      0.8,
		TermOdourAir:        0.25,
		TermPetitions:       0.1,
		TermDumping:         0.3,
		TermCompliance:      0.25,
		TermSinceInspection: 0.2,
	}}
}

// Scored is one facility's score: the contract's facility object.
type Scored struct {
	FacilityID  string  `json:"facility_id"`
	Rank        int     `json:"rank"`
	Score       float64 `json:"score"`
	Probability float64 `json:"probability"`
	Terms       []Term  `json:"terms"`
}

// Ranking is `envtrace inspect rank --json` and GET /api/v1/inspect/rank.
type Ranking struct {
	AsOf       string   `json:"as_of"`
	Facilities []Scored `json:"facilities"`
}

// Score adds a facility's terms. The score is the sum of the listed
// contributions in list order, so the terms add up to it exactly.
func (m *Model) Score(id string, f Features) Scored {
	s := Scored{FacilityID: id, Terms: make([]Term, 0, len(Names))}
	for _, n := range Names {
		w := m.Weights[n]
		t := Term{Name: n, Weight: w}
		if n == TermIntercept {
			t.Value = 1
			t.Note = "calibration: " + m.Calibrated
			if !m.CalibratedOn.IsZero() {
				t.DataDate = dateOf(m.CalibratedOn)
			}
		} else {
			v, ok := f[n]
			if !ok {
				v = Value{Note: "no data"}
			}
			t.Value, t.Note = v.V, v.Note
			if !v.Date.IsZero() {
				t.DataDate = dateOf(v.Date)
			}
		}
		t.Contribution = w * t.Value
		s.Score += t.Contribution
		s.Terms = append(s.Terms, t)
	}
	s.Probability = Sigmoid(s.Score)
	return s
}

// Rank scores every facility and orders them by score, highest first
// (ties by id), numbering ranks from 1.
func (m *Model) Rank(asOf time.Time, fs map[string]Features) *Ranking {
	r := &Ranking{AsOf: asOf.Format(time.RFC3339), Facilities: make([]Scored, 0, len(fs))}
	for id, f := range fs {
		r.Facilities = append(r.Facilities, m.Score(id, f))
	}
	sort.Slice(r.Facilities, func(a, b int) bool {
		fa, fb := r.Facilities[a], r.Facilities[b]
		if fa.Score != fb.Score {
			return fa.Score > fb.Score
		}
		return fa.FacilityID < fb.FacilityID
	})
	for i := range r.Facilities {
		r.Facilities[i].Rank = i + 1
	}
	return r
}

// Sigmoid is the logistic function, the probability of a log-odds score.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// dateOf formats a date in Taiwan time.
func dateOf(t time.Time) *string {
	s := t.In(taipei).Format(time.DateOnly)
	return &s
}

var taipei = time.FixedZone("Asia/Taipei", 8*3600)

// Selections: how an inspection was chosen.
const (
	SelectRandom    = "random"    // the plan's random share
	SelectRisk      = "risk"      // chosen by rank
	SelectComplaint = "complaint" // a petition or report triggered it
	SelectRoutine   = "routine"   // a statutory or officer's choice
)

// Outcome is a recorded inspection outcome as calibration uses it.
type Outcome struct {
	Facility  string
	Date      time.Time
	Violation bool
	Selection string
	// Propensity is the probability with which the inspection was chosen
	// (for the random share: its share of the facilities in the draw);
	// 0 when not recorded.
	Propensity float64
}

// MinPropensity bounds the inverse-propensity weights at 1/0.05 = 20, so
// that one outcome drawn with a tiny probability cannot dominate the fit.
const MinPropensity = 0.05

// IPW is an outcome's calibration weight: 1/propensity, bounded by
// MinPropensity. An outcome without a recorded propensity weighs 1.
func (o Outcome) IPW() float64 {
	if o.Propensity <= 0 || o.Propensity > 1 {
		return 1
	}
	return 1 / math.Max(o.Propensity, MinPropensity)
}

// Example is one outcome with the facility's features as of the day
// before the inspection.
type Example struct {
	Features  Features
	Violation bool
	Weight    float64
	Date      time.Time
}

// FitOptions tune the calibration.
type FitOptions struct {
	// PriorSD is the standard deviation of the Gaussian prior around each
	// prior weight (default 1).
	PriorSD float64
	// Prior is the prior model (default Prior()).
	Prior *Model
}

// ErrNoOutcomes says there is nothing to calibrate on.
var ErrNoOutcomes = errors.New("risk: no inspection outcomes to calibrate on")

// Fit calibrates the weights on weighted outcomes: the maximum a
// posteriori logistic regression with a Gaussian prior N(prior weight,
// PriorSD²) on every weight (the intercept included), by Newton's method.
// The example weights (inverse propensities) are normalised to mean 1, so
// the prior's strength does not depend on how they are scaled. A term
// with no data in any example keeps its prior weight.
func Fit(ex []Example, opt FitOptions) (*Model, error) {
	if len(ex) == 0 {
		return nil, ErrNoOutcomes
	}
	if opt.PriorSD <= 0 {
		opt.PriorSD = 1
	}
	if opt.Prior == nil {
		opt.Prior = Prior()
	}
	k := len(Names)
	x, y, w, last, err := design(ex)
	if err != nil {
		return nil, err
	}
	beta := make([]float64, k)
	mu := make([]float64, k)
	for j, n := range Names {
		mu[j] = opt.Prior.Weights[n]
		beta[j] = mu[j]
	}
	lambda := 1 / (opt.PriorSD * opt.PriorSD)
	for iter := 0; iter < 50; iter++ {
		grad := make([]float64, k)
		hess := make([][]float64, k)
		for j := range hess {
			hess[j] = make([]float64, k)
			grad[j] = -lambda * (beta[j] - mu[j])
			hess[j][j] = lambda
		}
		for i, row := range x {
			p := Sigmoid(dot(beta, row))
			for a := range k {
				grad[a] += w[i] * (y[i] - p) * row[a]
				for b := range k {
					hess[a][b] += w[i] * p * (1 - p) * row[a] * row[b]
				}
			}
		}
		step, err := solve(hess, grad)
		if err != nil {
			return nil, fmt.Errorf("risk: calibration: %w", err)
		}
		var norm float64
		for j := range beta {
			beta[j] += step[j]
			norm = math.Max(norm, math.Abs(step[j]))
		}
		if norm < 1e-10 {
			break
		}
	}
	m := &Model{Weights: map[string]float64{}, Calibrated: "fitted", CalibratedOn: last, Outcomes: len(ex)}
	for j, n := range Names {
		if math.IsNaN(beta[j]) || math.IsInf(beta[j], 0) {
			return nil, fmt.Errorf("risk: calibration diverged on term %s", n)
		}
		m.Weights[n] = beta[j]
	}
	return m, nil
}

// design builds the rows (intercept first), the outcomes, the normalised
// weights and the newest outcome date.
func design(ex []Example) (x [][]float64, y, w []float64, last time.Time, err error) {
	var sum float64
	for i, e := range ex {
		if e.Weight <= 0 || math.IsNaN(e.Weight) || math.IsInf(e.Weight, 0) {
			return nil, nil, nil, last, fmt.Errorf("risk: outcome %d: weight %v is not positive", i, e.Weight)
		}
		row := make([]float64, len(Names))
		row[0] = 1
		for j, n := range Names[1:] {
			row[j+1] = e.Features[n].V
		}
		x = append(x, row)
		y = append(y, b2f(e.Violation))
		w = append(w, e.Weight)
		sum += e.Weight
		if e.Date.After(last) {
			last = e.Date
		}
	}
	for i := range w {
		w[i] *= float64(len(w)) / sum
	}
	return x, y, w, last, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solve solves A x = b by Gaussian elimination with partial pivoting
// (A is small: one row per term).
func solve(a [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(append([]float64{}, a[i]...), b[i])
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-300 {
			return nil, errors.New("singular system")
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x, nil
}
