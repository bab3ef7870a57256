package hydro

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Mode is an NLDI navigation mode.
type Mode string

// The four navigation modes of the USGS NLDI.
const (
	// UT is upstream with tributaries: everything that drains to the start.
	UT Mode = "UT"
	// UM is the upstream main stem.
	UM Mode = "UM"
	// DM is the downstream main stem to the outlet.
	DM Mode = "DM"
	// DD is downstream with diversions: every reach the water can reach.
	DD Mode = "DD"
)

// ParseMode accepts a mode name in any case.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToUpper(strings.TrimSpace(s))); m {
	case UT, UM, DM, DD:
		return m, nil
	}
	return "", fmt.Errorf("unknown navigation mode %q (want UT, UM, DM or DD)", s)
}

// Query is one navigation request, built at the edge (CLI flag or HTTP
// parameter) and validated by Navigate.
type Query struct {
	Mode  Mode
	Start int32 // internal reach index, from Network.Index
	// DistanceKm limits the result by distance when HasDistance is set; a
	// limit of 0 keeps only the start (and zero-length reaches), as NLDI does.
	DistanceKm  float64
	HasDistance bool
	// MaxHours limits the result by travel time; 0 means no limit.
	MaxHours float64
	// SkipMinor stops navigation from climbing (UT) or following (DD)
	// minor divergences.
	SkipMinor bool
}

// Hit is one reach of a navigation result.
type Hit struct {
	Reach       int32
	DistanceKm  float64
	TravelHours float64
}

// checkEvery is how many results pass between context checks.
const checkEvery = 1 << 12

func (n *Network) validate(q Query) error {
	if q.Start < 0 || q.Start >= n.n {
		return fmt.Errorf("%w: index %d", ErrUnknownReach, q.Start)
	}
	if n.flags[q.Start]&flagCoast != 0 {
		return fmt.Errorf("%w: %s is a coastline (fcode %d)", ErrNotNavigable, n.ID(q.Start), FCodeCoastline)
	}
	if q.DistanceKm < 0 || math.IsNaN(q.DistanceKm) || math.IsInf(q.DistanceKm, 0) {
		return fmt.Errorf("distance limit must be a finite number of km ≥ 0, got %v", q.DistanceKm)
	}
	if q.MaxHours < 0 || math.IsNaN(q.MaxHours) || math.IsInf(q.MaxHours, 0) {
		return fmt.Errorf("travel-time limit must be a finite number of hours ≥ 0, got %v", q.MaxHours)
	}
	return nil
}

// Navigate streams the reaches q reaches, in no guaranteed order, to yield
// until yield returns false. It checks ctx as it goes, so a huge upstream
// trace can be cancelled, and never holds the whole result.
func (n *Network) Navigate(ctx context.Context, q Query, yield func(Hit) bool) error {
	if err := n.validate(q); err != nil {
		return err
	}
	switch q.Mode {
	case UT:
		return n.upstream(ctx, q, yield)
	case UM:
		return n.upMainStem(ctx, q, yield)
	case DM:
		return n.downMainStem(ctx, q, yield)
	case DD:
		return n.downDiversions(ctx, q, yield)
	}
	return fmt.Errorf("unknown navigation mode %q", q.Mode)
}

// NavigateAll collects a navigation result.
func (n *Network) NavigateAll(ctx context.Context, q Query) ([]Hit, error) {
	var out []Hit
	err := n.Navigate(ctx, q, func(h Hit) bool { out = append(out, h); return true })
	return out, err
}

// limits holds a query's pruning rule for upstream reaches.
type limits struct {
	pathMax  float64 // NLDI rule: pathlength ≤ start.pathlength + d
	distMax  float64 // computed networks: network distance ≤ d
	hoursMax float64
}

func (n *Network) upLimits(q Query) limits {
	l := limits{pathMax: math.Inf(1), distMax: math.Inf(1), hoursMax: math.Inf(1)}
	if q.HasDistance {
		if n.hasNHD {
			l.pathMax = n.pathKm.at(q.Start) + q.DistanceKm
		} else {
			l.distMax = q.DistanceKm
		}
	}
	if q.MaxHours > 0 {
		l.hoursMax = q.MaxHours
	}
	return l
}

// none says the query has no limit.
func (l limits) none() bool {
	return math.IsInf(l.pathMax, 1) && math.IsInf(l.distMax, 1) && math.IsInf(l.hoursMax, 1)
}

func (l limits) pass(path, dist, hours float64) bool {
	return path <= l.pathMax && dist <= l.distMax+1e-9 && hours <= l.hoursMax+1e-12
}

// span is a processed interval [lo, hi) of the upstream index.
type span struct{ lo, hi int32 }

