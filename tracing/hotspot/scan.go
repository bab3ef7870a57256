package hotspot

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
)

// Case is one event of case-only data: the unit it falls in and its time
// step (day, hour, ...), both as indexes.
type Case struct {
	Unit, Step int
}

// ScanOptions are the space-time permutation scan's limits (SaTScan's
// defaults: clusters up to half the units and half the period).
type ScanOptions struct {
	// MaxUnitsShare bounds a cylinder's base to this share of the units
	// (0.5).
	MaxUnitsShare float64
	// MaxSteps bounds a cylinder's length in steps (0: half the period).
	MaxSteps int
	// Replicates is the number of Monte Carlo permutations (999).
	Replicates int
	// Seed makes the permutations reproducible.
	Seed uint64
}

// DefaultScan returns SaTScan's defaults with 999 replicates.
func DefaultScan() ScanOptions { return ScanOptions{MaxUnitsShare: 0.5, Replicates: 999} }

// Cluster is a space-time cylinder: the units within a circle around a
// centre, over a window of steps.
type Cluster struct {
	Units    []int   `json:"-"`
	Centre   int     `json:"-"`
	RadiusM  float64 `json:"radius_m"`
	FromStep int     `json:"from_step"`
	ToStep   int     `json:"to_step"` // inclusive
	Observed int     `json:"observed"`
	Expected float64 `json:"expected"`
	LLR      float64 `json:"llr"`
	P        float64 `json:"p"`
	Rank     int     `json:"rank"`
}

// ScanResult holds the most likely cluster and the secondary clusters that
// overlap none before them, each with its Monte Carlo p-value.
type ScanResult struct {
	Cases      int       `json:"cases"`
	Replicates int       `json:"replicates"`
	Clusters   []Cluster `json:"clusters"`
}

// circle is one cylinder base: a centre's nearest units, nearest first.
type circle struct {
	centre int
	units  []int
	radius []float64
}

// Scan runs Kulldorff's space-time permutation scan (Kulldorff et al.
// 2005) on cases over units and steps (0..steps-1). The expected count of a
// cylinder A is μ_A = Σ_{z∈A} C_z · Σ_{d∈A} C_d / C (unit and step
// margins), and its log-likelihood ratio, for c_A > μ_A,
//
//	LLR_A = c_A ln(c_A/μ_A) + (C − c_A) ln((C − c_A)/(C − μ_A)).
//
// The p-value of a cluster is (1 + #{replicates whose maximum LLR ≥ its
// LLR}) / (1 + replicates), each replicate permuting the steps among the
// cases, which keeps both margins. Cylinders are circles around each unit
// (growing one nearest unit at a time) crossed with every window of
// consecutive steps up to the limits.
func Scan(ctx context.Context, units []Unit, steps int, cases []Case, opt ScanOptions) (*ScanResult, error) {
	if len(units) < 3 || steps < 1 {
		return nil, ErrTooFew
	}
	if len(cases) == 0 {
		return &ScanResult{Replicates: opt.Replicates, Clusters: []Cluster{}}, nil
	}
	for _, c := range cases {
		if c.Unit < 0 || c.Unit >= len(units) || c.Step < 0 || c.Step >= steps {
			return nil, errors.New("hotspot: a case falls outside the units or steps")
		}
	}
	maxUnits := max(1, int(math.Floor(opt.MaxUnitsShare*float64(len(units)))))
	maxSteps := opt.MaxSteps
	if maxSteps <= 0 {
		maxSteps = max(1, steps/2)
	}
	circles := buildCircles(units, maxUnits)
	s := &scanner{units: len(units), steps: steps, circles: circles, maxSteps: maxSteps, total: float64(len(cases))}
	s.margins(cases)
	observed := s.all(s.counts(cases))
	res := &ScanResult{Cases: len(cases), Replicates: opt.Replicates}
	res.Clusters = secondary(observed, circles, units)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5ca9))
	stepsOf := make([]int, len(cases))
	for i, c := range cases {
		stepsOf[i] = c.Step
	}
	perm := make([]Case, len(cases))
	maxima := make([]float64, opt.Replicates)
	for r := range opt.Replicates {
		if r%16 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rng.Shuffle(len(stepsOf), func(i, j int) { stepsOf[i], stepsOf[j] = stepsOf[j], stepsOf[i] })
		for i, c := range cases {
			perm[i] = Case{Unit: c.Unit, Step: stepsOf[i]}
		}
		maxima[r] = s.best(s.counts(perm))
	}
	for i := range res.Clusters {
		c := &res.Clusters[i]
		ge := 0
		for _, m := range maxima {
			if m >= c.LLR-1e-9 {
				ge++
			}
		}
		c.P = float64(1+ge) / float64(1+opt.Replicates)
		c.Rank = i + 1
	}
	return res, nil
}

func buildCircles(units []Unit, maxUnits int) []circle {
	out := make([]circle, len(units))
	for i, u := range units {
		idx := make([]int, len(units))
		d := make([]float64, len(units))
		for j, v := range units {
			idx[j] = j
			d[j] = math.Hypot(u.X-v.X, u.Y-v.Y)
		}
		sort.SliceStable(idx, func(a, b int) bool { return d[idx[a]] < d[idx[b]] })
		c := circle{centre: i}
		for _, j := range idx[:maxUnits] {
			c.units = append(c.units, j)
			c.radius = append(c.radius, d[j])
		}
		out[i] = c
	}
	return out
}

