package farmland

import (
	"sort"

	"github.com/envtrace/envtrace/tracing/param"
)

// IrrigationSource is the legal source of the irrigation water limits.
const IrrigationSource = "灌溉用水水質標準 (Irrigation Water Quality Standards, 農業部)"

// SoilSource is the legal source of the soil standards for food-crop
// farmland.
const SoilSource = "土壤污染管制標準 / 土壤污染監測標準 (環境部), 食用作物農地"

// Limit is one irrigation water limit in the parameter's canonical unit.
// Min applies when HasMin (pH's lower bound).
type Limit struct {
	Parameter string  `json:"parameter"`
	Max       float64 `json:"max"`
	Min       float64 `json:"min,omitempty"`
	HasMin    bool    `json:"-"`
	Unit      string  `json:"unit"`
	Source    string  `json:"source"`
	// Verified says whether the value was checked against the official
	// text; the others are the commonly cited values (docs/farmland.md).
	Verified bool `json:"verified"`
}

// Exceeded says whether a concentration breaks the limit.
func (l Limit) Exceeded(v float64) bool { return v > l.Max || (l.HasMin && v < l.Min) }

// irrigation is the irrigation water quality standard, canonical units:
// the values the issue cites, not yet checked against the gazetted text
// in this repository (see docs/farmland.md).
var irrigation = []Limit{
	{Parameter: "Cu", Max: 0.2}, {Parameter: "Zn", Max: 2.0}, {Parameter: "Ni", Max: 0.2},
	{Parameter: "Cr6+", Max: 0.1}, {Parameter: "Cd", Max: 0.01}, {Parameter: "Pb", Max: 0.1},
	{Parameter: "Hg", Max: 0.002}, {Parameter: "As", Max: 0.05}, {Parameter: "COND", Max: 750},
	{Parameter: "pH", Min: 6.0, HasMin: true, Max: 9.0},
}

// IrrigationLimit returns the irrigation water standard for a parameter
// (any spelling tracing/param accepts), false when the standard sets none.
func IrrigationLimit(parameter string) (Limit, bool) {
	p, err := param.Lookup(parameter)
	if err != nil {
		return Limit{}, false
	}
	for _, l := range irrigation {
		if l.Parameter == p.ID {
			l.Unit, l.Source = p.Unit, IrrigationSource
			return l, true
		}
	}
	return Limit{}, false
}

// SoilStandard is the food-crop farmland monitoring and control standard
// of one metal, mg/kg dry soil.
type SoilStandard struct {
	Parameter  string  `json:"parameter"`
	Monitoring float64 `json:"monitoring_mg_kg"`
	Control    float64 `json:"control_mg_kg"`
}

// soil holds the food-crop farmland values (total concentration, mg/kg)
// as commonly cited for the 2011 amendments; docs/farmland.md marks them
// unverified against the gazette.
var soil = map[string]SoilStandard{
	"As": {"As", 30, 60}, "Cd": {"Cd", 2.5, 5}, "Cr": {"Cr", 175, 250}, "Cu": {"Cu", 120, 200},
	"Hg": {"Hg", 2, 5}, "Ni": {"Ni", 130, 200}, "Pb": {"Pb", 300, 500}, "Zn": {"Zn", 260, 600},
}

// SoilFor returns the soil standard of a metal.
func SoilFor(parameter string) (SoilStandard, bool) {
	p, err := param.Lookup(parameter)
	if err != nil {
		return SoilStandard{}, false
	}
	s, ok := soil[p.ID]
	return s, ok
}

// SoilMetals lists the metals with a soil standard, sorted.
func SoilMetals() []string {
	out := make([]string, 0, len(soil))
	for k := range soil {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