// upstream answers UT as a union of index intervals: the start's subtree,
// plus, for every minor divergence draining into a reach already in the
// result, the subtree of the reach it leaves. Within an interval, a reach
// that fails a limit is skipped with its whole subtree, since distance and
// time only grow upstream.
func (n *Network) upstream(ctx context.Context, q Query, yield func(Hit) bool) error {
	lim := n.upLimits(q)
	type root struct {
		r            int32
		baseKm, base float64 // distance and hours at the root's downstream end
	}
	work := []root{{r: q.Start}}
	var done []span // maximal processed intervals, disjoint, sorted
	emitted := 0
	for len(work) > 0 {
		rt := work[len(work)-1]
		work = work[:len(work)-1]
		lo, hi := rt.r, rt.r+n.size[rt.r]
		// Is the root already inside a processed interval?
		k, _ := slices.BinarySearchFunc(done, lo, func(s span, t int32) int { return int(s.lo - t) })
		if k < len(done) && done[k].lo == lo {
			continue
		}
		if k > 0 && done[k-1].hi > lo {
			continue
		}
		// Processed intervals inside this one are skipped, then merged.
		j := k
		for j < len(done) && done[j].lo < hi {
			j++
		}
		inner := slices.Clone(done[k:j])
		done = slices.Replace(done, k, j, span{lo, hi})

		c0, h0 := n.cumKm[lo], n.cumHours[lo]
		if lim.none() {
			// No limit: the interval less the processed ones, in runs.
			bk, bh := rt.baseKm, rt.base
			p := lo
			for ix := 0; ix <= len(inner); ix++ {
				end := hi
				if ix < len(inner) {
					end = inner[ix].lo
				}
				for p < end {
					stop := min(end, p+checkEvery)
					cum, hrs := n.cumKm[p:stop], n.cumHours[p:stop]
					for k := range cum {
						if !yield(Hit{Reach: p + int32(k), DistanceKm: cum[k] - c0 + bk, TravelHours: hrs[k] - h0 + bh}) {
							return nil
						}
					}
					p = stop
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				if ix < len(inner) {
					p = inner[ix].hi
				}
			}
		} else {
			p, ix := lo, 0
			for p < hi {
				if ix < len(inner) && inner[ix].lo == p {
					p = inner[ix].hi
					ix++
					continue
				}
				d := n.cumKm[p] - c0 + rt.baseKm
				h := n.cumHours[p] - h0 + rt.base
				if !lim.pass(n.pathKm.at(p), d, h) {
					p += n.size[p]
					for ix < len(inner) && inner[ix].lo < p {
						ix++
					}
					continue
				}
				if !yield(Hit{Reach: p, DistanceKm: d, TravelHours: h}) {
					return nil
				}
				emitted++
				if emitted%checkEvery == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				p++
			}
		}
		if q.SkipMinor {
			continue
		}
		e, _ := slices.BinarySearchFunc(n.minorUp, lo, func(x edge, t int32) int { return int(x.To - t) })
		for ; e < len(n.minorUp) && n.minorUp[e].To < hi; e++ {
			t := n.minorUp[e].To
			if inSpans(inner, t) {
				continue // handled when that interval was processed
			}
			if !n.reachedWithin(lo, t, lim, rt.baseKm, rt.base) {
				continue
			}
			d := n.cumKm[t] - c0 + rt.baseKm + n.lenKm.at(t)
			h := n.cumHours[t] - h0 + rt.base + n.reachHours(t)
			work = append(work, root{r: n.minorUp[e].From, baseKm: d, base: h})
		}
	}
	return nil
}

// reachedWithin reports whether reach t, inside the interval rooted at lo,
// passed the limits; limits are monotone upstream so t's own values decide.
func (n *Network) reachedWithin(lo, t int32, lim limits, baseKm, baseH float64) bool {
	d := n.cumKm[t] - n.cumKm[lo] + baseKm
	h := n.cumHours[t] - n.cumHours[lo] + baseH
	return lim.pass(n.pathKm.at(t), d, h)
}

func inSpans(s []span, v int32) bool {
	k, _ := slices.BinarySearchFunc(s, v, func(x span, t int32) int { return int(x.lo - t) })
	if k < len(s) && s[k].lo == v {
		return true
	}
	return k > 0 && s[k-1].hi > v
}

// upMainStem answers UM: the chain of uphydroseq reaches on the start's
// level path. The chain is laid out contiguously in the index (main-stem
// child first), so it is read as runs of consecutive reaches; a pointer is
// followed only where a source's uphydroseq leaves that layout.
func (n *Network) upMainStem(ctx context.Context, q Query, yield func(Hit) bool) error {
	lim := n.upLimits(q)
	lp := n.levelPath.at(q.Start)
	cur := q.Start
	var d, h float64
	for steps := 1; ; steps++ {
		if !lim.pass(n.pathKm.at(cur), d, h) {
			return nil
		}
		if !yield(Hit{Reach: cur, DistanceKm: d, TravelHours: h}) {
			return nil
		}
		next := n.upMain(cur)
		if next < 0 || n.levelPath.at(next) != lp || n.flags[next]&flagCoast != 0 {
			return nil
		}
		d += n.lenKm.at(cur)
		h += n.reachHours(cur)
		cur = next
		if steps%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if steps > int(n.n) {
			return fmt.Errorf("main stem above %s does not end", n.ID(q.Start))
		}
	}
}

// downLimit is the NLDI downstream distance rule, or network distance for
// computed networks.
func (n *Network) downPass(q Query, x int32, d, h float64) bool {
	if q.MaxHours > 0 && h > q.MaxHours+1e-12 {
		return false
	}
	if !q.HasDistance {
		return true
	}
	if n.hasNHD {
		s := q.Start
		return n.pathKm.at(x)+n.lenKm.at(x) >= n.pathKm.at(s)+n.lenKm.at(s)-q.DistanceKm
	}
	return d <= q.DistanceKm+1e-9
}

// downMainStem answers DM: the main downstream path on the start's
// terminal path.
func (n *Network) downMainStem(ctx context.Context, q Query, yield func(Hit) bool) error {
	s := q.Start
	if !yield(Hit{Reach: s}) {
		return nil
	}
	tp := n.terminalPath.at(s)
	var d, h float64
	cur := s
	for steps := 1; ; steps++ {
		x := n.down[cur]
		if x < 0 || n.flags[x]&flagCoast != 0 || n.terminalPath.at(x) != tp {
			return nil
		}
		if cur != s {
			d += n.lenKm.at(cur)
			h += n.reachHours(cur)
		}
		if !n.downPass(q, x, d, h) {
			return nil
		}
		if !yield(Hit{Reach: x, DistanceKm: d, TravelHours: h}) {
			return nil
		}
		if steps%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		cur = x
	}
}

// downDiversions answers DD: main and minor downstream paths, not beyond a
// terminal reach.
func (n *Network) downDiversions(ctx context.Context, q Query, yield func(Hit) bool) error {
	type item struct {
		r    int32
		d, h float64
	}
	s := q.Start
	seen := map[int32]bool{s: true}
	queue := []item{{r: s}}
	if !yield(Hit{Reach: s}) {
		return nil
	}
	for k := 0; k < len(queue); k++ {
		it := queue[k]
		if n.flags[it.r]&flagTerminal != 0 {
			continue
		}
		d, h := it.d, it.h
		if it.r != s {
			d += n.lenKm.at(it.r)
			h += n.reachHours(it.r)
		}
		next := func(x int32) bool {
			if x < 0 || seen[x] || n.flags[x]&flagCoast != 0 || !n.downPass(q, x, d, h) {
				return true
			}
			seen[x] = true
			queue = append(queue, item{x, d, h})
			return yield(Hit{Reach: x, DistanceKm: d, TravelHours: h})
		}
		if !next(n.down[it.r]) {
			return nil
		}
		if !q.SkipMinor {
			for _, e := range n.minorDownOf(it.r) {
				if !next(e.To) {
					return nil
				}
			}
		}
		if k%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Span is an interval [Lo(), Hi()) of internal reach indexes in the
// upstream index; reach i belongs to it when Lo() <= i < Hi().
type Span = span

// Lo is the first reach of the span.
func (s span) Lo() int32 { return s.lo }

// Hi is one past the last reach of the span.
func (s span) Hi() int32 { return s.hi }

// UpstreamSpans answers an unlimited UT query from q.Start (q.SkipMinor
// honoured; distance and time limits are not) as sorted, disjoint
// intervals of internal reach indexes, reusing buf. It is the O(k) answer
// with no per-reach work at all: "which dischargers lie upstream of this
// station" becomes interval lookups, and ids are read as n.ID(i) for i in
// each span. Coastline starts return nil.
func (n *Network) UpstreamSpans(q Query, buf []Span) []Span {
	if q.Start < 0 || q.Start >= n.n || n.flags[q.Start]&flagCoast != 0 {
		return buf[:0]
	}
	return n.upstreamSpans(q, buf)
}

// upstreamSpans returns, sorted and disjoint, the index intervals whose
// union is q's UT result without distance or time limits: the start's
// subtree and the subtree of every reach a minor divergence leads from into
// the result. A set of items keyed by reach index (dischargers, say) sorted
// by that index is then filtered upstream of a station with two binary
// searches a span, whatever the number of reaches. buf is reused.
func (n *Network) upstreamSpans(q Query, buf []span) []span {
	done := buf[:0]
	work := []int32{q.Start}
	for len(work) > 0 {
		r := work[len(work)-1]
		work = work[:len(work)-1]
		lo, hi := r, r+n.size[r]
		k, _ := slices.BinarySearchFunc(done, lo, func(s span, t int32) int { return int(s.lo - t) })
		if (k < len(done) && done[k].lo == lo) || (k > 0 && done[k-1].hi > lo) {
			continue
		}
		j := k
		for j < len(done) && done[j].lo < hi {
			j++
		}
		// Edges into intervals already processed were followed then.
		inner := done[k:j]
		if !q.SkipMinor {
			e, _ := slices.BinarySearchFunc(n.minorUp, lo, func(x edge, t int32) int { return int(x.To - t) })
			ix := 0
			for ; e < len(n.minorUp) && n.minorUp[e].To < hi; e++ {
				t := n.minorUp[e].To
				for ix < len(inner) && inner[ix].hi <= t {
					ix++
				}
				if ix < len(inner) && inner[ix].lo <= t {
					continue
				}
				if f := n.minorUp[e].From; f < lo || f >= hi {
					work = append(work, f)
				}
			}
		}
		done = slices.Replace(done, k, j, span{lo, hi})
	}
	return done
}
