package suspect

import (
	"fmt"
	"time"

	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/industry"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// candidate is one outfall upstream with what its facility's records say:
// the permit in force, the limit on the parameter, the industry profile,
// and the largest volume it can release.
type candidate struct {
	fac     *model.Facility
	outfall basin.PlacedOutfall
	permit  *model.Permit
	// limits are the permit's upper limits that apply to this outfall, by
	// parameter id, canonical (shared by the engine's traces: read only);
	// limit is the traced parameter's.
	limits map[string]float64
	limit  *float64
	// profile is the industry profile (generic for an unknown category,
	// with warning); sig and emits its signature for the parameter.
	profile industry.Profile
	warning string
	sig     industry.Signature
	emits   bool
	// perWater is the permitted volume; maxVolume the largest of it, the
	// intake and the treatment capacity (volumeSource names it), or the
	// latest reported discharge when no permit is in force (m³/day).
	perWater     float64
	maxVolume    float64
	volumeSource string
}

// limitOf reads the permit's limit on a parameter id.
func (c *candidate) limitOf(id string) (float64, bool) {
	v, ok := c.limits[id]
	return v, ok
}

// newCandidate gathers a facility's records for one outfall and parameter.
func (e *Engine) newCandidate(of basin.PlacedOutfall, p param.Parameter, t time.Time) (candidate, bool) {
	info := e.outfallInfo(of.Outfall)
	if info.fac == nil {
		return candidate{}, false
	}
	f := info.fac
	c := candidate{fac: f, outfall: of, profile: info.profile, warning: info.warning}
	c.sig, c.emits = c.profile.Emits(p.ID)
	for i, pm := range info.permits {
		if pm.Valid(t) {
			c.permit = pm
			c.limits = info.limits[i]
			break
		}
	}
	if c.permit != nil {
		c.perWater = c.permit.MaxDailyM3
		c.maxVolume, c.volumeSource = maxVolume(c.permit)
		if v, ok := c.limits[p.ID]; ok {
			c.limit = &v
		}
	}
	if c.maxVolume <= 0 {
		if q := e.reportedFlow(f.EmsNo, t); q > 0 {
			c.maxVolume, c.volumeSource = q, "latest reported discharge (no permit in force)"
		}
	}
	return c, true
}

// outfallRecords is what a trace reads about an outfall that does not
// depend on the trace: its facility (nil when the dataset lacks it), the
// facility's industry profile, and its permits in the dataset's order with
// the upper limits of each that apply to the outfall (upperLimits). Built
// once per engine (one data snapshot) and shared read-only, so that
// weighing an outfall costs no look-up by name.
type outfallRecords struct {
	fac     *model.Facility
	profile industry.Profile
	warning string
	permits []*model.Permit
	limits  []map[string]float64 // limits[i] are permits[i]'s
}

// outfallInfo returns an outfall's records, gathering them on first use.
func (e *Engine) outfallInfo(o *model.Outfall) *outfallRecords {
	if v, ok := e.outfalls.Load(o); ok {
		return v.(*outfallRecords)
	}
	info := &outfallRecords{}
	if f, ok := e.ds.Facility(o.Facility); ok {
		info.fac = f
		info.profile, info.warning = industry.Resolve(f.Industry)
		info.permits = e.ds.PermitsOf(f.EmsNo)
		info.limits = make([]map[string]float64, len(info.permits))
		for i, pm := range info.permits {
			info.limits[i] = e.upperLimits(pm.PerNo, o.ID)
		}
	}
	v, _ := e.outfalls.LoadOrStore(o, info)
	return v.(*outfallRecords)
}

// upperLimits are a permit's upper limits that apply to an outfall, by
// parameter id, canonical (outfallInfo keeps them per engine).
func (e *Engine) upperLimits(perNo, outfall string) map[string]float64 {
	m := map[string]float64{}
	for _, l := range e.ds.LimitsOf(perNo) {
		if l.ReportOnly || l.Bound != dmr.Upper || (l.Outfall != "" && l.Outfall != outfall) {
			continue
		}
		m[l.Parameter] = l.Value // canonical once the dataset is indexed
	}
	return m
}

// maxVolume is the largest volume a facility can release in a day: the
// largest of its permitted volume, its permitted intake and its treatment
// plant's capacity. A night dump far above the permit is exactly what
// tracing must be able to find, so the permit alone does not bound it.
func maxVolume(pm *model.Permit) (float64, string) {
	v, src := pm.MaxDailyM3, "permitted volume (per_water)"
	if pm.IntakeM3PerDay != nil && *pm.IntakeM3PerDay > v {
		v, src = *pm.IntakeM3PerDay, "permitted intake"
	}
	if pm.TreatmentCapacityM3PerDay != nil && *pm.TreatmentCapacityM3PerDay > v {
		v, src = *pm.TreatmentCapacityM3PerDay, "treatment capacity"
	}
	return v, src
}

// covers says whether the candidate's permit and profile cover what the
// trace follows: the parameter itself, the oxygen-demanding parameters of
// a DO deficit, or the acids or alkalis of a pH excursion.
func (c *candidate) covers(d *demand, pastSide bool) (permit, profile bool) {
	switch d.method {
	case param.MethodDeficit:
		for _, id := range oxygenDemanding {
			if _, ok := c.limits[id]; ok {
				permit = true
			}
		}
		return permit, emitsOxygenDemand(c.profile)
	case param.MethodTiming:
		// Reported pH excursions on the same side are the permit's own
		// evidence that the plant handles acids (or alkalis).
		handles := c.profile.Acid
		if d.high {
			handles = c.profile.Alkali
		}
		return pastSide, handles
	}
	return c.limit != nil, c.emits
}

// exceeded is one reported exceedance of a permit limit.
type exceeded struct {
	start, end time.Time
	param      string // canonical parameter id, "" when unknown
	bound      dmr.Bound
}

// exceedances lists a facility's reported exceedances once.
func (e *Engine) exceedances(ems string) []exceeded {
	if v, ok := e.exceedance.Load(ems); ok {
		return v.([]exceeded)
	}
	var out []exceeded
	for _, rep := range e.ds.ReportsOf(ems) {
		cmp, l, ok := e.compare(ems, rep)
		if !ok || cmp.Status != dmr.StatusExceeded {
			continue
		}
		out = append(out, exceeded{start: rep.Period.Start, end: rep.Period.End, param: rep.Parameter, bound: l.Bound})
	}
	v, _ := e.exceedance.LoadOrStore(ems, out)
	return v.([]exceeded)
}

// compare checks one report against the permit limit it falls under.
func (e *Engine) compare(ems string, rep *model.Report) (dmr.Comparison, dmr.Limit, bool) {
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
			if c, err := dmr.Compare(l.Limit, rep.Report); err == nil {
				return c, l.Limit, true
			}
		}
	}
	return dmr.Comparison{}, dmr.Limit{}, false
}

