package odour

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// WaterOptions tune the water link; zero values take the defaults.
type WaterOptions struct {
	// RangeM: a petition farther than this from every reach gets no water
	// link (default 500 m).
	RangeM float64
	// MaxKm bounds the upstream search along the river (default 10 km).
	MaxKm float64
}

// WaterLink is the water side of a petition whose odour suggests waste
// water, smelt near a river: the nearest reach and the facilities
// discharging upstream of it, nearest along the river first.
type WaterLink struct {
	Reach     string  `json:"reach"`
	DistanceM float64 `json:"distance_m"`
	// Upstream lists the outfalls upstream within MaxKm.
	Upstream []WaterSuspect `json:"upstream"`
	Reason   string         `json:"reason"`
}

// WaterSuspect is one outfall upstream of the petition's reach.
type WaterSuspect struct {
	FacilityID  string  `json:"facility_id"`
	Name        string  `json:"name"`
	Industry    string  `json:"industry"`
	Outfall     string  `json:"outfall"`
	RiverKm     float64 `json:"river_km"`
	TravelHours float64 `json:"travel_hours"`
	// Profile is the petition category's weight for the industry (0 when
	// the odour is not typical of it).
	Profile float64 `json:"profile"`
}

// Suspect is one facility of the combined list of a traced petition: its
// air score (the plume vote) and its water link, whichever apply.
type Suspect struct {
	FacilityID string `json:"facility_id"`
	Name       string `json:"name"`
	// Sources are "air", "water" or both.
	Sources  []string `json:"sources"`
	AirScore *float64 `json:"air_score,omitempty"`
	RiverKm  *float64 `json:"river_km,omitempty"`
}

// WithBasin returns a copy of the engine that links traced petitions to
// the river network of b (see SuggestsWastewater and Trace).
func (e *Engine) WithBasin(b *basin.Basin, opt WaterOptions) *Engine {
	c := *e
	if opt.RangeM <= 0 {
		opt.RangeM = 500
	}
	if opt.MaxKm <= 0 {
		opt.MaxKm = 10
	}
	c.basin, c.water = b, opt
	return &c
}

// SuggestsWastewater reports whether a category points at waste water: the
// group wastewater (any type) or urban sewage.
func (c Category) SuggestsWastewater() bool {
	return c.Group == "wastewater" || c.Group == "urban" && c.Type == "sewage"
}

// waterLink adds the water link and the combined suspect list to a traced
// petition whose category suggests waste water, when a reach lies within
// RangeM.
func (e *Engine) waterLink(ctx context.Context, p *pet, res *Result) error {
	if e.basin == nil || !p.Category.SuggestsWastewater() {
		return nil
	}
	pt, err := e.basin.ToNetwork(model.FromLonLat(p.Lon, p.Lat))
	if err != nil {
		return err
	}
	snaps, err := e.basin.Net.SnapPoint(pt, 1, e.water.RangeM)
	if errors.Is(err, hydro.ErrNoGeometry) {
		return nil // a topology-only network has no reach to smell near
	}
	if err != nil {
		return fmt.Errorf("odour: water link of petition %s: %w", p.ID, err)
	}
	if len(snaps) == 0 {
		return nil
	}
	s := snaps[0]
	up, err := e.basin.UpstreamOf(ctx, basin.Place{Reach: s.Reach, Measure: s.Measure, OffsetM: s.OffsetM}, 0)
	if err != nil {
		return err
	}
	link := &WaterLink{Reach: e.basin.Net.ID(s.Reach), DistanceM: math.Round(s.OffsetM), Upstream: []WaterSuspect{}}
	for _, r := range up.Reaches() {
		for _, o := range e.basin.OutfallsOn(r) {
			km, h, ok := up.Along(o.Place.Reach, o.Place.Measure)
			if !ok || km > e.water.MaxKm {
				continue
			}
			f, _ := e.ds.Facility(o.Outfall.Facility)
			ws := WaterSuspect{FacilityID: o.Outfall.Facility, Outfall: o.Outfall.ID, RiverKm: round(km, 2), TravelHours: round(h, 2)}
			if f != nil {
				ws.Name, ws.Industry = f.Name, f.Industry
				ws.Profile = MatchIndustry(p.Category, f.Industry).Weight
			}
			link.Upstream = append(link.Upstream, ws)
		}
	}
	sort.SliceStable(link.Upstream, func(i, j int) bool { return link.Upstream[i].RiverKm < link.Upstream[j].RiverKm })
	link.Reason = fmt.Sprintf("%s suggests waste water and was smelt %.0f m from reach %s: %d outfalls discharge within %.0f km upstream",
		p.Category, s.OffsetM, link.Reach, len(link.Upstream), e.water.MaxKm)
	res.Water = link
	res.Suspects = suspects(res.Candidates, link.Upstream)
	return nil
}

// suspects merges the air candidates and the water suspects by facility:
// facilities on both lists first, then by air score, then by river
// distance.
func suspects(air []Candidate, water []WaterSuspect) []Suspect {
	by := map[string]*Suspect{}
	var order []string
	get := func(id, name string) *Suspect {
		if s, ok := by[id]; ok {
			return s
		}
		by[id] = &Suspect{FacilityID: id, Name: name, Sources: []string{}}
		order = append(order, id)
		return by[id]
	}
	for _, c := range air {
		if c.Score <= 0 {
			continue
		}
		s := get(c.FacilityID, c.Name)
		v := c.Score
		s.AirScore, s.Sources = &v, append(s.Sources, "air")
	}
	for _, w := range water {
		s := get(w.FacilityID, w.Name)
		if s.RiverKm != nil {
			continue
		}
		v := w.RiverKm
		s.RiverKm, s.Sources = &v, append(s.Sources, "water")
	}
	out := make([]Suspect, 0, len(order))
	for _, id := range order {
		out = append(out, *by[id])
	}
	score := func(s Suspect) float64 {
		if s.AirScore == nil {
			return 0
		}
		return *s.AirScore
	}
	km := func(s Suspect) float64 {
		if s.RiverKm == nil {
			return math.Inf(1)
		}
		return *s.RiverKm
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if len(a.Sources) != len(b.Sources) {
			return len(a.Sources) > len(b.Sources)
		}
		if score(a) != score(b) {
			return score(a) > score(b)
		}
		return km(a) < km(b)
	})
	return out
}
