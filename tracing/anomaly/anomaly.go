// Package anomaly screens daily effluent series (online monitoring of pH,
// temperature, conductivity, ...) for values an inspector should look at:
// isolated spikes, level shifts, physically impossible readings and stuck
// sensors. Effluent series are full of outliers (sensor faults, zero rows
// written when a logger is off), so every statistic is robust: medians and
// the median absolute deviation (MAD), never means and standard deviations.
//
// # Method
//
// The series is taken in time order, one value per index; NaN marks a
// missing value and is skipped by every statistic. Windows are counted in
// values, not calendar days, so a gap of a few missing days widens a window
// slightly in time; for daily data this is immaterial.
//
//  1. Impossible: a value outside Config.Min..Config.Max (e.g. pH outside
//     0–14, water temperature outside 0–100 °C, negative conductivity) is
//     flagged Impossible and excluded from the other tests.
//  2. Spikes (Hampel filter): for each value x_i, m is the median of the
//     2·HalfWindow+1 values centred on i (truncated at the ends) and
//     σ = 1.4826·MAD of that window (the MAD scaled to a standard deviation
//     for Gaussian noise). x_i is a spike when |x_i − m| > SpikeK·max(σ,
//     MinScale, σ_noise). MinScale is the instrument resolution: it stops
//     a perfectly flat stretch (σ = 0) from turning every last-digit change
//     into a spike. σ_noise (NoiseScale) is the whole series' day-to-day
//     scatter, 1.4826·MAD of first differences / √2; it stops a window
//     that happens to be quiet from flagging ordinary days.
//  3. Level shifts (two-window median difference): for each i, L is the
//     ShiftWindow values before i and R the ShiftWindow values from i on;
//     the score is |med(R) − med(L)| / max(σ_p, MinScale, σ_noise), where σ_p is the
//     root mean square of the two windows' 1.4826·MAD. A shift is reported
//     at a local maximum of the score where it exceeds ShiftK and the level
//     change exceeds MinShift; after one is reported, no other is reported
//     within ShiftWindow values of it. Because the score is nearly flat
//     near a step, the reported position is then refined to the split of
//     the surrounding 2·ShiftWindow values that minimises the total
//     absolute deviation from the two sides' medians (a robust two-segment
//     fit). Medians ignore up to half a window of
//     spikes, so spikes do not create shifts and a shift does not create
//     spikes (the Hampel window's median jumps with the level).
//  4. Stuck sensor: StuckRun or more consecutive values whose range is at
//     most StuckTolerance (a flat line no real effluent produces). One flag
//     per run, at its first index, with the run length.
//
// # Thresholds
//
// The defaults (DefaultConfig and the presets of ForParameter) are SpikeK =
// 5 on a 15-value window and ShiftK = 6 on 30-value windows. Hampel's
// textbook K = 3 flags about 0.3 % of Gaussian noise but several percent of
// real effluent data, whose day-to-day changes are heavy tailed; K = 5 keeps
// the flagged fraction of the 36 IDB industrial-park plants at a few
// percent while still catching sensor faults. MinScale and MinShift are
// set per parameter to the reporting resolution and to a change an
// inspector would care about (pH 0.5, 2 °C, 300 µS/cm).
package anomaly

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/envtrace/envtrace/tracing/param"
)

// Kind is the type of anomaly.
type Kind int

// The kinds of anomaly.
const (
	Impossible Kind = iota + 1 // outside the physical range
	Spike                      // isolated departure from the local median
	Shift                      // sustained change of level
	Stuck                      // flat line: the sensor stopped responding
)

// String names the kind in reports and logs.
func (k Kind) String() string {
	switch k {
	case Impossible:
		return "impossible"
	case Spike:
		return "spike"
	case Shift:
		return "shift"
	case Stuck:
		return "stuck"
	}
	return "unknown"
}

// Flag is one anomaly.
type Flag struct {
	Kind Kind
	// Index is the position in the series (for a Shift, the first value of
	// the new level; for Stuck, the first value of the run).
	Index int
	// Value is the flagged value (for a Shift, the median after it).
	Value float64
	// Expected is the local median (for a Shift, the median before it).
	Expected float64
	// Score is the departure in robust standard deviations (0 for
	// Impossible and Stuck).
	Score float64
	// Len is the run length for Stuck, 1 otherwise.
	Len int
}

// Config holds the detection parameters; see the package documentation.
type Config struct {
	Min, Max       float64 // physical range; NaN means unbounded
	HalfWindow     int     // Hampel half window (values)
	SpikeK         float64 // Hampel threshold in robust σ
	ShiftWindow    int     // values on each side of a candidate shift
	ShiftK         float64 // shift threshold in robust σ
	MinShift       float64 // smallest level change reported as a shift
	MinScale       float64 // floor on σ: the instrument resolution
	StuckRun       int     // minimum flat run length; 0 disables
	StuckTolerance float64 // max range of values within a flat run
}