type scanner struct {
	units, steps int
	circles      []circle
	maxSteps     int
	total        float64
	unitMargin   []float64
	stepPrefix   []float64
}

func (s *scanner) margins(cases []Case) {
	s.unitMargin = make([]float64, s.units)
	step := make([]float64, s.steps)
	for _, c := range cases {
		s.unitMargin[c.Unit]++
		step[c.Step]++
	}
	s.stepPrefix = make([]float64, s.steps+1)
	for d, v := range step {
		s.stepPrefix[d+1] = s.stepPrefix[d] + v
	}
}

func (s *scanner) counts(cases []Case) []float64 {
	m := make([]float64, s.units*s.steps)
	for _, c := range cases {
		m[c.Unit*s.steps+c.Step]++
	}
	return m
}

// candidate is a cylinder with its LLR.
type candidate struct {
	circle, k, from, to int
	obs                 float64
	exp, llr            float64
}

// walk calls fn for every cylinder with c > μ.
func (s *scanner) walk(m []float64, fn func(candidate)) {
	acc := make([]float64, s.steps)
	prefix := make([]float64, s.steps+1)
	for ci, c := range s.circles {
		clear(acc)
		unitSum := 0.0
		for k, u := range c.units {
			row := m[u*s.steps : (u+1)*s.steps]
			for d, v := range row {
				acc[d] += v
			}
			unitSum += s.unitMargin[u]
			for d, v := range acc {
				prefix[d+1] = prefix[d] + v
			}
			for from := range s.steps {
				for to := from; to < s.steps && to-from < s.maxSteps; to++ {
					obs := prefix[to+1] - prefix[from]
					exp := unitSum * (s.stepPrefix[to+1] - s.stepPrefix[from]) / s.total
					if obs <= exp {
						continue
					}
					fn(candidate{circle: ci, k: k, from: from, to: to, obs: obs, exp: exp, llr: llr(obs, exp, s.total)})
				}
			}
		}
	}
}

func llr(c, mu, total float64) float64 {
	v := c * math.Log(c/mu)
	if total-c > 0 {
		v += (total - c) * math.Log((total-c)/(total-mu))
	}
	return v
}

// best is the largest LLR of any cylinder: walk without the callback, the
// loop every Monte Carlo replicate runs.
func (s *scanner) best(m []float64) float64 {
	b := 0.0
	acc := make([]float64, s.steps)
	prefix := make([]float64, s.steps+1)
	for _, c := range s.circles {
		clear(acc)
		unitSum := 0.0
		for _, u := range c.units {
			for d, v := range m[u*s.steps : (u+1)*s.steps] {
				acc[d] += v
			}
			unitSum += s.unitMargin[u]
			for d, v := range acc {
				prefix[d+1] = prefix[d] + v
			}
			scale := unitSum / s.total
			for from := range s.steps {
				last := min(s.steps, from+s.maxSteps)
				for to := from; to < last; to++ {
					obs := prefix[to+1] - prefix[from]
					exp := scale * (s.stepPrefix[to+1] - s.stepPrefix[from])
					if obs > exp {
						if v := llr(obs, exp, s.total); v > b {
							b = v
						}
					}
				}
			}
		}
	}
	return b
}

// keepCandidates bounds how many cylinders all keeps for choosing the
// secondary clusters: the best ones always survive a prune.
const keepCandidates = 20000

// all lists the best cylinders with an excess, best first.
func (s *scanner) all(m []float64) []candidate {
	var out []candidate
	prune := func() {
		sort.SliceStable(out, func(i, j int) bool { return out[i].llr > out[j].llr })
		if len(out) > keepCandidates {
			out = out[:keepCandidates]
		}
	}
	s.walk(m, func(c candidate) {
		out = append(out, c)
		if len(out) >= 10*keepCandidates {
			prune()
		}
	})
	prune()
	return out
}

// secondary keeps the best cylinder and then each next one whose units and
// steps overlap none kept before (SaTScan's "no geographical overlap" in
// space-time), at most 10.
func secondary(cands []candidate, circles []circle, units []Unit) []Cluster {
	out := []Cluster{}
	type cell struct{ u, d int }
	used := map[cell]bool{}
	for _, c := range cands {
		if len(out) == 10 {
			break
		}
		ci := circles[c.circle]
		members := ci.units[:c.k+1]
		overlap := false
		for _, u := range members {
			for d := c.from; d <= c.to && !overlap; d++ {
				overlap = used[cell{u, d}]
			}
		}
		if overlap {
			continue
		}
		for _, u := range members {
			for d := c.from; d <= c.to; d++ {
				used[cell{u, d}] = true
			}
		}
		ids := append([]int(nil), members...)
		sort.Ints(ids)
		out = append(out, Cluster{Units: ids, Centre: ci.centre, RadiusM: ci.radius[c.k], FromStep: c.from, ToStep: c.to,
			Observed: int(c.obs), Expected: c.exp, LLR: c.llr})
	}
	return out
}
