// Package suspect ranks the dischargers upstream of a bad water-quality
// reading by how well they explain it, and shows the evidence for each:
// the job a water-quality inspector hires envtrace for.
//
// # Method
//
// A reading C (mg/L) at a station with river flow Q (m³/s), against the
// station's background C_b (the median of its earlier readings of the
// parameter, censored values at half the detection limit), carries an excess
// flux L = (C − C_b)·Q, expressed as a daily rate in kg/day.
//
// Every outfall upstream of the station within the travel-time horizon is a
// candidate. For each, the network gives the distance and travel time t to
// the station, and so the discharge window [T − t − u, T − t + u] with
// u = max(1 h, t/4) for velocity uncertainty. The load the outfall would
// have to discharge is L·e^{k·t} with the parameter's first-order decay rate
// k (0 for conservative metals). Dividing by the facility's permitted daily
// volume gives the effluent concentration it would need.
//
// A candidate's score multiplies:
//   - coverage: 1 when its permit limits the parameter, 0.8 when only its
//     industry profile emits it, 0.02 otherwise;
//   - feasibility: 1 when the needed concentration is at most the
//     industry's raw-wastewater maximum times a dump factor (10 for
//     conservative metals, since a dumped plating bath is far stronger than
//     rinse water; 1.5 for organic and nutrient loads), falling in
//     proportion beyond it;
//   - history: 1 + 0.25 per past exceedance of this parameter in its
//     reports over the year before the reading (at most 4), + 0.05 per
//     exceedance of another parameter (at most 4);
//   - proximity: 1 / (1 + t/24 h), since uncertainty grows with distance;
//   - bracketing: a station between the candidate and the reading that
//     reads clean at the matching time (shifted by travel time) rules the
//     candidate out; one that reads dirty moves suspicion up (×1.5 for
//     candidates above it, ×0.5 for those between it and the reading).
//
// Scores are divided by their largest possible value (3.0) to lie in 0–1.
// When no candidate both covers the parameter and can carry the load, the
// result says the excess is unexplained and names the stations between
// which an unpermitted discharge is likely.
package suspect

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/industry"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// Options tune the engine; zero values take the documented defaults.
type Options struct {
	// HorizonHours bounds how far upstream (in travel time) to look.
	HorizonHours float64 // default 72 h
	// BackgroundDays is how far back the background median looks.
	BackgroundDays int // default 90
	// MatchHours is the half-width of the window in which an upstream
	// station's reading counts as sampling the same water (after travel
	// time). The default is max(2 h, a quarter of the travel time): a
	// monthly grab sample taken a day away says nothing about a night-time
	// release.
	MatchHours float64
}

func (o *Options) defaults() {
	if o.HorizonHours <= 0 {
		o.HorizonHours = 72
	}
	if o.BackgroundDays <= 0 {
		o.BackgroundDays = 90
	}
}

// Engine traces readings over one basin. It is safe for concurrent use,
// and worth keeping for as long as the basin's data do not change: it
// caches each station's flow series and each facility's compliance history
// the first time a trace needs them.
type Engine struct {
	b   *basin.Basin
	net *hydro.Network
	ds  *model.Dataset
	opt Options

	flows      sync.Map // station id → *flowSeries
	exceedance sync.Map // facility ems_no → []exceeded
}

// flowSeries is a station's measured flows in m³/s, in time order.
type flowSeries struct {
	times  []time.Time
	q      []float64
	median float64
}

// exceeded is one reported exceedance of a permit limit.
type exceeded struct {
	start, end time.Time
	param      string // canonical parameter id, "" when unknown
}

// ErrUnknownStation is returned for a station id the dataset lacks.
var ErrUnknownStation = errors.New("unknown station")

// New makes an engine over a basin.
func New(b *basin.Basin, opt Options) *Engine {
	opt.defaults()
	return &Engine{b: b, net: b.Net, ds: b.DS, opt: opt}
}

// Request is one bad reading to trace, built at the edge (CLI or HTTP).
type Request struct {
	Station   string
	Parameter string
	Value     float64
	Unit      string
	Time      time.Time
	// FlowM3s overrides the river flow at the station; 0 looks it up from
	// the station's readings.
	FlowM3s float64
	// HorizonHours overrides Options.HorizonHours for this trace; 0 keeps
	// the engine's.
	HorizonHours float64
}