// DefaultConfig returns parameter-free defaults: unbounded range, Hampel
// 15 values at 5σ, shifts on 30+30 values at 6σ, no stuck test.
func DefaultConfig() Config {
	return Config{Min: math.NaN(), Max: math.NaN(), HalfWindow: 7, SpikeK: 5, ShiftWindow: 30, ShiftK: 6}
}

// ForParameter returns the preset for a parameter known to tracing/param,
// in its canonical unit. Presets exist for pH, water temperature and
// conductivity, the three quantities effluent online monitors report
// continuously; other parameters get DefaultConfig with a non-negative
// range for concentrations.
func ForParameter(name string) (Config, error) {
	p, err := param.Lookup(name)
	if err != nil {
		return Config{}, fmt.Errorf("anomaly: %w", err)
	}
	c := DefaultConfig()
	switch p.ID {
	case "pH":
		c.Min, c.Max = 0, 14
		c.MinScale, c.MinShift = 0.05, 0.5
		c.StuckRun, c.StuckTolerance = 7, 0
	case "TEMP":
		c.Min, c.Max = 0, 100
		c.MinScale, c.MinShift = 0.2, 2
		c.StuckRun, c.StuckTolerance = 7, 0.02
	case "COND":
		c.Min = 0
		c.MinScale, c.MinShift = 20, 300
		c.StuckRun, c.StuckTolerance = 7, 0
	default:
		if p.Kind == param.KindConcentration || p.Kind == param.KindFlow {
			c.Min = 0
		}
	}
	return c, nil
}

// ErrConfig is returned (wrapped) for an unusable Config.
var ErrConfig = errors.New("anomaly: invalid config")

func (c Config) validate() error {
	switch {
	case c.HalfWindow < 1:
		return fmt.Errorf("%w: HalfWindow %d < 1", ErrConfig, c.HalfWindow)
	case c.ShiftWindow < 2:
		return fmt.Errorf("%w: ShiftWindow %d < 2", ErrConfig, c.ShiftWindow)
	case !(c.SpikeK > 0) || !(c.ShiftK > 0):
		return fmt.Errorf("%w: thresholds must be positive (SpikeK %v, ShiftK %v)", ErrConfig, c.SpikeK, c.ShiftK)
	case c.MinScale < 0 || c.MinShift < 0 || c.StuckRun < 0 || c.StuckTolerance < 0:
		return fmt.Errorf("%w: negative MinScale, MinShift, StuckRun or StuckTolerance", ErrConfig)
	}
	return nil
}

// Screen runs all four tests and returns the flags sorted by index, then
// kind.
func Screen(xs []float64, c Config) ([]Flag, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	clean := make([]float64, len(xs))
	var flags []Flag
	for i, x := range xs {
		clean[i] = x
		if math.IsNaN(x) {
			continue
		}
		if math.IsInf(x, 0) || (!math.IsNaN(c.Min) && x < c.Min) || (!math.IsNaN(c.Max) && x > c.Max) {
			flags = append(flags, Flag{Kind: Impossible, Index: i, Value: x, Expected: math.NaN(), Len: 1})
			clean[i] = math.NaN()
		}
	}
	floor := math.Max(c.MinScale, NoiseScale(clean))
	flags = append(flags, Hampel(clean, c.HalfWindow, c.SpikeK, floor)...)
	flags = append(flags, Shifts(clean, c.ShiftWindow, c.ShiftK, c.MinShift, floor)...)
	if c.StuckRun > 0 {
		flags = append(flags, StuckRuns(clean, c.StuckRun, c.StuckTolerance)...)
	}
	sort.SliceStable(flags, func(i, j int) bool {
		if flags[i].Index != flags[j].Index {
			return flags[i].Index < flags[j].Index
		}
		return flags[i].Kind < flags[j].Kind
	})
	return flags, nil
}

// Hampel flags spikes: values more than k robust standard deviations from
// the median of the surrounding 2·half+1 values. NaNs are skipped.
func Hampel(xs []float64, half int, k, minScale float64) []Flag {
	var flags []Flag
	buf := make([]float64, 0, 2*half+1)
	for i, x := range xs {
		if math.IsNaN(x) {
			continue
		}
		buf = buf[:0]
		for j := max(0, i-half); j <= min(len(xs)-1, i+half); j++ {
			if !math.IsNaN(xs[j]) {
				buf = append(buf, xs[j])
			}
		}
		if len(buf) < half+1 {
			continue // too little context to judge
		}
		m, s := medianMAD(buf)
		s = math.Max(s, minScale)
		if s == 0 {
			s = math.SmallestNonzeroFloat64
		}
		if d := math.Abs(x-m) / s; d > k {
			flags = append(flags, Flag{Kind: Spike, Index: i, Value: x, Expected: m, Score: d, Len: 1})
		}
	}
	return flags
}

