package farmland

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// Screening arithmetic: mg/L = g/m³; a hectare is 10⁴ m²; bulk density in
// g/cm³ is t/m³, so a layer of depth d holds d·10⁴·ρ t = d·10⁷·ρ kg of soil.
const (
	m2PerHa     = 1e4
	kgPerTonne  = 1e3
	mgPerGram   = 1e3
	maxRankYear = 1e6 // beyond this the increase is nil for screening
)

// MetalRisk is one metal's accumulation on one area.
type MetalRisk struct {
	Parameter string `json:"parameter"`
	// Water is the mean canal concentration (mg/L) over N readings at
	// Station, censored values at half their detection limit.
	Water float64 `json:"water_mg_l"`
	N     int     `json:"n"`
	// LoadGHaY is the metal delivered per hectare and year (g/ha/y) and
	// IncreaseMgKgY what it adds to the plough layer each year (mg/kg/y),
	// all of it retained (no uptake, no leaching: a screening upper bound).
	LoadGHaY     float64 `json:"load_g_ha_y"`
	IncreaseMgKg float64 `json:"increase_mg_kg_y"`
	Soil         float64 `json:"soil_mg_kg"`
	Monitoring   float64 `json:"monitoring_mg_kg"`
	Control      float64 `json:"control_mg_kg"`
	// YearsToMonitoring and YearsToControl are null when the metal does
	// not accumulate; 0 when the soil is already at the standard.
	YearsToMonitoring *float64 `json:"years_to_monitoring"`
	YearsToControl    *float64 `json:"years_to_control"`
}

// Suspect is a discharger upstream of an area's intakes.
type Suspect struct {
	FacilityID  string  `json:"facility_id"`
	Name        string  `json:"name"`
	ReachID     string  `json:"reach_id"`
	TravelHours float64 `json:"travel_hours"`
	// CanalPermit is the facility's canal discharge permit (搭排) on the
	// screened period's last day, when it holds one: it discharges into the
	// irrigation water itself.
	CanalPermit string `json:"canal_permit,omitempty"`
}

// AreaRisk is one irrigated area in the ranking.
type AreaRisk struct {
	Rank      int      `json:"rank"`
	AreaID    string   `json:"area_id"`
	IntakeIDs []string `json:"intake_ids"`
	AreaHa    float64  `json:"area_ha"`
	Station   string   `json:"station,omitempty"`
	// Limiting is the metal that reaches its monitoring standard first.
	Limiting          string      `json:"limiting,omitempty"`
	YearsToMonitoring *float64    `json:"years_to_monitoring"`
	YearsToControl    *float64    `json:"years_to_control"`
	Metals            []MetalRisk `json:"metals"`
	Suspects          []Suspect   `json:"suspects"`
	// Missing says why an area could not be screened.
	Missing string `json:"missing,omitempty"`
}

// Accumulation is the ranking, most urgent first.
type Accumulation struct {
	From  time.Time  `json:"from"`
	To    time.Time  `json:"to"`
	Areas []AreaRisk `json:"areas"`
}

// Accumulate ranks the irrigated areas by the years their soil takes to
// reach the food-crop farmland monitoring standard, from the canal
// readings of [from, to) at the nearest station upstream of each area's
// intakes and its irrigation volume, and lists the dischargers upstream of
// those intakes as suspects.
func (e *Engine) Accumulate(ctx context.Context, from, to time.Time) (*Accumulation, error) {
	out := &Accumulation{From: from, To: to, Areas: []AreaRisk{}}
	for _, a := range e.D.Areas {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ar, err := e.areaRisk(ctx, a, from, to)
		if err != nil {
			return nil, err
		}
		out.Areas = append(out.Areas, ar)
	}
	sort.SliceStable(out.Areas, func(i, j int) bool { return before(out.Areas[i], out.Areas[j]) })
	for i := range out.Areas {
		out.Areas[i].Rank = i + 1
	}
	return out, nil
}

// before orders areas by years to monitoring, then to control; unscreened
// and non-accumulating areas last, by id.
func before(a, b AreaRisk) bool {
	ya, yb := years(a.YearsToMonitoring), years(b.YearsToMonitoring)
	if ya != yb {
		return ya < yb
	}
	ca, cb := years(a.YearsToControl), years(b.YearsToControl)
	if ca != cb {
		return ca < cb
	}
	return a.AreaID < b.AreaID
}

func years(p *float64) float64 {
	if p == nil {
		return math.Inf(1)
	}
	return *p
}