// history counts a facility's exceedances in the year before t: of the
// parameters the trace follows (for pH, on the excursion's side) and of
// the others, with the periods of the former.
func (e *Engine) history(ems string, d *demand, t time.Time) (same, other int, periods []string) {
	from := t.AddDate(-1, 0, 0)
	for _, x := range e.exceedances(ems) {
		if x.end.Before(from) || x.start.After(t) {
			continue
		}
		if d.follows(x) {
			same++
			periods = append(periods, x.start.Format(time.DateOnly))
		} else {
			other++
		}
	}
	return same, other, periods
}

// follows reports whether an exceedance is of what the trace follows.
func (d *demand) follows(x exceeded) bool {
	switch d.method {
	case param.MethodDeficit:
		return x.param == "BOD5" || x.param == "COD" || x.param == "NH3-N"
	case param.MethodTiming:
		return x.param == d.p.ID && (x.bound == dmr.Upper) == d.high
	}
	return x.param == d.p.ID
}

// reportedFlow is the facility's latest reported discharge before t, m³/day.
func (e *Engine) reportedFlow(ems string, t time.Time) float64 {
	var best float64
	var when time.Time
	for _, r := range e.ds.ReportsOf(ems) {
		if r.FlowUnit == "" || r.Period.Start.After(t) {
			continue
		}
		if r.Period.Start.After(when) {
			best, when = r.Flow, r.Period.Start // m³/day once the dataset is indexed
		}
	}
	return best
}