// Window is a time interval.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Evidence is why a facility is (or is not) suspected, with the numbers.
type Evidence struct {
	Outfall            string   `json:"outfall"`
	Reach              string   `json:"reach"`
	Industry           string   `json:"industry"`
	DischargeWindow    Window   `json:"discharge_window"`
	Permit             string   `json:"permit,omitempty"`
	PermitCovers       bool     `json:"permit_covers_parameter"`
	PermitLimit        *float64 `json:"permit_limit,omitempty"`
	ProfileCovers      bool     `json:"industry_profile_covers_parameter"`
	DecayPerDay        float64  `json:"decay_per_day"`
	RequiredLoadKgDay  float64  `json:"required_load_kg_day"`
	PermittedLoadKgDay float64  `json:"permitted_load_kg_day"`
	LoadRatio          float64  `json:"required_to_permitted_ratio,omitempty"`
	RequiredConcMgL    float64  `json:"required_effluent_conc"`
	PlausibleMaxConc   float64  `json:"plausible_max_conc"`
	ExceedancesParam   int      `json:"past_exceedances_of_parameter"`
	ExceedancesOther   int      `json:"past_exceedances_other"`
	ExceedancePeriods  []string `json:"exceedance_periods,omitempty"`
	Bracketing         string   `json:"bracketing,omitempty"`
	Factors            Factors  `json:"factors"`
}

// Factors are the score's parts, so a reviewer can see what drove a rank.
type Factors struct {
	Coverage    float64 `json:"coverage"`
	Feasibility float64 `json:"feasibility"`
	History     float64 `json:"history"`
	Proximity   float64 `json:"proximity"`
	Bracketing  float64 `json:"bracketing"`
}

// Suspect is one ranked facility.
type Suspect struct {
	FacilityID  string   `json:"facility_id"`
	Name        string   `json:"name"`
	Rank        int      `json:"rank"`
	Score       float64  `json:"score"`
	DistanceKm  float64  `json:"distance_km"`
	TravelHours float64  `json:"travel_hours"`
	Evidence    Evidence `json:"evidence"`
}

// Observation is the reading as the engine understood it.
type Observation struct {
	Value        float64   `json:"value"`
	Unit         string    `json:"unit"`
	Time         time.Time `json:"time"`
	Background   float64   `json:"background"`
	FlowM3s      float64   `json:"flow_m3s"`
	FlowSource   string    `json:"flow_source"`
	ExcessKgDay  float64   `json:"excess_load_kg_day"`
	Reach        string    `json:"reach"`
	Measure      float64   `json:"measure"`
	Conservative bool      `json:"conservative"`
}

// StationCheck is an upstream station's reading at the matching time.
type StationCheck struct {
	Station     string    `json:"station"`
	TravelHours float64   `json:"travel_hours"`
	Time        time.Time `json:"time"`
	Value       float64   `json:"value"`
	Background  float64   `json:"background"`
	Verdict     string    `json:"verdict"` // clean or dirty
}

// Unexplained says whether the permitted dischargers can explain the
// excess, and if not, where an unpermitted source likely is.
type Unexplained struct {
	Explained bool     `json:"explained"`
	Reason    string   `json:"reason"`
	Between   []string `json:"between,omitempty"` // [upstream station or "headwaters", station]
	ExcessKg  float64  `json:"excess_load_kg_day"`
}

// Result is a trace: the ranked suspects, the ruled out, and the verdict.
type Result struct {
	Station     string         `json:"station"`
	Parameter   string         `json:"parameter"`
	Observation Observation    `json:"observation"`
	Suspects    []Suspect      `json:"suspects"`
	RuledOut    []Suspect      `json:"ruled_out"`
	Upstream    []StationCheck `json:"upstream_stations"`
	Unexplained Unexplained    `json:"unexplained"`
}

// stationHit is an upstream station with its travel time to the target.
type stationHit struct {
	id          string
	travelHours float64
	dirty       bool
	above       *basin.Upstream
}