func (e *Engine) areaRisk(ctx context.Context, a Area, from, to time.Time) (AreaRisk, error) {
	ar := AreaRisk{AreaID: a.ID, IntakeIDs: a.IntakeIDs, AreaHa: a.AreaHa, Metals: []MetalRisk{}, Suspects: []Suspect{}}
	var ups []*basin.Upstream
	for _, id := range a.IntakeIDs {
		in, ok := e.placed(id)
		if !ok {
			continue
		}
		u, err := e.B.UpstreamOf(ctx, in.place, 0)
		if err != nil {
			return ar, err
		}
		ups = append(ups, u)
	}
	if len(ups) == 0 {
		ar.Missing = "none of the area's intakes is on the network"
		return ar, nil
	}
	last := ups[e.lastIntake(a)]
	ar.Suspects = e.suspects(last, to)
	if a.DepthM <= 0 || a.BulkDensity <= 0 || a.IrrigationM3HaY <= 0 {
		ar.Missing = "depth_m, bulk_density and irrigation_m3_ha_y are needed"
		return ar, nil
	}
	ar.Station = e.nearestStation(last, from, to)
	if ar.Station == "" {
		ar.Missing = "no station with metal readings in the period upstream of the area's intakes"
		return ar, nil
	}
	soilKgHa := a.DepthM * m2PerHa * a.BulkDensity * kgPerTonne
	for _, m := range SoilMetals() {
		mean, n := meanReading(e.B.DS.ReadingsAt(ar.Station), m, from, to)
		if n == 0 {
			continue
		}
		std, _ := SoilFor(m)
		mr := MetalRisk{Parameter: m, Water: round(mean, 6), N: n, Soil: a.Soil[m], Monitoring: std.Monitoring, Control: std.Control}
		load := mean * a.IrrigationM3HaY // g/ha/y
		mr.LoadGHaY = round(load, 3)
		inc := load * mgPerGram / soilKgHa
		mr.IncreaseMgKg = round(inc, 6)
		mr.YearsToMonitoring = yearsTo(a.Soil[m], std.Monitoring, inc)
		mr.YearsToControl = yearsTo(a.Soil[m], std.Control, inc)
		ar.Metals = append(ar.Metals, mr)
		if years(mr.YearsToMonitoring) < years(ar.YearsToMonitoring) {
			ar.YearsToMonitoring, ar.Limiting = mr.YearsToMonitoring, m
		}
		if years(mr.YearsToControl) < years(ar.YearsToControl) {
			ar.YearsToControl = mr.YearsToControl
		}
	}
	if len(ar.Metals) == 0 {
		ar.Missing = fmt.Sprintf("station %s has no metal readings in the period", ar.Station)
	}
	return ar, nil
}

// yearsTo is (standard − soil) / increase, 0 when the soil is already
// there, nil when nothing accumulates.
func yearsTo(soil, std, inc float64) *float64 {
	var y float64
	switch {
	case soil >= std:
		y = 0
	case inc <= 0 || (std-soil)/inc > maxRankYear:
		return nil
	default:
		y = round((std-soil)/inc, 2)
	}
	return &y
}

// meanReading averages a parameter's readings in [from, to); a censored
// reading counts as half its detection limit.
func meanReading(rs []*model.Reading, p string, from, to time.Time) (float64, int) {
	sum, n := 0.0, 0
	for _, r := range rs {
		if r.Parameter != p || r.Time.Before(from) || !r.Time.Before(to) {
			continue
		}
		v := r.Value
		if r.Censored {
			v /= 2
		}
		sum += v
		n++
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

func (e *Engine) placed(id string) (placedIntake, bool) {
	for _, in := range e.intakes {
		if in.ID == id {
			return in, true
		}
	}
	return placedIntake{}, false
}

// lastIntake is the index, among the area's placed intakes, of the one the
// water passes last (most of the others lie upstream of it): the water
// the area gets is the water at that gate.
func (e *Engine) lastIntake(a Area) int {
	var ps []basin.Place
	for _, id := range a.IntakeIDs {
		if in, ok := e.placed(id); ok {
			ps = append(ps, in.place)
		}
	}
	best, bestN := 0, -1
	for i, p := range ps {
		above, n := e.B.Above(p), 0
		for j, q := range ps {
			if j != i && above.Contains(q.Reach, q.Measure) {
				n++
			}
		}
		if n > bestN {
			best, bestN = i, n
		}
	}
	return best
}

// nearestStation is the station with metal readings in [from, to) that the
// water passes last before the intake: the canal's own station when it has
// one.
func (e *Engine) nearestStation(u *basin.Upstream, from, to time.Time) string {
	best, bestH := "", math.Inf(1)
	for _, id := range e.B.StationIDs() {
		pl, _ := e.B.Station(id)
		if _, h, ok := u.Along(pl.Reach, pl.Measure); ok && (h < bestH || h == bestH && id < best) && e.hasMetal(id, from, to) {
			best, bestH = id, h
		}
	}
	return best
}

// hasMetal says whether a station measured a metal with a soil standard in
// [from, to).
func (e *Engine) hasMetal(station string, from, to time.Time) bool {
	for _, m := range SoilMetals() {
		if _, n := meanReading(e.B.DS.ReadingsAt(station), m, from, to); n > 0 {
			return true
		}
	}
	return false
}

// suspects lists the facilities with an outfall upstream of the area's
// last intake (and so of all of them), nearest in travel time first.
func (e *Engine) suspects(u *basin.Upstream, on time.Time) []Suspect {
	by := map[string]Suspect{}
	for _, r := range u.Reaches() {
		for _, o := range e.B.OutfallsOn(r) {
			_, h, ok := u.Along(r, o.Place.Measure)
			if !ok {
				continue
			}
			s, seen := by[o.Outfall.Facility]
			if !seen || h < s.TravelHours {
				name := ""
				if f, ok := e.B.DS.Facility(o.Outfall.Facility); ok {
					name = f.Name
				}
				by[o.Outfall.Facility] = Suspect{FacilityID: o.Outfall.Facility, Name: name, ReachID: e.B.Net.ID(r), TravelHours: round(h, 3),
					CanalPermit: e.D.canalPermit(o.Outfall.Facility, on)}
			}
		}
	}
	out := make([]Suspect, 0, len(by))
	for _, s := range by {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TravelHours != out[j].TravelHours {
			return out[i].TravelHours < out[j].TravelHours
		}
		return out[i].FacilityID < out[j].FacilityID
	})
	return out
}
