// Package basin places a dataset's outfalls and monitoring stations on the
// river network and answers "what lies upstream of this point, how far, and
// how long does the water take": the shared ground of suspect tracing and
// load balances.
package basin

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
)

// Place is a point located on the network.
type Place struct {
	Reach int32
	// Measure runs 0–100 from the reach's downstream end.
	Measure float64
	// OffsetM is the distance from the point to the reach.
	OffsetM float64
}

// PlacedOutfall is an outfall with its place on the network.
type PlacedOutfall struct {
	Outfall *model.Outfall
	Place   Place
}

// Basin is a network with a dataset placed on it. It is read-only after
// New and safe for concurrent use.
type Basin struct {
	Net *hydro.Network
	DS  *model.Dataset

	outfalls map[int32][]PlacedOutfall
	stations map[string]Place
	// marked flags the reaches holding an outfall or a station: the only
	// reaches whose distances an upstream query needs to keep.
	marked []bool
	// placed indexes outfalls and stations by reach for PlacedIn; a
	// pointer, so that copies of the Basin made for a new dataset
	// snapshot share it, as they share the placements.
	placed *placedIndex
	// Unplaced lists outfalls and stations too far from any reach, so a
	// data steward can fix them.
	Unplaced []string
	// maxM is how far from a reach a point is placed (New's maxM).
	maxM float64
}

// New places every outfall and station within maxM metres of a reach
// (0 means 200 m).
func New(net *hydro.Network, ds *model.Dataset, maxM float64) (*Basin, error) {
	if maxM <= 0 {
		maxM = 200
	}
	b := &Basin{Net: net, DS: ds, outfalls: map[int32][]PlacedOutfall{}, stations: map[string]Place{}, placed: &placedIndex{}, maxM: maxM}
	for i := range ds.Outfalls {
		b.placeOutfall(&ds.Outfalls[i])
	}
	for i := range ds.Stations {
		b.placeStation(&ds.Stations[i])
	}
	b.marked = make([]bool, net.Len())
	for r := range b.outfalls {
		b.marked[r] = true
	}
	for _, p := range b.stations {
		b.marked[p.Reach] = true
	}
	return b, nil
}

// placeOutfall snaps o to its reach, or lists it as unplaced.
func (b *Basin) placeOutfall(o *model.Outfall) {
	p, err := b.locate(o.Point, b.maxM)
	if err != nil {
		b.Unplaced = append(b.Unplaced, unplacedOutfall(o.Facility)+fmt.Sprintf("%s: %v", o.ID, err))
		return
	}
	b.outfalls[p.Reach] = append(b.outfalls[p.Reach], PlacedOutfall{o, p})
}

// placeStation snaps s to its reach, or lists it as unplaced.
func (b *Basin) placeStation(s *model.Station) {
	p, err := b.locate(s.Point, b.maxM)
	if err != nil {
		b.Unplaced = append(b.Unplaced, unplacedStation(s.ID)+fmt.Sprintf(" %v", err))
		return
	}
	b.stations[s.ID] = p
}

// unplacedOutfall and unplacedStation begin the Unplaced entries of a
// facility's outfalls and of a station.
func unplacedOutfall(facility string) string { return "outfall " + facility + "/" }
func unplacedStation(id string) string       { return "station " + id + ":" }