// Trace ranks the suspects of one reading.
func (e *Engine) Trace(ctx context.Context, req Request) (*Result, error) {
	st, ok := e.ds.Station(req.Station)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownStation, req.Station)
	}
	sp, ok := e.b.Station(req.Station)
	if !ok {
		return nil, fmt.Errorf("station %s is not on the network", req.Station)
	}
	p, err := param.Lookup(req.Parameter)
	if err != nil {
		return nil, err
	}
	if p.Kind != param.KindConcentration {
		return nil, fmt.Errorf("parameter %s is not a concentration: source tracing needs a load (concentration × flow)", p.ID)
	}
	c, err := p.Canonical(req.Value, req.Unit)
	if err != nil {
		return nil, err
	}
	if req.Time.IsZero() {
		return nil, errors.New("reading time is required")
	}
	res := &Result{Station: st.ID, Parameter: p.ID}
	obs := Observation{Value: c, Unit: p.Unit, Time: req.Time, Reach: e.net.ID(sp.Reach), Measure: round(sp.Measure, 2), Conservative: p.Fate != param.FateFirstOrder}
	obs.Background = e.background(st.ID, p.ID, req.Time)
	obs.FlowM3s, obs.FlowSource = e.flowAt(st.ID, req.Time, req.FlowM3s)
	if obs.FlowM3s <= 0 {
		return nil, fmt.Errorf("no river flow known at station %s near %s: give the flow with the reading", st.ID, req.Time.Format(time.RFC3339))
	}
	excess := c - obs.Background
	obs.ExcessKgDay = round(math.Max(excess, 0)*obs.FlowM3s*86.4, 3)
	res.Observation = obs
	res.Suspects, res.RuledOut = []Suspect{}, []Suspect{}
	if excess <= 0 {
		res.Unexplained = Unexplained{Explained: true, Reason: fmt.Sprintf("the reading %.4g %s is within the station's background %.4g %s", c, p.Unit, obs.Background, p.Unit)}
		return res, nil
	}
	kDay := p.DecayRate(25)

	// Upstream reaches within the horizon.
	horizon := e.opt.HorizonHours
	if req.HorizonHours > 0 {
		horizon = req.HorizonHours
	}
	ups, err := e.b.UpstreamOf(ctx, sp, horizon)
	if err != nil {
		return nil, err
	}
	along := ups.Along

	// Upstream stations, checked at the matching time.
	var checks []stationHit
	for _, id := range e.b.StationIDs() {
		q, _ := e.b.Station(id)
		if id == st.ID {
			continue
		}
		_, hrs, ok := along(q.Reach, q.Measure)
		if !ok {
			continue
		}
		win := e.opt.MatchHours
		if win <= 0 {
			win = math.Max(2, hrs/4)
		}
		sc, found := e.matchingReading(id, p.ID, req.Time.Add(-time.Duration(hrs*float64(time.Hour))), win)
		if !found {
			continue
		}
		bg := e.background(id, p.ID, sc.Time)
		// Dirty when the upstream excess carries at least half the load
		// (flows differ, so compare loads where flows are known).
		upExcess := sc.Value - bg
		dirty := upExcess > 0.5*excess*obs.FlowM3s/math.Max(sc.flow, 1e-9) && upExcess > 0
		if sc.flow <= 0 {
			dirty = upExcess > 0.5*excess
		}
		verdict := "clean"
		if dirty {
			verdict = "dirty"
		}
		check := StationCheck{Station: id, TravelHours: round(hrs, 2), Time: sc.Time, Value: sc.Value, Background: round(bg, 4), Verdict: verdict}
		res.Upstream = append(res.Upstream, check)
		checks = append(checks, stationHit{id: id, travelHours: hrs, dirty: dirty, above: e.b.Above(q)})
	}
	sort.Slice(res.Upstream, func(a, b int) bool { return res.Upstream[a].TravelHours < res.Upstream[b].TravelHours })
	isAbove := func(s stationHit, r int32, m float64) bool { return s.above.Contains(r, m) }

	// Candidates: the best outfall of each facility.
	best := map[string]Suspect{}
	for _, r := range ups.Reaches() {
		for _, of := range e.b.OutfallsOn(r) {
			dist, hrs, ok := along(r, of.Place.Measure)
			if !ok {
				continue
			}
			s, ok := e.evaluate(of, r, p, c, excess, obs, kDay, dist, hrs, req.Time, checks, isAbove)
			if !ok {
				continue
			}
			if prev, seen := best[s.FacilityID]; !seen || s.Score > prev.Score || (s.Score == prev.Score && s.TravelHours < prev.TravelHours) {
				best[s.FacilityID] = s
			}
		}
	}
	for _, s := range best {
		if s.Evidence.Factors.Bracketing == 0 {
			res.RuledOut = append(res.RuledOut, s)
		} else {
			res.Suspects = append(res.Suspects, s)
		}
	}
	order := func(list []Suspect) {
		sort.Slice(list, func(a, b int) bool {
			if list[a].Score != list[b].Score {
				return list[a].Score > list[b].Score
			}
			if list[a].TravelHours != list[b].TravelHours {
				return list[a].TravelHours < list[b].TravelHours
			}
			return list[a].FacilityID < list[b].FacilityID
		})
		for i := range list {
			list[i].Rank = i + 1
		}
	}
	order(res.Suspects)
	order(res.RuledOut)
	for i := range res.RuledOut {
		res.RuledOut[i].Rank = 0
	}
	res.Unexplained = e.verdict(res, checks, st.ID)
	return res, nil
}

