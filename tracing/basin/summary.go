package basin

import (
	"slices"
	"sort"
	"sync"

	"github.com/envtrace/envtrace/hydro"
)

// Summary is everything upstream of a reach, told without listing its
// reaches: how many there are and how long, and which dischargers and
// monitoring stations lie on them. GET /api/v1/basin and `envtrace network
// basin` both answer with it, so their JSON is the same.
type Summary struct {
	// Start is the reach the basin drains to; Minor says whether minor
	// divergences (canals, braids) were followed into it.
	Start string `json:"start"`
	Minor bool   `json:"minor"`
	hydro.Totals
	// Upstream is nil when no dataset is placed on the network.
	Upstream *Placed `json:"upstream,omitempty"`
}

// Placed lists the dataset's objects on the reaches of a basin, in id
// order, the start reach included (a whole-reach answer: a point on the
// start reach is not asked for).
type Placed struct {
	// Facilities are the dischargers with at least one outfall upstream.
	Facilities []string `json:"facilities"`
	// Outfalls counts those outfalls.
	Outfalls int `json:"outfalls"`
	// Stations are the monitoring stations upstream.
	Stations []string `json:"stations"`
}

// byReach lists placed objects sorted by reach index, so the objects of a
// span are found with two binary searches.
type byReach struct {
	reach []int32
	name  []string // facility or station id, parallel to reach
}

func (x *byReach) sort() {
	idx := make([]int, len(x.reach))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x.reach[idx[a]] < x.reach[idx[b]] })
	r, n := make([]int32, len(idx)), make([]string, len(idx))
	for k, i := range idx {
		r[k], n[k] = x.reach[i], x.name[i]
	}
	x.reach, x.name = r, n
}

// in returns the names on reaches in [lo, hi).
func (x *byReach) in(lo, hi int32) []string {
	a, _ := slices.BinarySearch(x.reach, lo)
	b, _ := slices.BinarySearch(x.reach, hi)
	return x.name[a:b]
}

// placedIndex is the basin's outfalls and stations by reach, built on
// first use.
type placedIndex struct {
	once     sync.Once
	outfalls byReach
	stations byReach
}

func (b *Basin) placedByReach() *placedIndex {
	b.placed.once.Do(func() {
		p := b.placed
		for r, os := range b.outfalls {
			for _, o := range os {
				p.outfalls.reach = append(p.outfalls.reach, r)
				p.outfalls.name = append(p.outfalls.name, o.Outfall.Facility)
			}
		}
		for id, pl := range b.stations {
			p.stations.reach = append(p.stations.reach, pl.Reach)
			p.stations.name = append(p.stations.name, id)
		}
		p.outfalls.sort()
		p.stations.sort()
	})
	return b.placed
}

// PlacedIn lists the dischargers and stations on the reaches of spans
// (a basin as hydro.TotalsIndex.Upstream returns it), without visiting the
// reaches: two binary searches a span.
func (b *Basin) PlacedIn(spans []hydro.Span) *Placed {
	idx := b.placedByReach()
	out := &Placed{Facilities: []string{}, Stations: []string{}}
	seen := map[string]bool{}
	for _, s := range spans {
		for _, f := range idx.outfalls.in(s.Lo(), s.Hi()) {
			out.Outfalls++
			if !seen[f] {
				seen[f] = true
				out.Facilities = append(out.Facilities, f)
			}
		}
		out.Stations = append(out.Stations, idx.stations.in(s.Lo(), s.Hi())...)
	}
	sort.Strings(out.Facilities)
	sort.Strings(out.Stations)
	return out
}
