// Package industry holds the pollutant profiles of the industries that
// Taiwan's water-pollution permits name (and of the industries odour
// petitions point at, whose odours tracing/odour profiles). Tracing uses them to ask "could a
// plant of this kind have discharged this parameter at all, and at what
// concentration?" when a permit does not list the parameter, and inspection
// planning uses the risk flags.
//
// Concentrations are untreated (raw) wastewater maxima and typical treated
// effluent, in the parameter's canonical unit (mg/L, or ADMI for colour).
// They are order-of-magnitude planning values drawn from the general
// character of each industry's wastewater (metal plating baths and rinses,
// reactive dye baths, piggery slurry, pulp white water), not measurements of
// any plant.
package industry

import (
	"fmt"
	"sort"
	"strings"
)

// Signature is what one industry's wastewater carries of one parameter.
type Signature struct {
	// TypicalEffluent is a normal treated concentration.
	TypicalEffluent float64
	// MaxRaw is the highest plausible untreated concentration: a plant
	// bypassing treatment cannot discharge more than this.
	MaxRaw float64
}

// Profile is one industry category.
type Profile struct {
	// ID is the canonical category id written in data files.
	ID string
	// Name is the English name; NameZH the MOENV category name.
	Name, NameZH string
	// Aliases are other accepted spellings.
	Aliases []string
	// HighRisk marks categories the central region prioritises for
	// inspection (heavy metals reaching irrigation canals).
	HighRisk bool
	// Signatures maps tracing/param ids to the industry's signature.
	Signatures map[string]Signature
}

// Emits reports whether the industry's wastewater carries parameter p.
func (p Profile) Emits(param string) (Signature, bool) {
	s, ok := p.Signatures[param]
	return s, ok
}

var organic = func(bod, cod, ss float64) map[string]Signature {
	return map[string]Signature{
		"BOD5": {TypicalEffluent: 20, MaxRaw: bod},
		"COD":  {TypicalEffluent: 60, MaxRaw: cod},
		"SS":   {TypicalEffluent: 20, MaxRaw: ss},
	}
}