type matched struct {
	model.Reading
	flow float64
}

// matchingReading finds the station's reading of the parameter nearest to
// t within win hours.
func (e *Engine) matchingReading(station, paramID string, t time.Time, win float64) (matched, bool) {
	var best *model.Reading
	bestGap := time.Duration(math.MaxInt64)
	for _, r := range e.ds.ReadingsAt(station) {
		if r.Parameter != paramID {
			continue
		}
		gap := r.Time.Sub(t)
		if gap < 0 {
			gap = -gap
		}
		if gap <= time.Duration(win*float64(time.Hour)) && gap < bestGap {
			best, bestGap = r, gap
		}
	}
	if best == nil {
		return matched{}, false
	}
	m := matched{Reading: *best}
	m.Value = readingValue(best)
	m.flow, _ = e.flowAt(station, best.Time, 0)
	return m, true
}

// readingValue applies the censored-value rule: half the detection limit.
func readingValue(r *model.Reading) float64 {
	if r.Censored {
		return r.Value / 2
	}
	return r.Value
}

// background is the median of the station's readings of the parameter in
// the BackgroundDays before t (excluding the last 12 hours, which may carry
// the event itself).
func (e *Engine) background(station, paramID string, t time.Time) float64 {
	from := t.AddDate(0, 0, -e.opt.BackgroundDays)
	to := t.Add(-12 * time.Hour)
	var vals []float64
	for _, r := range e.ds.ReadingsAt(station) {
		if r.Parameter == paramID && !r.Time.Before(from) && r.Time.Before(to) {
			vals = append(vals, readingValue(r))
		}
	}
	if len(vals) == 0 {
		return 0
	}
	slices.Sort(vals)
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

// flowAt finds the river flow at a station: the override, else the flow
// measured nearest in time (within 3 days), else the station's median flow.
func (e *Engine) flowAt(station string, t time.Time, override float64) (float64, string) {
	if override > 0 {
		return override, "given"
	}
	fs := e.flowSeries(station)
	if len(fs.q) == 0 {
		return 0, ""
	}
	// The measurement nearest in time.
	k := sort.Search(len(fs.times), func(i int) bool { return !fs.times[i].Before(t) })
	best, gapBest := -1, time.Duration(math.MaxInt64)
	for _, i := range []int{k - 1, k} {
		if i < 0 || i >= len(fs.times) {
			continue
		}
		gap := fs.times[i].Sub(t)
		if gap < 0 {
			gap = -gap
		}
		if gap < gapBest {
			best, gapBest = i, gap
		}
	}
	if gapBest <= 72*time.Hour {
		return fs.q[best], "measured with a reading at the station"
	}
	return fs.median, "median of flows measured at the station"
}

// HasFlow says whether any river flow was measured at a station, so an
// edge can ask for one before tracing.
func (e *Engine) HasFlow(station string) bool { return len(e.flowSeries(station).q) > 0 }

// flowSeries converts a station's measured flows once.
func (e *Engine) flowSeries(station string) *flowSeries {
	if v, ok := e.flows.Load(station); ok {
		return v.(*flowSeries)
	}
	type tq struct {
		t time.Time
		q float64
	}
	var pts []tq
	for _, r := range e.ds.ReadingsAt(station) {
		if r.FlowUnit == "" {
			continue
		}
		q, err := param.Convert(r.Flow, r.FlowUnit, "m3/s")
		if err != nil || q <= 0 {
			continue
		}
		pts = append(pts, tq{r.Time, q})
	}
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].t.Before(pts[b].t) })
	fs := &flowSeries{}
	for _, p := range pts {
		fs.times = append(fs.times, p.t)
		fs.q = append(fs.q, p.q)
	}
	if len(fs.q) > 0 {
		sorted := slices.Clone(fs.q)
		slices.Sort(sorted)
		fs.median = sorted[len(sorted)/2]
	}
	v, _ := e.flows.LoadOrStore(station, fs)
	return v.(*flowSeries)
}