// Shifts flags level shifts with the two-window median difference test.
func Shifts(xs []float64, w int, k, minShift, minScale float64) []Flag {
	n := len(xs)
	score := make([]float64, n)
	lmed := make([]float64, n)
	rmed := make([]float64, n)
	var left, right []float64
	for i := w; i <= n-w; i++ {
		left = collect(left[:0], xs[i-w:i])
		right = collect(right[:0], xs[i:i+w])
		if len(left) < w/2 || len(right) < w/2 || math.IsNaN(xs[i]) {
			continue
		}
		ml, sl := medianMAD(left)
		mr, sr := medianMAD(right)
		s := math.Max(math.Sqrt((sl*sl+sr*sr)/2), minScale)
		if s == 0 {
			s = math.SmallestNonzeroFloat64
		}
		d := math.Abs(mr - ml)
		if d <= minShift {
			continue
		}
		score[i], lmed[i], rmed[i] = d/s, ml, mr
	}
	var flags []Flag
	taken := make([]bool, n)
	for {
		best := -1
		for i := range score {
			if !taken[i] && score[i] > k && (best < 0 || score[i] > score[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		at := refine(xs, best, w)
		f := Flag{Kind: Shift, Index: at, Value: rmed[best], Expected: lmed[best], Score: score[best], Len: 1}
		if score[at] > 0 {
			f.Value, f.Expected, f.Score = rmed[at], lmed[at], score[at]
		}
		flags = append(flags, f)
		for j := max(0, best-w); j <= min(n-1, best+w); j++ {
			taken[j] = true
		}
		taken[at] = true
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].Index < flags[j].Index })
	return flags
}

// refine places a detected shift precisely. The two-window score is nearly
// flat within half a window of a step, so its maximum can sit a few values
// off; the split of [best−w, best+w) that minimises the total absolute
// deviation from the two segments' medians (a robust two-segment fit) is
// the step's location.
func refine(xs []float64, best, w int) int {
	lo, hi := max(0, best-w), min(len(xs), best+w)
	at, bestCost := best, math.Inf(1)
	var a, b []float64
	for c := lo + w/4; c <= hi-w/4; c++ {
		if math.IsNaN(xs[c]) {
			continue
		}
		a = collect(a[:0], xs[lo:c])
		b = collect(b[:0], xs[c:hi])
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		cost := absDev(a) + absDev(b)
		if cost < bestCost-1e-12 {
			at, bestCost = c, cost
		}
	}
	return at
}

func absDev(xs []float64) float64 {
	m := median(xs)
	s := 0.0
	for _, v := range xs {
		s += math.Abs(v - m)
	}
	return s
}

// StuckRuns flags runs of at least minRun consecutive non-NaN values whose
// range (max − min) is at most tol. A NaN ends a run. Runs are found
// greedily from the left and do not overlap.
func StuckRuns(xs []float64, minRun int, tol float64) []Flag {
	var flags []Flag
	for i := 0; i < len(xs); {
		if math.IsNaN(xs[i]) {
			i++
			continue
		}
		lo, hi := xs[i], xs[i]
		j := i + 1
		for ; j < len(xs) && !math.IsNaN(xs[j]); j++ {
			l, h := math.Min(lo, xs[j]), math.Max(hi, xs[j])
			if h-l > tol+1e-9 {
				break
			}
			lo, hi = l, h
		}
		if n := j - i; n >= minRun && n > 1 {
			flags = append(flags, Flag{Kind: Stuck, Index: i, Value: xs[i], Expected: math.NaN(), Len: n})
			i = j
			continue
		}
		i++
	}
	return flags
}

// NoiseScale estimates the series' day-to-day noise as 1.4826·MAD of the
// first differences divided by √2. Differencing removes levels, trends and
// shifts, and the MAD ignores spikes, so this is the scatter of ordinary
// days. Screen uses it as a floor under the local σ because a 15-value
// window's MAD is itself noisy: by chance it is sometimes half the true
// scatter, which would double the false-alarm rate of a fixed threshold.
func NoiseScale(xs []float64) float64 {
	var d []float64
	prev := math.NaN()
	for _, x := range xs {
		if !math.IsNaN(x) {
			if !math.IsNaN(prev) {
				d = append(d, x-prev)
			}
			prev = x
		}
	}
	if len(d) < 2 {
		return 0
	}
	_, s := medianMAD(d)
	return s / math.Sqrt2
}

func collect(dst, src []float64) []float64 {
	for _, v := range src {
		if !math.IsNaN(v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// medianMAD returns the median and 1.4826·MAD of xs (xs is reordered).
func medianMAD(xs []float64) (m, s float64) {
	m = median(xs)
	dev := make([]float64, len(xs))
	for i, v := range xs {
		dev[i] = math.Abs(v - m)
	}
	return m, 1.4826 * median(dev)
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
