package atmos

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// MaxGap is the longest interval between two observations across which a
// Series interpolates: one missing hour is bridged, a longer gap is not.
const MaxGap = 2 * time.Hour

// Series is one station's observations in time order, with the station's
// position on the grid, ready to be interpolated in time. Build it with
// NewSeries; it is immutable and safe for concurrent use.
type Series struct {
	Station string
	// X, Y are the station's grid position, metres.
	X, Y float64
	obs  []Observation
	// unix caches each observation's time for the binary search, and u, v
	// its velocity.
	unix []int64
	u, v []float64
}

// DuplicateError reports two observations of one station at the same
// instant, which a series cannot reconcile.
type DuplicateError struct {
	Station string
	Time    time.Time
}

// Error names the station and the instant.
func (e *DuplicateError) Error() string {
	return fmt.Sprintf("station %s has two observations at %s", e.Station, e.Time.Format(time.RFC3339))
}

// NewSeries sorts the station's observations (the caller's slice is not
// changed) and refuses two at the same instant.
func NewSeries(station string, x, y float64, obs []Observation) (*Series, error) {
	s := &Series{Station: station, X: x, Y: y, obs: slices.Clone(obs)}
	sort.SliceStable(s.obs, func(i, j int) bool { return s.obs[i].Time.Before(s.obs[j].Time) })
	s.unix = make([]int64, len(s.obs))
	s.u, s.v = make([]float64, len(s.obs)), make([]float64, len(s.obs))
	for i, o := range s.obs {
		s.unix[i] = o.Time.Unix()
		if usable(o) {
			s.u[i], s.v[i] = velocity(o)
		}
		if i > 0 && s.unix[i] == s.unix[i-1] {
			return nil, &DuplicateError{Station: station, Time: o.Time}
		}
	}
	return s, nil
}

// Observations returns the observations in time order; the slice must not
// be changed.
func (s *Series) Observations() []Observation { return s.obs }

// Span returns the first and last observation times (zero for an empty
// series).
func (s *Series) Span() (from, to time.Time) {
	if len(s.obs) == 0 {
		return time.Time{}, time.Time{}
	}
	return s.obs[0].Time, s.obs[len(s.obs)-1].Time
}

// usable reports whether an observation carries a velocity: a good hour,
// or a calm hour (velocity zero).
func usable(o Observation) bool { return o.Flag == Good || o.Flag == Calm }

func velocity(o Observation) (u, v float64) {
	if o.Flag == Calm {
		return 0, 0
	}
	return Components(o.Speed, o.Direction)
}

// At interpolates the wind at time t linearly on u, v, speed and σθ between
// the nearest usable observations before and after t (an observation at t
// itself is returned as it is). It reports false when t is outside the
// record or the two observations are more than MaxGap apart.
func (s *Series) At(t time.Time) (Sample, bool) {
	tu := t.Unix()
	i := sort.Search(len(s.unix), func(k int) bool { return s.unix[k] >= tu })
	// after: the first usable observation at or after t.
	j := i
	for j < len(s.obs) && !usable(s.obs[j]) && s.unix[j]-tu <= int64(MaxGap/time.Second) {
		j++
	}
	if j == len(s.obs) || !usable(s.obs[j]) {
		return Sample{}, false
	}
	if s.unix[j] == tu {
		return s.sample(j, j, 0), true
	}
	k := i - 1
	for k >= 0 && !usable(s.obs[k]) && tu-s.unix[k] <= int64(MaxGap/time.Second) {
		k--
	}
	if k < 0 || !usable(s.obs[k]) || s.unix[j]-s.unix[k] > int64(MaxGap/time.Second) {
		return Sample{}, false
	}
	w := float64(tu-s.unix[k]) / float64(s.unix[j]-s.unix[k])
	return s.sample(k, j, w), true
}

// sample interpolates between observations i and j with weight w on j.
func (s *Series) sample(i, j int, w float64) Sample {
	a, b := &s.obs[i], &s.obs[j]
	ua, va, ub, vb := s.u[i], s.v[i], s.u[j], s.v[j]
	out := Sample{
		U:          ua + w*(ub-ua),
		V:          va + w*(vb-va),
		Speed:      a.Speed + w*(b.Speed-a.Speed),
		SigmaTheta: a.SigmaTheta + w*(b.SigmaTheta-a.SigmaTheta),
		Source:     s.Station,
	}
	out.Calm = math.Hypot(out.U, out.V) < CalmSpeed
	return out
}