// exceedances lists a facility's reported exceedances once.
func (e *Engine) exceedances(ems string) []exceeded {
	if v, ok := e.exceedance.Load(ems); ok {
		return v.([]exceeded)
	}
	var out []exceeded
	for _, rep := range e.ds.ReportsOf(ems) {
		cmp, ok := e.compare(ems, rep)
		if !ok || cmp.Status != dmr.StatusExceeded {
			continue
		}
		id := ""
		if rp, err := param.Lookup(rep.Parameter); err == nil {
			id = rp.ID
		}
		out = append(out, exceeded{start: rep.Period.Start, end: rep.Period.End, param: id})
	}
	v, _ := e.exceedance.LoadOrStore(ems, out)
	return v.([]exceeded)
}

func (e *Engine) evaluate(of basin.PlacedOutfall, r int32, p param.Parameter, c, excess float64, obs Observation, kDay, dist, hrs float64,
	t time.Time, checks []stationHit, isAbove func(stationHit, int32, float64) bool) (Suspect, bool) {
	f, ok := e.ds.Facility(of.Outfall.Facility)
	if !ok {
		return Suspect{}, false
	}
	ev := Evidence{Outfall: of.Outfall.ID, Reach: e.net.ID(r), Industry: f.Industry, DecayPerDay: round(kDay, 4)}
	u := math.Max(1, hrs/4)
	center := t.Add(-time.Duration(hrs * float64(time.Hour)))
	half := time.Duration(u * float64(time.Hour))
	ev.DischargeWindow = Window{From: center.Add(-half).Round(time.Minute), To: center.Add(half).Round(time.Minute)}

	// Permit in force and its limit for the parameter.
	var volume float64
	for _, pm := range e.ds.PermitsOf(f.EmsNo) {
		if !pm.Valid(t) {
			continue
		}
		ev.Permit = pm.PerNo
		volume = pm.MaxDailyM3
		for _, l := range e.ds.LimitsOf(pm.PerNo) {
			if l.Outfall != "" && l.Outfall != of.Outfall.ID {
				continue
			}
			if pid, err := param.Lookup(l.Parameter); err == nil && pid.ID == p.ID {
				v, err := pid.Canonical(l.Value, l.Unit)
				if err == nil {
					ev.PermitCovers = true
					ev.PermitLimit = &v
				}
			}
		}
		break
	}
	prof, perr := industry.Lookup(f.Industry)
	sig, emits := industry.Signature{}, false
	if perr == nil {
		sig, emits = prof.Emits(p.ID)
	}
	ev.ProfileCovers = emits

	fx := Factors{Coverage: 0.02, Feasibility: 1, History: 1, Bracketing: 1}
	switch {
	case ev.PermitCovers:
		fx.Coverage = 1
	case emits:
		fx.Coverage = 0.8
	}
	// Load the outfall must carry: the station excess grown back by decay.
	required := excess * obs.FlowM3s * 86.4 * math.Exp(kDay*hrs/24)
	ev.RequiredLoadKgDay = round(required, 3)
	if volume <= 0 {
		volume = e.reportedFlow(f.EmsNo, t)
	}
	if volume > 0 {
		ev.RequiredConcMgL = round(required*1000/volume, 3)
		switch {
		case ev.PermitLimit != nil:
			ev.PermittedLoadKgDay = round(volume**ev.PermitLimit/1000, 3)
		case emits:
			ev.PermittedLoadKgDay = round(volume*sig.TypicalEffluent/1000, 3)
		}
		if ev.PermittedLoadKgDay > 0 {
			ev.LoadRatio = round(required/ev.PermittedLoadKgDay, 3)
		}
	}
	// Metals can leave a plant far above rinse-water strength when a
	// plating bath is dumped; organic loads cannot exceed raw wastewater.
	dump := 1.5
	if p.Fate == param.FateConservative {
		dump = 10
	}
	plausible := dump * sig.MaxRaw
	if !emits && ev.PermitLimit != nil {
		plausible = dump * 10 * *ev.PermitLimit // a parameter the permit limits but the profile does not list
	}
	ev.PlausibleMaxConc = plausible
	switch {
	case volume <= 0 || plausible <= 0:
		fx.Feasibility = 0.05
	case ev.RequiredConcMgL > plausible:
		fx.Feasibility = plausible / ev.RequiredConcMgL
	}
	// Compliance history over the year before the reading.
	from := t.AddDate(-1, 0, 0)
	for _, x := range e.exceedances(f.EmsNo) {
		if x.end.Before(from) || x.start.After(t) {
			continue
		}
		if x.param == p.ID {
			ev.ExceedancesParam++
			ev.ExceedancePeriods = append(ev.ExceedancePeriods, x.start.Format("2006-01-02"))
		} else {
			ev.ExceedancesOther++
		}
	}
	fx.History = 1 + 0.25*float64(min(ev.ExceedancesParam, 4)) + 0.05*float64(min(ev.ExceedancesOther, 4))
	fx.Proximity = 1 / (1 + hrs/24)
	// Bracketing by upstream stations.
	for _, s := range checks {
		if !isAbove(s, r, of.Place.Measure) {
			continue
		}
		if !s.dirty {
			fx.Bracketing = 0
			ev.Bracketing = fmt.Sprintf("ruled out: station %s, downstream of this outfall, read clean at the matching time", s.id)
			break
		}
	}
	if fx.Bracketing > 0 {
		dirtyAbove, dirtyBelow := "", ""
		for _, s := range checks {
			if !s.dirty {
				continue
			}
			if isAbove(s, r, of.Place.Measure) {
				dirtyBelow = s.id // the dirty station lies between the outfall and the reading
			} else {
				dirtyAbove = s.id
			}
		}
		switch {
		case dirtyBelow != "":
			fx.Bracketing = 1.5
			ev.Bracketing = fmt.Sprintf("station %s between this outfall and the reading was already dirty: suspicion moves up to here", dirtyBelow)
		case dirtyAbove != "":
			fx.Bracketing = 0.5
			ev.Bracketing = fmt.Sprintf("the excess was already present upstream at station %s, above this outfall", dirtyAbove)
		}
	}
	ev.Factors = Factors{Coverage: round(fx.Coverage, 3), Feasibility: round(fx.Feasibility, 4), History: round(fx.History, 3), Proximity: round(fx.Proximity, 3), Bracketing: fx.Bracketing}
	score := fx.Coverage * fx.Feasibility * fx.History * fx.Proximity * fx.Bracketing / 3.0
	return Suspect{
		FacilityID: f.EmsNo, Name: f.Name, Score: round(score, 4),
		DistanceKm: round(dist, 3), TravelHours: round(hrs, 2), Evidence: ev,
	}, true
}