// evaluate weighs one outfall: its coverage, what it would have had to
// release against what it can, its history, proximity and bracketing. It
// returns the facility as a Suspect (unranked) and where it belongs.
func (e *Engine) evaluate(c *candidate, d *demand, tr *traceCtx, km, hrs float64) (Suspect, placement) {
	f := c.fac
	ev := Evidence{Outfall: c.outfall.Outfall.ID, Reach: e.net.ID(c.outfall.Place.Reach), Industry: f.Industry,
		Profile: c.profile.ID, IndustryWarning: c.warning, DecayPerDay: round(d.k, 4), PermitLimit: c.limit, ProfileCovers: c.emits}
	if c.permit != nil {
		ev.Permit = c.permit.PerNo
	}
	centre := tr.t.Add(-time.Duration(hrs * float64(time.Hour)))
	w := plumeWindow(centre, plumeSigma(hrs, km))
	ev.DischargeWindow = Window{From: w.From.In(tr.loc).Round(time.Minute), To: w.To.In(tr.loc).Round(time.Minute)}
	same, other, periods := e.history(f.EmsNo, d, tr.t)
	ev.ExceedancesParam, ev.ExceedancesOther, ev.ExceedancePeriods = same, other, periods
	permitCovers, profileCovers := c.covers(d, same > 0)
	ev.PermitCovers, ev.ProfileCovers = permitCovers, profileCovers
	if d.method == param.MethodTiming {
		ev.HandlesAcid, ev.HandlesAlkali = c.profile.Acid, c.profile.Alkali
	}
	cp := d.capacityOf(c, hrs, km)
	ev.RequiredLoadKgDay, ev.PermittedLoadKgDay, ev.MaxLoadKgDay = round(cp.requiredKgDay, 3), round(cp.permittedKgDay, 3), round(cp.maxKgDay, 3)
	ev.MaxVolumeM3Day, ev.VolumeSource = c.maxVolume, c.volumeSource
	ev.LoadRatio, ev.CapacityRatio, ev.CanCarry = round(cp.loadRatio, 3), round(cp.capacityRatio, 3), cp.canCarry
	ev.RequiredConcMgL, ev.PlausibleMaxConc = round(cp.requiredConc, 4), cp.plausibleMax
	fx := Factors{Coverage: coverageFactor(permitCovers, profileCovers), LoadRatio: loadRatioFactor(cp.loadRatio),
		History: historyFactor(same, other), Proximity: proximityFactor(hrs)}
	fx.Bracketing, ev.BracketingWeight, ev.Bracketing, ev.BracketingBy = bracket(tr.checks, c.outfall.Place.Reach, c.outfall.Place.Measure, tr.loc)
	ev.BracketingWeight = round(ev.BracketingWeight, 3)
	ev.Factors = Factors{Coverage: fx.Coverage, LoadRatio: round(fx.LoadRatio, 4), History: round(fx.History, 3),
		Proximity: round(fx.Proximity, 4), Bracketing: round(fx.Bracketing, 4)}
	s := Suspect{FacilityID: f.EmsNo, Name: f.Name, Score: round(score(fx), 4), DistanceKm: round(km, 3), TravelHours: round(hrs, 2)}
	where := place(fx, cp.canCarry)
	ev.Reason = d.reason(where, c, &ev)
	s.Evidence = ev
	return s, where
}

// placement is where a facility goes in the result.
type placement int

const (
	asSuspect      placement = iota // covers the parameter and can carry the excess
	asInsufficient                  // covers it but cannot carry all of it
	asRuledOut                      // cleared by a clean station, or does not emit it
)

// place sorts a facility by its factors: bracketing or coverage zero rule
// it out; otherwise it is a suspect when it can carry the excess.
func place(fx Factors, canCarry bool) placement {
	switch {
	case fx.Bracketing == 0 || fx.Coverage == 0:
		return asRuledOut
	case canCarry:
		return asSuspect
	}
	return asInsufficient
}

// reason says why a facility is ruled out or insufficient.
func (d *demand) reason(where placement, c *candidate, ev *Evidence) string {
	switch {
	case where == asRuledOut && ev.Factors.Bracketing == 0:
		return ev.Bracketing
	case where == asRuledOut:
		switch d.method {
		case param.MethodTiming:
			side := "acids"
			if d.high {
				side = "alkalis"
			}
			return fmt.Sprintf("its industry (%s) does not handle %s and it has reported no pH excursion of this kind", c.profile.ID, side)
		case param.MethodDeficit:
			return fmt.Sprintf("neither its permit nor its industry (%s) involves BOD5, COD or NH3-N", c.profile.ID)
		}
		return fmt.Sprintf("neither its permit nor its industry profile (%s) covers %s", c.profile.ID, d.p.ID)
	case where == asInsufficient && c.maxVolume <= 0:
		return "no permitted or reported volume is known, so it cannot be shown to carry the excess"
	case where == asInsufficient:
		return fmt.Sprintf("it could carry at most %.3g of what is needed (required %.3g× its capacity at %.0f m³/day, the %s)",
			1/ev.CapacityRatio, ev.CapacityRatio, c.maxVolume, c.volumeSource)
	}
	return ""
}
