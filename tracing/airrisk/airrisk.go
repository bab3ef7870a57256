// Package airrisk screens high-pollution-risk areas and industries from
// the hotspot analysis and the facilities around it. Every flag lists the
// terms it multiplies, so an inspector can see why an area or an industry
// ranks where it does.
//
//   - Areas: score = hot-spot term × facility term. The hot-spot term is
//     the unit's Gi* z-score when it is a significant hot spot (after FDR),
//     else 0; the facility term is 1 + the density (per km²) of facilities
//     within the unit's band, each weighted by its industry's risk class
//     (RiskClass: 3 for steel, petrochemicals, power, cement and
//     incineration; 2 for surface treatment, dyeing, plastics, chemicals,
//     paper and printing; 1 otherwise).
//   - Industries: for each industry, the anomaly events (sensor
//     exceedances, ADF emission or RED events) associated with its
//     facilities, per facility, against the mean over all facilities; an
//     Association weighs each (facility, event) pair. Proximity is the
//     wind-blind association (an event within Radius of the facility
//     counts 1); Downwind is the wind-aware one (the share of the
//     facility's plume that reached the event under the wind at its time).
package airrisk

import (
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/spatial"
	"github.com/envtrace/envtrace/tracing/hotspot"
)

// Facility is a candidate source.
type Facility struct {
	ID, Industry string
	Point        orb.Point // TWD97 metres
}

// riskKeywords maps words of an industry name (Chinese or English) to its
// risk class.
var riskKeywords = []struct {
	words []string
	class int
}{
	{[]string{"鋼鐵", "煉鋼", "steel", "石化", "煉油", "petrochem", "refin", "電力", "發電", "power", "水泥", "cement", "焚化", "incinerat"}, 3},
	{[]string{"電鍍", "表面處理", "plating", "染整", "dyeing", "塑膠", "plastic", "化學", "chemical", "造紙", "paper", "印刷", "printing"}, 2},
}

// RiskClass is an industry's air-risk class, 1 (default) to 3.
func RiskClass(industry string) int {
	s := strings.ToLower(industry)
	for _, k := range riskKeywords {
		for _, w := range k.words {
			if strings.Contains(s, strings.ToLower(w)) {
				return k.class
			}
		}
	}
	return 1
}

// AreaFlag is one unit's risk with its terms.
type AreaFlag struct {
	Unit            string  `json:"unit"`
	Score           float64 `json:"score"`
	HotspotZ        float64 `json:"hotspot_z"`
	Facilities      int     `json:"facilities"`
	WeightedDensity float64 `json:"weighted_density_per_km2"`
	FacilityTerm    float64 `json:"facility_term"`
	SignificantHot  bool    `json:"significant_hot"`
	Explanation     string  `json:"explanation"`
}

// Areas scores the units of a Gi* result (method gi). Units that are not
// significant hot spots score 0 and are left out.
func Areas(h *hotspot.Result, facilities []Facility) []AreaFlag {
	pts := make([]orb.Point, len(facilities))
	for i, f := range facilities {
		pts[i] = f.Point
	}
	ix := spatial.NewPointIndex(pts)
	r := h.BandM
	areaKm2 := math.Pi * r * r / 1e6
	var out []AreaFlag
	for _, u := range h.Units {
		if u.Spot != "hot" || u.Z == nil {
			continue
		}
		within := ix.Within(orb.Point{u.X, u.Y}, r)
		w := 0.0
		for _, i := range within {
			w += float64(RiskClass(facilities[i].Industry))
		}
		density := w / areaKm2
		term := 1 + density
		f := AreaFlag{Unit: u.ID, HotspotZ: *u.Z, Facilities: len(within), WeightedDensity: density, FacilityTerm: term,
			SignificantHot: true, Score: *u.Z * term}
		f.Explanation = explainArea(f, r)
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

func explainArea(f AreaFlag, r float64) string {
	return "significant hot spot (Gi* z " + ftoa(f.HotspotZ) + ") × (1 + " + ftoa(f.WeightedDensity) +
		" risk-weighted facilities per km² within " + ftoa(r) + " m, " + itoa(f.Facilities) + " facilities) = " + ftoa(f.Score)
}

// Association weighs how strongly an event can be tied to a facility.
type Association interface {
	Weight(f Facility, e hotspot.Event) float64
	Describe() string
}

// Proximity associates an event with every facility within Radius metres.
// It ignores wind: it is the fallback where no wind is known (Downwind
// otherwise).
type Proximity struct{ Radius float64 }

// Weight is 1 within the radius, else 0.
func (p Proximity) Weight(f Facility, e hotspot.Event) float64 {
	if math.Hypot(f.Point[0]-e.Point[0], f.Point[1]-e.Point[1]) <= p.Radius {
		return 1
	}
	return 0
}

// Describe names the association in explanations.
func (p Proximity) Describe() string {
	return "events within " + ftoa(p.Radius) + " m (wind not used)"
}

// IndustryFlag ranks one industry.
type IndustryFlag struct {
	Industry    string  `json:"industry"`
	RiskClass   int     `json:"risk_class"`
	Facilities  int     `json:"facilities"`
	Events      float64 `json:"associated_events"`
	PerFacility float64 `json:"per_facility"`
	OverallMean float64 `json:"overall_per_facility"`
	Ratio       float64 `json:"ratio"`
	Explanation string  `json:"explanation"`
}

// Industries ranks industries by associated events per facility against
// the mean over all facilities (ratio > 1: more anomalies than facilities
// in general).
func Industries(facilities []Facility, events []hotspot.Event, assoc Association) []IndustryFlag {
	per := make([]float64, len(facilities))
	total := 0.0
	for i, f := range facilities {
		for _, e := range events {
			per[i] += assoc.Weight(f, e)
		}
		total += per[i]
	}
	if len(facilities) == 0 {
		return nil
	}
	mean := total / float64(len(facilities))
	groups := map[string][]int{}
	for i, f := range facilities {
		groups[f.Industry] = append(groups[f.Industry], i)
	}
	var out []IndustryFlag
	for ind, idx := range groups {
		ev := 0.0
		for _, i := range idx {
			ev += per[i]
		}
		fl := IndustryFlag{Industry: ind, RiskClass: RiskClass(ind), Facilities: len(idx), Events: ev, PerFacility: ev / float64(len(idx)), OverallMean: mean}
		if mean > 0 {
			fl.Ratio = fl.PerFacility / mean
		}
		fl.Explanation = ftoa(fl.Events) + " associated events over " + itoa(fl.Facilities) + " facilities = " + ftoa(fl.PerFacility) +
			" per facility, " + ftoa(fl.Ratio) + "× the mean " + ftoa(mean) + "; association: " + assoc.Describe()
		out = append(out, fl)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Ratio != out[j].Ratio {
			return out[i].Ratio > out[j].Ratio
		}
		return out[i].Industry < out[j].Industry
	})
	return out
}

func ftoa(v float64) string {
	return strings.TrimRight(strings.TrimRight(strconvFormat(v), "0"), ".")
}