// compare checks one report against the permit limit it falls under.
func (e *Engine) compare(ems string, rep *model.Report) (dmr.Comparison, bool) {
	for _, pm := range e.ds.PermitsOf(ems) {
		if rep.Permit != "" && rep.Permit != pm.PerNo {
			continue
		}
		for _, l := range e.ds.LimitsOf(pm.PerNo) {
			if l.Outfall != "" && rep.Outfall != "" && l.Outfall != rep.Outfall {
				continue
			}
			if l.StatBase != "" && rep.StatBase != "" && l.StatBase != rep.StatBase {
				continue
			}
			c, err := dmr.Compare(l.Limit, rep.Report)
			if err == nil {
				return c, true
			}
		}
	}
	return dmr.Comparison{}, false
}

// reportedFlow is the facility's latest reported discharge before t, m³/day.
func (e *Engine) reportedFlow(ems string, t time.Time) float64 {
	var best float64
	var when time.Time
	for _, r := range e.ds.ReportsOf(ems) {
		if r.FlowUnit == "" || r.Period.Start.After(t) {
			continue
		}
		q, err := param.Convert(r.Flow, r.FlowUnit, "m3/d")
		if err == nil && r.Period.Start.After(when) {
			best, when = q, r.Period.Start
		}
	}
	return best
}

// verdict decides whether the permitted dischargers explain the excess.
func (e *Engine) verdict(res *Result, checks []stationHit, station string) Unexplained {
	u := Unexplained{ExcessKg: res.Observation.ExcessKgDay}
	for _, s := range res.Suspects {
		f := s.Evidence.Factors
		if f.Coverage >= 0.8 && f.Feasibility >= 0.5 {
			u.Explained = true
			u.Reason = fmt.Sprintf("%s (%s) can explain the excess: it covers the parameter and would need %.4g %s in its effluent",
				s.FacilityID, s.Name, s.Evidence.RequiredConcMgL, res.Observation.Unit)
			return u
		}
	}
	// The nearest clean station upstream bounds the unpermitted source.
	upper := "headwaters"
	bestH := math.Inf(1)
	for _, c := range checks {
		if !c.dirty && c.travelHours < bestH {
			upper, bestH = c.id, c.travelHours
		}
	}
	u.Between = []string{upper, station}
	u.Reason = fmt.Sprintf("no permitted discharger upstream can carry an excess of %.4g kg/day: an unpermitted discharge between %s and %s is likely",
		u.ExcessKg, upper, station)
	return u
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