func with(base map[string]Signature, extra map[string]Signature) map[string]Signature {
	out := map[string]Signature{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

var profiles = []Profile{
	{ID: "electroplating", Name: "electroplating", NameZH: "電鍍業", Aliases: []string{"plating", "metal finishing", "金屬表面處理業"}, HighRisk: true,
		Signatures: with(organic(100, 400, 200), map[string]Signature{
			"Cu": {0.8, 150}, "Ni": {0.5, 120}, "Cr": {0.5, 150}, "Cr6+": {0.1, 80}, "Zn": {1, 150},
			"Cd": {0.01, 5}, "Pb": {0.2, 20}, "CN": {0.2, 80}, "pH": {7, 14}, "COND": {3000, 30000},
		})},
	{ID: "pcb", Name: "printed circuit boards", NameZH: "印刷電路板製造業", Aliases: []string{"printed circuit board", "PCB"}, HighRisk: true,
		Signatures: with(organic(150, 600, 150), map[string]Signature{
			"Cu": {1, 200}, "Ni": {0.3, 50}, "Pb": {0.1, 10}, "NH3-N": {10, 300}, "COND": {2500, 20000}, "pH": {7, 14},
		})},
	{ID: "dyeing", Name: "textile dyeing and finishing", NameZH: "染整業", Aliases: []string{"dyeing", "textile dyeing", "染整"}, HighRisk: true,
		Signatures: with(organic(400, 2000, 300), map[string]Signature{
			"COLOUR": {300, 5000}, "TEMP": {33, 60}, "pH": {8, 12}, "COND": {3000, 15000}, "Cu": {0.2, 5}, "Cr": {0.1, 5},
		})},
	{ID: "livestock", Name: "livestock (piggery)", NameZH: "畜牧業", Aliases: []string{"piggery", "pig farm", "養豬業"},
		Signatures: with(organic(5000, 12000, 8000), map[string]Signature{
			"NH3-N": {50, 1500}, "TN": {80, 2000}, "TP": {10, 300}, "Cu": {0.3, 20}, "Zn": {0.5, 40},
		})},
	{ID: "paper", Name: "pulp and paper", NameZH: "造紙業", Aliases: []string{"paper mill", "pulp"},
		Signatures: with(organic(800, 3000, 2000), map[string]Signature{
			"COLOUR": {150, 2000}, "TEMP": {33, 50},
		})},
	{ID: "food", Name: "food processing", NameZH: "食品製造業", Aliases: []string{"food processing", "食品業"},
		Signatures: with(organic(2000, 5000, 1000), map[string]Signature{
			"OG": {5, 500}, "NH3-N": {5, 100}, "TP": {2, 50},
		})},
	{ID: "semiconductor", Name: "semiconductor manufacturing", NameZH: "半導體製造業", Aliases: []string{"semiconductor", "wafer fab"}, HighRisk: true,
		Signatures: with(organic(50, 200, 50), map[string]Signature{
			"Cu": {0.3, 30}, "NH3-N": {15, 500}, "As": {0.05, 5}, "COND": {2000, 10000}, "pH": {7, 13},
		})},
	{ID: "tanning", Name: "leather tanning", NameZH: "皮革業", Aliases: []string{"tannery"}, HighRisk: true,
		Signatures: with(organic(2000, 6000, 3000), map[string]Signature{
			"Cr": {1, 300}, "NH3-N": {20, 400}, "COND": {5000, 40000},
		})},
	{ID: "sewage", Name: "industrial-park or municipal sewage plant", NameZH: "污水下水道系統", Aliases: []string{"wwtp", "sewage treatment", "industrial park sewage"},
		Signatures: with(organic(300, 800, 300), map[string]Signature{
			"NH3-N": {10, 60}, "TN": {15, 80}, "TP": {2, 15}, "Cu": {0.3, 5}, "Zn": {0.5, 5}, "Ni": {0.2, 3}, "Cr": {0.1, 3}, "COND": {2000, 8000},
		})},

	// Industries that matter mostly for odour petitions; their water
	// signatures follow the same order-of-magnitude rule.
	{ID: "petrochemical", Name: "petrochemical and refining", NameZH: "石油化學業", Aliases: []string{"refinery", "石化業", "煉油業"}, HighRisk: true,
		Signatures: with(organic(400, 1500, 300), map[string]Signature{"OG": {5, 1000}, "COND": {2000, 15000}})},
	{ID: "chemical", Name: "chemical materials manufacturing", NameZH: "化學材料製造業", Aliases: []string{"chemicals", "化學工業", "化工業"}, HighRisk: true,
		Signatures: with(organic(300, 2000, 200), map[string]Signature{"NH3-N": {10, 500}, "COND": {2500, 30000}, "pH": {7, 14}})},
	{ID: "rendering", Name: "rendering (animal by-products)", NameZH: "化製業", Aliases: []string{"rendering plant", "化製場", "fishmeal"},
		Signatures: with(organic(5000, 15000, 3000), map[string]Signature{"NH3-N": {30, 1500}, "OG": {10, 3000}})},
	{ID: "waste", Name: "waste treatment and landfill", NameZH: "廢棄物處理業", Aliases: []string{"landfill", "incinerator", "掩埋場", "焚化廠", "廢棄物清除處理業"},
		Signatures: with(organic(2000, 6000, 500), map[string]Signature{"NH3-N": {20, 1500}, "COND": {3000, 20000}})},
	{ID: "composting", Name: "composting", NameZH: "堆肥場", Aliases: []string{"compost", "organic fertiliser", "有機肥料製造業"},
		Signatures: with(organic(3000, 8000, 2000), map[string]Signature{"NH3-N": {30, 1000}})},
	{ID: "feed", Name: "animal feed manufacturing", NameZH: "飼料製造業", Aliases: []string{"feed mill", "飼料業"},
		Signatures: organic(1000, 3000, 800)},
	{ID: "rubber", Name: "rubber products", NameZH: "橡膠製品製造業", Aliases: []string{"tyres", "橡膠業"},
		Signatures: with(organic(200, 800, 200), map[string]Signature{"Zn": {0.5, 30}})},
	{ID: "plastics", Name: "plastic products", NameZH: "塑膠製品製造業", Aliases: []string{"plastic products", "塑膠業"},
		Signatures: organic(100, 500, 100)},
	{ID: "asphalt", Name: "asphalt mixing", NameZH: "瀝青拌合業", Aliases: []string{"asphalt plant", "瀝青業"},
		Signatures: map[string]Signature{"SS": {20, 2000}, "OG": {5, 200}}},
	{ID: "coating", Name: "surface coating and painting", NameZH: "表面塗裝業", Aliases: []string{"painting", "spray painting", "塗裝業"},
		Signatures: with(organic(200, 1500, 200), map[string]Signature{"Zn": {0.5, 20}})},
}

var byName = func() map[string]*Profile {
	m := map[string]*Profile{}
	for i := range profiles {
		p := &profiles[i]
		for _, n := range append([]string{p.ID, p.Name, p.NameZH}, p.Aliases...) {
			m[strings.ToLower(strings.TrimSpace(n))] = p
		}
	}
	return m
}()

// Lookup finds a profile by id, name or alias (English or Chinese). An
// unknown category is an error: tracing must not guess what a plant emits.
func Lookup(name string) (Profile, error) {
	if p, ok := byName[strings.ToLower(strings.TrimSpace(name))]; ok {
		return *p, nil
	}
	return Profile{}, fmt.Errorf("unknown industry category %q (known: %s)", name, strings.Join(IDs(), ", "))
}

// IDs lists the canonical category ids.
func IDs() []string {
	out := make([]string, len(profiles))
	for i, p := range profiles {
		out[i] = p.ID
	}
	sort.Strings(out)
	return out
}

// All returns every profile.
func All() []Profile { return append([]Profile(nil), profiles...) }
