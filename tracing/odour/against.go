package odour

import (
	"math"
	"time"
)

// Against is the counter-evidence against a candidate that a caller of
// RankAgainst found: the receptors its plume would have reached that
// reported nothing. The candidate's score is its votes' sum (VoteSum)
// minus Penalty, floored at 0.
type Against struct {
	// Rule says in words when a quiet receptor counts.
	Rule string `json:"rule"`
	// VoteSum is the sum of the candidate's votes before the penalty.
	VoteSum float64 `json:"vote_sum"`
	// Penalty is the sum of the quiet receptors' penalties.
	Penalty float64 `json:"penalty"`
	// Quiet lists the receptors counted against the candidate.
	Quiet []QuietReceptor `json:"quiet"`
}

// QuietReceptor is one receptor that reported in the candidate's plume
// but read well below what the plume would have put there, given what it
// put at a receptor that did flag.
type QuietReceptor struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Flagged is the flagged receptor it was compared with, FlaggedExcess
	// that receptor's excess over the background and FlaggedPlume its
	// greatest coupling (PlumeAt's high).
	Flagged       string  `json:"flagged"`
	FlaggedExcess float64 `json:"flagged_excess"`
	FlaggedPlume  float64 `json:"flagged_plume"`
	// Plume is the receptor's least coupling (PlumeAt's low); Expected
	// is FlaggedExcess × Plume / FlaggedPlume, the least excess the
	// candidate's plume would have caused there, and Excess what the
	// receptor read over the background.
	Plume    float64 `json:"plume"`
	Expected float64 `json:"expected"`
	Excess   float64 `json:"excess"`
	// Penalty is what the receptor takes off the score.
	Penalty float64 `json:"penalty"`
}

// PlumeAt returns the plume coupling between the candidate being judged
// and a receptor at lon, lat at time t, under the same wind, spread and
// stability rules as the votes but not capped at 1 (Vote.Plume is): the
// concentration there over the reference centreline concentration at the
// detection range, so two receptors' values compare the concentrations
// one source puts at them, whatever its strength. Low and high are its
// least and greatest value as the wind direction turns through the 95 %
// band of the receptor's direction error (DirectionBand times the spread
// that widens the plume: the wind's direction error, at least
// MinSpreadDeg).
type PlumeAt func(lon, lat float64, t time.Time) (low, high float64)

// AgainstFunc computes the counter-evidence against candidate c (its
// votes filled in); nil means none.
type AgainstFunc func(c *Candidate, plume PlumeAt) *Against

// receptorKey caches the wind of a receptor across candidates.
type receptorKey struct {
	lon, lat float64
	t        int64
}

// counter applies against to c: the evidence and the reduced score.
func (e *Engine) counter(c *Candidate, s *site, against AgainstFunc, cache map[receptorKey]*pet) {
	plume := func(lon, lat float64, t time.Time) (float64, float64) {
		k := receptorKey{lon, lat, t.UnixNano()}
		p, ok := cache[k]
		if !ok {
			p = e.place(&Petition{ID: "receptor", Time: t, Lon: lon, Lat: lat})
			cache[k] = p
		}
		return e.coupleBand(p, s.x, s.y)
	}
	a := against(c, plume)
	if a == nil {
		return
	}
	a.VoteSum = c.Score
	a.Penalty = round(a.Penalty, 4)
	c.Evidence.Against = a
	c.Score = round(math.Max(0, c.Score-a.Penalty), 4)
}

// DirectionBand is how far PlumeAt turns the wind, in units of the
// receptor's direction error: the error is a mean absolute error, which
// for normal errors is σ·√(2/π), so ±1.96σ, the band holding 95 % of the
// directions, is ±1.96·√(π/2) ≈ ±2.46 mean absolute errors.
var DirectionBand = 1.96 * math.Sqrt(math.Pi/2)

// coupleBand is the least and greatest uncapped coupling from (sx, sy) to
// p as the wind turns by up to ±DirectionBand × p.spread, in eight steps
// each way.
func (e *Engine) coupleBand(p *pet, sx, sy float64) (low, high float64) {
	low = math.Inf(1)
	band := DirectionBand * p.spread
	for i := -8; i <= 8; i++ {
		r := e.coupleTurned(p, sx, sy, float64(i)*band/8).raw
		low, high = math.Min(low, r), math.Max(high, r)
	}
	return low, high
}
