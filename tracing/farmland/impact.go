package farmland

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/param"
)

// Errors of a forward impact query, for the caller to map to a status.
var (
	// ErrUnknown marks an unknown facility, station or intake reach.
	ErrUnknown = errors.New("unknown")
	// ErrUnknownParameter marks a parameter the registry does not know,
	// or one that does not travel in water.
	ErrUnknownParameter = errors.New("unknown parameter")
	// ErrNoFlow marks reaches without a mean flow: dilution cannot be
	// computed, and the result says so instead of guessing.
	ErrNoFlow = errors.New("no mean flow")
	// ErrNoValue marks a facility query without a value whose permit sets
	// no limit for the parameter.
	ErrNoValue = errors.New("no discharge value")
)

// Source is where a pollutant enters the network: a place, the
// concentration there and the flow that carries it (the effluent flow of
// an outfall; the river flow at a station), in canonical units.
type Source struct {
	Place     basin.Place
	Parameter param.Parameter
	// Conc is the concentration of the discharged water (canonical unit)
	// and FlowM3s its flow, so that the load is Conc·FlowM3s.
	Conc    float64
	FlowM3s float64
	Time    time.Time
}

// IntakeImpact is one intake the water reaches: the contract's fields.
type IntakeImpact struct {
	IntakeID    string    `json:"intake_id"`
	ReachID     string    `json:"reach_id"`
	ArrivalTime time.Time `json:"arrival_time"`
	TravelHours float64   `json:"travel_hours"`
	// Dilution is the source concentration over the intake's (before
	// decay): Q at the intake ÷ Q at the discharge along a path without
	// diversions, ≥ 1; a diversion splits the load without diluting it.
	Dilution      float64 `json:"dilution"`
	Concentration float64 `json:"concentration"`
	Unit          string  `json:"unit"`
	// Standard is the irrigation water limit (null when the standard sets
	// none for the parameter).
	Standard *float64 `json:"standard"`
	Exceeds  bool     `json:"exceeds"`
	AreaHa   float64  `json:"area_ha"`
	Office   string   `json:"office"`
}

// Impact is the contract's answer: the intakes reached, nearest in time
// first.
type Impact struct {
	Intakes []IntakeImpact `json:"intakes"`
}

// placedIntake is an intake located on the network.
type placedIntake struct {
	Intake
	place basin.Place
}

// Engine answers forward impact queries on a basin with its irrigation
// system. It is read-only after New and safe for concurrent use.
type Engine struct {
	B       *basin.Basin
	D       *Data
	intakes []placedIntake
	maxM    float64
}

// New places every intake on its reach; an intake whose reach is not in
// the network, or whose point lies farther than maxM metres (0: 300 m)
// from that reach, is an error naming it.
func New(b *basin.Basin, d *Data, maxM float64) (*Engine, error) {
	if maxM <= 0 {
		maxM = 300
	}
	e := &Engine{B: b, D: d, maxM: maxM}
	var errs []error
	for _, in := range d.Intakes {
		p, err := e.place(in, maxM)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: intake %s: %w", FileIntakes, in.ID, err))
			continue
		}
		e.intakes = append(e.intakes, placedIntake{in, p})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return e, nil
}

// On is the engine over b, a later version of the basin (basin.Basin.With
// after records changed, or new readings), so that a running server
// answers from the facilities, permits and readings it holds now. On the
// same network the intakes keep their places and On costs a copy; on
// another network they are placed again, as New places them.
func (e *Engine) On(b *basin.Basin) (*Engine, error) {
	if b.Net != e.B.Net {
		return New(b, e.D, e.maxM)
	}
	n := *e
	n.B = b
	return &n, nil
}

// place finds an intake's measure on its own reach.
func (e *Engine) place(in Intake, maxM float64) (basin.Place, error) {
	r, ok := e.B.Net.Index(in.ReachID)
	if !ok {
		return basin.Place{}, fmt.Errorf("%w reach %q (not in the network)", ErrUnknown, in.ReachID)
	}
	pt, err := e.B.ToNetwork(in.Point)
	if err != nil {
		return basin.Place{}, err
	}
	snaps, err := e.B.Net.SnapPoint(pt, 8, maxM)
	if err != nil {
		return basin.Place{}, err
	}
	for _, s := range snaps {
		if s.Reach == r {
			return basin.Place{Reach: r, Measure: s.Measure, OffsetM: s.OffsetM}, nil
		}
	}
	return basin.Place{}, fmt.Errorf("point (%.1f, %.1f) is not within %.0f m of reach %s", in.Point.X, in.Point.Y, maxM, in.ReachID)
}

