package api

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// traceJSON is a result as GET /api/v1/trace answers it: the engine's
// result with every list an array, never null (the engine already keeps
// them so; this holds for results from any backend).
func traceJSON(res *suspect.Result) suspect.Result {
	out := *res
	for _, l := range []*[]suspect.Suspect{&out.Suspects, &out.Insufficient, &out.RuledOut} {
		if *l == nil {
			*l = []suspect.Suspect{}
		}
	}
	if out.Upstream == nil {
		out.Upstream = []suspect.StationCheck{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return out
}

// marshalResult is the JSON of a result, byte for byte what the trace
// endpoint sends (less its final newline).
func marshalResult(res *suspect.Result) ([]byte, error) {
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("trace result: %w", err)
	}
	return b, nil
}

// reachClasses says what the map draws each upstream reach of a trace as.
// The rule: a reach above a station that read clean when the same water
// passed it is cleared; under an unexplained verdict the reaches between
// the two stations it names (the upper station's own reach included, the
// reaches above it excluded) are the stretch where an unpermitted
// discharge is likely; every other reach within the horizon is still
// under suspicion. A verdict that names nobody (within the normal range,
// not traceable) draws no reach at all.
type reachClasses struct {
	draw    bool
	cleared map[string]bool
	// stretch is set for an unexplained verdict; above holds the reaches
	// above its upper station, nil when that is the headwaters.
	stretch bool
	above   map[string]bool
}

// status classifies one reach; ok is false when it is not drawn.
func (rc *reachClasses) status(id string) (s casework.ReachStatus, ok bool) {
	switch {
	case !rc.draw:
		return "", false
	case rc.cleared[id]:
		return casework.ReachCleared, true
	case rc.stretch && !rc.above[id]:
		return casework.ReachUnexplained, true
	}
	return casework.ReachSuspect, true
}

// classifyReaches navigates up from the stations a result names to build
// its reachClasses.
func (h *tracingHandlers) classifyReaches(ctx context.Context, req TraceRequest, res *suspect.Result) (*reachClasses, error) {
	v := res.Verdict
	rc := &reachClasses{draw: v == suspect.VerdictExplained || v == suspect.VerdictUnexplained, cleared: map[string]bool{}}
	if !rc.draw {
		return rc, nil
	}
	for _, st := range res.Upstream {
		if st.Verdict != suspect.Clean || st.TravelHours >= req.MaxHours {
			continue
		}
		if err := h.upstreamOf(ctx, st.Station, req.MaxHours-st.TravelHours, rc.cleared, true); err != nil {
			return nil, err
		}
	}
	if v == suspect.VerdictUnexplained && len(res.Unexplained.Between) == 2 {
		rc.stretch = true
		if upper := res.Unexplained.Between[0]; upper != "headwaters" && upper != res.Station {
			rc.above = map[string]bool{}
			if err := h.upstreamOf(ctx, upper, req.MaxHours, rc.above, false); err != nil {
				return nil, err
			}
		}
	}
	return rc, nil
}

// upstreamOf adds to set the reaches upstream of a station within maxHours
// of travel; withOwn says whether the station's own reach counts.
func (h *tracingHandlers) upstreamOf(ctx context.Context, station string, maxHours float64, set map[string]bool, withOwn bool) error {
	d, err := h.b.Station(ctx, station)
	if err != nil {
		return fmt.Errorf("station %s: %w", station, err)
	}
	if d.Place == nil {
		return nil
	}
	own := d.Place.Reach
	return h.s.backend.Navigate(ctx, NavigateRequest{Start: own, Mode: hydro.UT, MaxHours: maxHours}, func(hit NavigateHit) bool {
		if withOwn || hit.ReachID != own {
			set[hit.ReachID] = true
		}
		return true
	})
}

// Roles of the outfalls on a saved trace's map.
const (
	roleSuspect      = "suspect"
	roleInsufficient = "insufficient"
	roleRuledOut     = "ruled_out"
)

// newTraceItem runs a trace and snapshots everything a case keeps of it:
// the result as the API answers it, the map as the page draws it and the
// readings it rests on, graded.
func (h *tracingHandlers) newTraceItem(ctx context.Context, req TraceRequest) (*casework.TraceItem, error) {
	tr, err := h.b.Trace(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	res := traceJSON(tr.Result)
	raw, err := marshalResult(&res)
	if err != nil {
		return nil, err
	}
	it := &casework.TraceItem{
		Inputs: casework.TraceInputs{Station: req.Station, Parameter: req.Parameter, Value: req.Value, Unit: req.Unit,
			Time: req.Time, FlowM3s: req.FlowM3s, MaxHours: req.MaxHours},
		Verdict: string(res.Verdict), DataVersion: res.DataVersion, MethodVersion: res.MethodVersion, Result: raw,
	}
	if it.Map, err = h.traceMap(ctx, req, tr, &res); err != nil {
		return nil, err
	}
	if it.Readings, err = h.evidenceReadings(ctx, req, &res); err != nil {
		return nil, err
	}
	return it, nil
}

// traceMap is the map of a trace with reach geometry, as the page draws
// it from the trace's GeoJSON.
func (h *tracingHandlers) traceMap(ctx context.Context, req TraceRequest, tr *TraceResult, res *suspect.Result) (casework.TraceMap, error) {
	m := casework.TraceMap{Station: roundPoint(tr.StationPosition), Outfalls: []casework.MapOutfall{}, Reaches: []casework.MapReach{}}
	add := func(role string, list []suspect.Suspect) {
		for _, sp := range list {
			k := model.OutfallKey{Facility: sp.FacilityID, ID: sp.Evidence.Outfall}
			if p, ok := tr.Outfalls[k]; ok {
				o := casework.MapOutfall{FacilityID: sp.FacilityID, Name: sp.Name, Outfall: k.ID, Role: role, Position: roundPoint(p)}
				if role == roleSuspect {
					o.Rank = sp.Rank
				}
				m.Outfalls = append(m.Outfalls, o)
			}
		}
	}
	// Only an explained verdict ranks anyone (the engine lists suspects
	// under no other); the insufficient could carry at most part of the
	// load and are marked unranked.
	if res.Verdict == suspect.VerdictExplained {
		add(roleSuspect, res.Suspects)
	} else {
		add(roleInsufficient, res.Suspects)
	}
	add(roleInsufficient, res.Insufficient)
	add(roleRuledOut, res.RuledOut)
	rc, err := h.classifyReaches(ctx, req, res)
	if err != nil || !rc.draw {
		return m, err
	}
	nav := NavigateRequest{Start: res.Observation.Reach, Mode: hydro.UT, MaxHours: req.MaxHours, Geometry: true}
	err = h.s.backend.Navigate(ctx, nav, func(hit NavigateHit) bool {
		st, _ := rc.status(hit.ReachID)
		line := make(orb.LineString, len(hit.Geometry))
		for i, p := range hit.Geometry {
			line[i] = roundPoint(p)
		}
		m.Reaches = append(m.Reaches, casework.MapReach{ID: hit.ReachID, Name: hit.Name, Status: st, Line: line})
		return true
	})
	return m, err
}

func roundPoint(p orb.Point) orb.Point { return orb.Point{roundTo(p[0], 6), roundTo(p[1], 6)} }

// evidenceReadings grades the traced reading and the upstream stations'
// readings at the matching time, with their laboratory records where the
// data holds the reading.
func (h *tracingHandlers) evidenceReadings(ctx context.Context, req TraceRequest, res *suspect.Result) ([]casework.EvidenceReading, error) {
	// The traced reading in its canonical unit, as the data holds it (and
	// as the trace's observation shows it).
	traced := model.Reading{Station: req.Station, Time: req.Time, Parameter: req.Parameter, Value: req.Value, Unit: req.Unit}
	if c, err := traced.Canonical(); err == nil {
		traced = c
	}
	out := []casework.EvidenceReading{}
	one := func(role string, r model.Reading) error {
		d, err := h.b.Station(ctx, r.Station)
		if err != nil {
			return fmt.Errorf("station %s: %w", r.Station, err)
		}
		page, err := h.b.Readings(ctx, ReadingsQuery{Station: r.Station, Parameter: r.Parameter, From: r.Time, To: r.Time.Add(time.Nanosecond), Limit: 1})
		if err != nil {
			return fmt.Errorf("readings of %s: %w", r.Station, err)
		}
		stored := len(page.Readings) == 1 && model.SameMeasurement(&page.Readings[0], &r)
		if stored {
			r = page.Readings[0]
		}
		out = append(out, casework.NewEvidenceReading(role, d.Station.Kind, r, stored))
		return nil
	}
	if err := one("traced", traced); err != nil {
		return nil, err
	}
	for _, c := range res.Upstream {
		if err := one("upstream", model.Reading{Station: c.Station, Time: c.Time, Parameter: res.Parameter, Value: c.Value, Unit: res.Observation.Unit}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