// With returns the basin of ds, a later version of b.DS (model.Dataset.
// WithRecords), on b's network: the outfalls of the facilities listed and
// the stations listed are placed again, because they are new or may have
// moved; every other placement is b's, so the cost grows with the changed
// records, not with the network or the dataset's other facilities. The
// placements come out as New would place ds. b is unchanged, and readers
// holding it keep it.
func (b *Basin) With(ds *model.Dataset, facilities, stations []string) *Basin {
	redo := map[string]bool{}
	for _, f := range facilities {
		redo[f] = true
	}
	n := &Basin{Net: b.Net, DS: ds, outfalls: make(map[int32][]PlacedOutfall, len(b.outfalls)), stations: maps.Clone(b.stations),
		marked: b.marked, placed: &placedIndex{}, maxM: b.maxM}
	for r, os := range b.outfalls {
		keep := make([]PlacedOutfall, 0, len(os))
		for _, o := range os {
			if redo[o.Outfall.Facility] {
				continue
			}
			// ds holds its own copy of every record: point at it.
			if no, ok := ds.Outfall(o.Outfall.Facility, o.Outfall.ID); ok {
				keep = append(keep, PlacedOutfall{no, o.Place})
			}
		}
		if len(keep) > 0 {
			n.outfalls[r] = keep
		}
	}
	again := map[string]bool{}
	for _, id := range stations {
		again[id] = true
		delete(n.stations, id)
	}
	for _, u := range b.Unplaced {
		if !slices.ContainsFunc(facilities, func(f string) bool { return strings.HasPrefix(u, unplacedOutfall(f)) }) &&
			!slices.ContainsFunc(stations, func(s string) bool { return strings.HasPrefix(u, unplacedStation(s)) }) {
			n.Unplaced = append(n.Unplaced, u)
		}
	}
	touched := map[int32]bool{}
	for _, f := range facilities {
		for _, o := range ds.OutfallsOf(f) {
			n.placeOutfall(o)
		}
	}
	for r, os := range n.outfalls {
		for _, o := range os {
			if redo[o.Outfall.Facility] {
				touched[r] = true
			}
		}
	}
	for _, id := range stations {
		if s, ok := ds.Station(id); ok {
			n.placeStation(s)
		}
	}
	if len(touched) > 0 {
		// New places the outfalls of a reach in the dataset's order.
		pos := make(map[model.OutfallKey]int, len(ds.Outfalls))
		for i, o := range ds.Outfalls {
			pos[model.OutfallKey{Facility: o.Facility, ID: o.ID}] = i
		}
		for r := range touched {
			slices.SortStableFunc(n.outfalls[r], func(a, c PlacedOutfall) int {
				return pos[model.OutfallKey{Facility: a.Outfall.Facility, ID: a.Outfall.ID}] - pos[model.OutfallKey{Facility: c.Outfall.Facility, ID: c.Outfall.ID}]
			})
		}
	}
	// A reach keeps its mark when its outfall or station moved away: a
	// mark only keeps a distance an upstream query may not need.
	var marks []int32
	for r := range touched {
		marks = append(marks, r)
	}
	for id := range again {
		if p, ok := n.stations[id]; ok {
			marks = append(marks, p.Reach)
		}
	}
	for _, r := range marks {
		if !n.marked[r] {
			n.marked = slices.Clone(b.marked)
			for _, r := range marks {
				n.marked[r] = true
			}
			break
		}
	}
	return n
}

// ToNetwork converts a TWD97 point into the network's coordinates.
func (b *Basin) ToNetwork(p model.Point) (orb.Point, error) {
	pt := orb.Point{p.X, p.Y}
	switch {
	case b.Net.SRID == 3826 || (b.Net.SRID == 0 && !b.Net.Geographic):
		return pt, nil
	case b.Net.Geographic:
		return crs.Transform(crs.Code(3826), crs.Code(4326), pt)
	}
	return crs.Transform(crs.Code(3826), crs.Code(b.Net.SRID), pt)
}

func (b *Basin) locate(p model.Point, maxM float64) (Place, error) {
	pt, err := b.ToNetwork(p)
	if err != nil {
		return Place{}, err
	}
	snaps, err := b.Net.SnapPoint(pt, 1, maxM)
	if err != nil {
		return Place{}, err
	}
	if len(snaps) == 0 {
		return Place{}, fmt.Errorf("no reach within %.0f m of (%.1f, %.1f)", maxM, p.X, p.Y)
	}
	return Place{Reach: snaps[0].Reach, Measure: snaps[0].Measure, OffsetM: snaps[0].OffsetM}, nil
}

// Station returns a station's place.
func (b *Basin) Station(id string) (Place, bool) {
	p, ok := b.stations[id]
	return p, ok
}