// flowOf returns a reach's mean flow.
func (e *Engine) flowOf(r int32) (float64, bool) {
	q, ok := e.D.FlowM3s[e.B.Net.ID(r)]
	return q, ok
}

// downstream is the part of the network below a source: the reaches in
// topological order, their downstream links, and the leading edge's
// hours to each reach's upstream end.
type downstream struct {
	order    []int32
	children map[int32][]int32
	hours    map[int32]float64 // to the reach's upstream end
}

// below navigates DD from the source's reach and orders the result.
func (e *Engine) below(ctx context.Context, s basin.Place) (*downstream, error) {
	net := e.B.Net
	hits, err := net.NavigateAll(ctx, hydro.Query{Mode: hydro.DD, Start: s.Reach})
	if err != nil {
		return nil, err
	}
	in := map[int32]bool{}
	for _, h := range hits {
		in[h.Reach] = true
	}
	d := &downstream{children: map[int32][]int32{}, hours: map[int32]float64{}}
	indeg := map[int32]int{}
	for r := range in {
		for _, c := range e.links(r) {
			if in[c] {
				d.children[r] = append(d.children[r], c)
				indeg[c]++
			}
		}
	}
	queue := []int32{s.Reach}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		d.order = append(d.order, r)
		for _, c := range d.children[r] {
			if indeg[c]--; indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	// The leading edge: the fastest path, measured from the source point.
	d.hours[s.Reach] = -net.Attrs(s.Reach).TravelHours * (100 - s.Measure) / 100
	for _, r := range d.order {
		out := d.hours[r] + net.Attrs(r).TravelHours
		for _, c := range d.children[r] {
			if h, ok := d.hours[c]; !ok || out < h {
				d.hours[c] = out
			}
		}
	}
	return d, nil
}

// links lists the reaches reach r's water flows into: main and minor.
func (e *Engine) links(r int32) []int32 {
	net := e.B.Net
	var out []int32
	if x := net.Down(r); x >= 0 {
		out = append(out, x)
	}
	for _, id := range net.Attrs(r).MinorDownstreamTo {
		if x, ok := net.Index(id); ok {
			out = append(out, x)
		}
	}
	return out
}

// Forward follows a source downstream through rivers and canals to every
// intake it reaches, nearest in time first.
func (e *Engine) Forward(ctx context.Context, src Source) (*Impact, error) {
	if !(src.FlowM3s > 0) || math.IsInf(src.Conc, 0) || math.IsNaN(src.Conc) {
		return nil, fmt.Errorf("source needs a flow > 0 and a finite concentration (got %v m³/s, %v)", src.FlowM3s, src.Conc)
	}
	d, err := e.below(ctx, src.Place)
	if err != nil {
		return nil, err
	}
	reached := e.reachedIntakes(d, src.Place)
	frac, err := e.loadShares(d, src, reached)
	if err != nil {
		return nil, err
	}
	lim, hasLim := IrrigationLimit(src.Parameter.ID)
	out := &Impact{Intakes: []IntakeImpact{}}
	for _, in := range reached {
		hours := e.hoursTo(d, src.Place, in.place)
		q, _ := e.flowOf(in.place.Reach)
		var conc float64
		if in.place.Reach == src.Place.Reach {
			conc = src.Conc * min(1, src.FlowM3s/q)
		} else {
			conc = min(src.Conc, src.Conc*src.FlowM3s*frac[in.place.Reach]/q)
		}
		dil := 1.0
		if conc > 0 {
			dil = src.Conc / conc
		}
		conc *= math.Exp(-src.Parameter.DecayRate(math.NaN()) * hours / 24)
		ii := IntakeImpact{IntakeID: in.ID, ReachID: in.ReachID, ArrivalTime: src.Time.Add(time.Duration(hours * float64(time.Hour))).Round(time.Second),
			TravelHours: round(hours, 3), Dilution: round(dil, 4), Concentration: round(conc, 6), Unit: src.Parameter.Unit, Office: in.Office}
		for _, a := range e.D.AreasOf(in.ID) {
			ii.AreaHa += a.AreaHa / float64(len(a.IntakeIDs))
		}
		ii.AreaHa = round(ii.AreaHa, 2)
		if hasLim {
			v := lim.Max
			ii.Standard = &v
			ii.Exceeds = lim.Exceeded(conc)
		}
		out.Intakes = append(out.Intakes, ii)
	}
	sortImpact(out)
	return out, nil
}

// sortImpact puts the intakes nearest in time first.
func sortImpact(im *Impact) {
	sort.SliceStable(im.Intakes, func(i, j int) bool {
		a, b := im.Intakes[i], im.Intakes[j]
		if a.TravelHours != b.TravelHours {
			return a.TravelHours < b.TravelHours
		}
		return a.IntakeID < b.IntakeID
	})
}

// reachedIntakes lists the intakes below the source: on a reach below
// it, or on its own reach downstream of the source point.
func (e *Engine) reachedIntakes(d *downstream, s basin.Place) []placedIntake {
	var out []placedIntake
	for _, in := range e.intakes {
		if in.place.Reach == s.Reach {
			if in.place.Measure < s.Measure {
				out = append(out, in)
			}
			continue
		}
		if _, ok := d.hours[in.place.Reach]; ok {
			out = append(out, in)
		}
	}
	return out
}

// hoursTo is the leading edge's travel time from the source point to an
// intake's point.
func (e *Engine) hoursTo(d *downstream, s, p basin.Place) float64 {
	th := e.B.Net.Attrs(p.Reach).TravelHours
	if p.Reach == s.Reach {
		return th * (s.Measure - p.Measure) / 100
	}
	return d.hours[p.Reach] + th*(100-p.Measure)/100
}

// loadShares is the steady mass balance below the source: the share of
// the source's load each reach carries. A branch of a division (a canal
// intake, a braid) takes its flow's part of the load at the concentration
// of the water it leaves, undiluted; where water is lost (irrigation
// withdrawals) the load leaves with it at the same concentration; inflows
// add water, not load, and so dilute. Where the branches' mean flows add
// up to more than the reach they leave (lateral inflow counted at their
// downstream ends), each still gets the undiluted concentration: an upper
// bound, the safe side for closing gates. Every reach on the way to a
// reached intake, and every branch at its divisions, needs a mean flow.
func (e *Engine) loadShares(d *downstream, src Source, reached []placedIntake) (map[int32]float64, error) {
	if err := e.needFlows(d, src, reached); err != nil {
		return nil, err
	}
	frac := map[int32]float64{src.Place.Reach: 1}
	for _, r := range d.order {
		qu, ok := e.flowOf(r)
		if !ok || frac[r] == 0 {
			continue
		}
		if r == src.Place.Reach {
			qu = max(qu, src.FlowM3s)
		}
		for _, c := range d.children[r] {
			q, _ := e.flowOf(c)
			frac[c] += frac[r] * min(1, q/qu)
		}
	}
	return frac, nil
}

// needFlows checks that every reach from the source to a reached intake,
// and every branch where that water divides, has a mean flow.
func (e *Engine) needFlows(d *downstream, src Source, reached []placedIntake) error {
	parents := map[int32][]int32{}
	for r, cs := range d.children {
		for _, c := range cs {
			parents[c] = append(parents[c], r)
		}
	}
	need := map[int32]bool{}
	var stack []int32
	for _, in := range reached {
		stack = append(stack, in.place.Reach)
	}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if need[r] {
			continue
		}
		need[r] = true
		stack = append(stack, parents[r]...)
	}
	var missing []string
	for r := range need {
		for _, x := range append([]int32{r}, d.children[r]...) {
			if _, ok := e.flowOf(x); !ok && !slices.Contains(missing, e.B.Net.ID(x)) {
				missing = append(missing, e.B.Net.ID(x))
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("%w for reach %s (%s): the dilution to the intakes below %s cannot be computed",
			ErrNoFlow, strings.Join(missing, ", "), FileReachFlows, e.B.Net.ID(src.Place.Reach))
	}
	return nil
}

// round rounds v to n decimals, so that the JSON carries no false
// precision.
func round(v float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}
