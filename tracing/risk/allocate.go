package risk

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Constraints bound an allocation of inspections (Hino et al. 2018 §
// "constrained"): every facility keeps a minimum chance of inspection
// (fairness: no facility can learn it is never inspected), and every area
// gets its share of the budget.
type Constraints struct {
	// MinProbability is the least inspection probability of every
	// facility; it is met by a uniform random draw of
	// ceil(MinProbability × N) inspections from the facilities not
	// targeted. 0 disables it.
	MinProbability float64
	// RandomShare is the documented random share of the budget (plans use
	// it so that calibration has unbiased outcomes); the random draw is
	// the larger of the two.
	RandomShare float64
	// Area maps a facility to its area; with it, the targeted part of the
	// budget is split among areas in proportion to their facilities
	// (largest remainders), and each area's quota goes to its highest
	// ranked facilities.
	Area map[string]string
}

// Allocation is who is inspected: the targeted facilities (by rank) and
// the random draw, each with the probability of being inspected.
type Allocation struct {
	Targeted []string
	Random   []string
	// Probability is each facility's inspection probability under the
	// design: 1 for the targeted, R/(N−|targeted|) for the rest.
	Probability map[string]float64
}

// Allocate spends budget inspections on the ranked facilities (best
// first) under the constraints, drawing the random part with rng.
func Allocate(ranked []string, budget int, c Constraints, rng *rand.Rand) (*Allocation, error) {
	n := len(ranked)
	if budget < 0 || c.MinProbability < 0 || c.MinProbability > 1 || c.RandomShare < 0 || c.RandomShare > 1 {
		return nil, fmt.Errorf("risk: allocation: budget %d, minimum probability %v and random share %v must be non-negative (and at most 1)", budget, c.MinProbability, c.RandomShare)
	}
	budget = min(budget, n)
	random := max(int(math.Ceil(c.MinProbability*float64(n)-1e-9)), int(math.Round(c.RandomShare*float64(budget))))
	random = min(random, budget)
	targeted := pickTargets(ranked, budget-random, c.Area)
	a := &Allocation{Targeted: targeted, Probability: map[string]float64{}}
	in := map[string]bool{}
	for _, id := range targeted {
		in[id] = true
		a.Probability[id] = 1
	}
	var rest []string
	for _, id := range ranked {
		if !in[id] {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		p := float64(random) / float64(len(rest))
		for _, id := range rest {
			a.Probability[id] = p
		}
		perm := rng.Perm(len(rest))
		for _, i := range perm[:random] {
			a.Random = append(a.Random, rest[i])
		}
	}
	return a, nil
}

// pickTargets takes the k best, or with areas each area's quota of its
// best.
func pickTargets(ranked []string, k int, area map[string]string) []string {
	if k <= 0 {
		return nil
	}
	if area == nil {
		return append([]string{}, ranked[:k]...)
	}
	count := map[string]int{}
	for _, id := range ranked {
		count[area[id]]++
	}
	quota := Quotas(count, k)
	var out []string
	for _, id := range ranked {
		if a := area[id]; quota[a] > 0 {
			quota[a]--
			out = append(out, id)
		}
	}
	return out
}

// Quotas splits k among groups in proportion to their sizes by largest
// remainders (ties by group name), never giving a group more than it has.
func Quotas(size map[string]int, k int) map[string]int {
	total := 0
	names := make([]string, 0, len(size))
	for g, s := range size {
		total += s
		names = append(names, g)
	}
	sort.Strings(names)
	q := map[string]int{}
	if total == 0 {
		return q
	}
	given := 0
	rem := map[string]float64{}
	for _, g := range names {
		exact := float64(k) * float64(size[g]) / float64(total)
		q[g] = int(exact)
		rem[g] = exact - float64(q[g])
		given += q[g]
	}
	sort.SliceStable(names, func(a, b int) bool { return rem[names[a]] > rem[names[b]] })
	for i := 0; given < k && i < len(names); i++ {
		if q[names[i]] < size[names[i]] {
			q[names[i]]++
			given++
		}
	}
	return q
}

// ExpectedFound is the expected number of violators an allocation's design
// finds: Σ probability × violation.
func (a *Allocation) ExpectedFound(violating map[string]bool) float64 {
	var s float64
	for id, p := range a.Probability {
		if violating[id] {
			s += p
		}
	}
	return s
}

// HitCurve is the cumulative number of violators found after inspecting
// the first k facilities of an order, for k = 1..len(order).
func HitCurve(order []string, violating map[string]bool) []int {
	out := make([]int, len(order))
	n := 0
	for i, id := range order {
		if violating[id] {
			n++
		}
		out[i] = n
	}
	return out
}

// MeanDiscovery is the mean position (0 = first, 1 = last) at which an
// order reaches the violators: inspecting the list at an even pace over a
// period of D days, violators are found MeanDiscovery × D days into it
// (Chicago's "found k days earlier" compares two orders by it). Random
// order reaches them on average at (N−1)/(2N)… ≈ 0.5. NaN without
// violators.
func MeanDiscovery(order []string, violating map[string]bool) float64 {
	var s float64
	var n int
	for i, id := range order {
		if violating[id] {
			s += float64(i) / float64(len(order))
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}