// StationIDs lists the placed stations in id order.
func (b *Basin) StationIDs() []string {
	out := make([]string, 0, len(b.stations))
	for id := range b.stations {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// OutfallsOn lists the outfalls placed on reach r.
func (b *Basin) OutfallsOn(r int32) []PlacedOutfall { return b.outfalls[r] }

// Upstream is everything upstream of a place, with distances and travel
// times to it for the reaches that hold an outfall or a station.
type Upstream struct {
	from    Place
	reaches map[int32][2]float64 // km and hours from the reach's downstream end
	spans   []hydro.Span         // set when membership comes from the index
	lenKm   float64
	hours   float64
	net     *hydro.Network
}

// UpstreamOf navigates upstream of p (UT) within maxHours of travel, and
// keeps distances and travel times for the reaches that hold outfalls or
// stations. With maxHours 0 there is no limit, and membership is read from
// the upstream index's intervals without visiting every reach.
func (b *Basin) UpstreamOf(ctx context.Context, p Place, maxHours float64) (*Upstream, error) {
	u := &Upstream{from: p, reaches: map[int32][2]float64{}, net: b.Net}
	a := b.Net.Attrs(p.Reach)
	u.lenKm, u.hours = a.LengthKm, a.TravelHours
	err := b.Net.Navigate(ctx, hydro.Query{Mode: hydro.UT, Start: p.Reach, MaxHours: maxHours}, func(h hydro.Hit) bool {
		if b.marked[h.Reach] {
			u.reaches[h.Reach] = [2]float64{h.DistanceKm, h.TravelHours}
		}
		return true
	})
	return u, err
}

// Above is the set of reaches upstream of a place with no limit, answered
// from the upstream index: membership only, in O(log k) a lookup.
func (b *Basin) Above(p Place) *Upstream {
	return &Upstream{from: p, spans: b.Net.UpstreamSpans(hydro.Query{Mode: hydro.UT, Start: p.Reach}, nil), net: b.Net}
}

// Reaches lists the upstream reaches that hold an outfall or a station,
// in index order (UpstreamOf only).
func (u *Upstream) Reaches() []int32 {
	out := make([]int32, 0, len(u.reaches))
	for r := range u.reaches {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Along gives the network distance (km) and travel time (hours) from a
// point on reach r at measure m down to the place, and false when the point
// is not upstream of it or r holds no outfall or station (UpstreamOf only).
func (u *Upstream) Along(r int32, m float64) (km, hours float64, ok bool) {
	v, ok := u.reaches[r]
	if !ok {
		return 0, 0, false
	}
	if r == u.from.Reach && m <= u.from.Measure {
		return 0, 0, false
	}
	a := u.net.Attrs(r)
	km = v[0] + a.LengthKm*m/100 - u.lenKm*u.from.Measure/100
	hours = v[1] + a.TravelHours*m/100 - u.hours*u.from.Measure/100
	return math.Max(km, 0), math.Max(hours, 0), true
}

// Contains says whether a point on reach r at measure m is upstream: any
// reach for an Above set, reaches with outfalls or stations for UpstreamOf.
func (u *Upstream) Contains(r int32, m float64) bool {
	if r == u.from.Reach && m <= u.from.Measure {
		return false
	}
	if u.spans != nil {
		k := sort.Search(len(u.spans), func(i int) bool { return u.spans[i].Hi() > r })
		return k < len(u.spans) && u.spans[k].Lo() <= r
	}
	_, ok := u.reaches[r]
	return ok
}

// OutfallsOf lists facility's outfalls placed on the network, in the
// dataset's order; an outfall too far from any reach is not among them.
func (b *Basin) OutfallsOf(facility string) []PlacedOutfall {
	var out []PlacedOutfall
	for _, os := range b.outfalls {
		for _, o := range os {
			if o.Outfall.Facility == facility {
				out = append(out, o)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Outfall.ID < out[j].Outfall.ID })
	return out
}

// StationBelow is a monitoring station downstream of a place, with the
// distance and travel time along the river from the place itself.
type StationBelow struct {
	Station     string
	DistanceKm  float64
	TravelHours float64
}

// StationsBelow lists the placed stations within km downstream of any of
// places along the main path (hydro's DM navigation), nearest first: the
// stations whose water a discharge at those places reaches. Distances run
// from the place (its measure on its reach) to the station's place; a
// station on the same reach counts only below the place. A station below
// several places keeps its nearest.
func (b *Basin) StationsBelow(ctx context.Context, places []Place, km float64) ([]StationBelow, error) {
	onReach := map[int32][]string{}
	for id, p := range b.stations {
		onReach[p.Reach] = append(onReach[p.Reach], id)
	}
	best := map[string]StationBelow{}
	n := b.Net
	for _, pl := range places {
		start := n.Attrs(pl.Reach)
		// The part of the start reach below the place.
		headKm, headH := pl.Measure/100*start.LengthKm, pl.Measure/100*start.TravelHours
		q := hydro.Query{Mode: hydro.DM, Start: pl.Reach, DistanceKm: km, HasDistance: true}
		err := n.Navigate(ctx, q, func(h hydro.Hit) bool {
			for _, st := range onReach[h.Reach] {
				sp := b.stations[st]
				var d, t float64
				if h.Reach == pl.Reach {
					if sp.Measure > pl.Measure {
						continue // above the place
					}
					d = (pl.Measure - sp.Measure) / 100 * start.LengthKm
					t = (pl.Measure - sp.Measure) / 100 * start.TravelHours
				} else {
					a := n.Attrs(h.Reach)
					d = headKm + h.DistanceKm + (100-sp.Measure)/100*a.LengthKm
					t = headH + h.TravelHours + (100-sp.Measure)/100*a.TravelHours
				}
				if d > km {
					continue
				}
				if cur, ok := best[st]; !ok || d < cur.DistanceKm {
					best[st] = StationBelow{Station: st, DistanceKm: d, TravelHours: t}
				}
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("stations below reach %s: %w", n.ID(pl.Reach), err)
		}
	}
	out := make([]StationBelow, 0, len(best))
	for _, v := range best {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DistanceKm != out[j].DistanceKm {
			return out[i].DistanceKm < out[j].DistanceKm
		}
		return out[i].Station < out[j].Station
	})
	return out, nil
}
