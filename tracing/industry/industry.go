// Package industry holds the pollutant profiles of the industry categories
// that Taiwan's water-pollution permits name (the 事業分類 of the Water
// Pollution Control Act's 事業分類及定義), in Chinese and English, and of
// the industries odour petitions point at, whose odours tracing/odour
// profiles. Tracing uses them to ask "could a plant of this kind have
// discharged this parameter at all, at what strength, and does it handle
// acids or alkalis?", and inspection planning uses the risk flags.
//
// Concentrations are untreated (raw) wastewater ceilings and typical
// treated effluent, in the parameter's canonical unit (mg/L, µS/cm for
// conductivity, ADMI for colour, °C for temperature). They are
// order-of-magnitude planning values drawn from the general character of
// each industry's wastewater (spent plating baths and rinses, etchants,
// reactive dye baths, piggery slurry, pulp white water, slaughter blood
// water), not measurements of any plant. MaxRaw is the strongest water a
// plant of the kind can release at all, bypassing treatment and dumping
// its baths: tracing multiplies it by the largest volume the plant can
// release to bound the load it could have carried.
//
// # Vocabulary
//
// Categories are matched by id, English name, the Chinese category name or
// an alias, ignoring case and blanks. The table (IDs lists them) covers the
// categories this project meets in permits; docs/tracing.md lists it. A
// category the table does not know is not guessed: Resolve returns the
// Generic profile with a warning saying so, and the trace shows it.
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
	// bypassing treatment or dumping baths cannot release more than this.
	MaxRaw float64
}

// Profile is one industry category.
type Profile struct {
	// ID is the canonical category id written in data files.
	ID string
	// Name is the English name; NameZH the category name of the permit
	// system (事業分類).
	Name, NameZH string
	// Aliases are other accepted spellings.
	Aliases []string
	// HighRisk marks categories the central region prioritises for
	// inspection (heavy metals reaching irrigation canals).
	HighRisk bool
	// Acid and Alkali say whether the category's processes handle strong
	// acids (pickling, etching) or alkalis (caustic cleaning, mercerising,
	// liming): the plants a pH excursion is traced to.
	Acid, Alkali bool
	// Signatures maps tracing/param ids to the industry's signature.
	Signatures map[string]Signature
}

// Emits reports whether the industry's wastewater carries parameter p.
func (p Profile) Emits(param string) (Signature, bool) {
	s, ok := p.Signatures[param]
	return s, ok
}

// organic is the oxygen demand and solids of a category's raw wastewater.
func organic(bod, cod, ss float64) map[string]Signature {
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

// Generic is the profile of a category the table does not know: organic
// wastewater of moderate strength (BOD5 500, COD 1 500, SS 500 mg/L raw),
// conductivity up to 5 000 µS/cm, and no metals, ammonia, acids or
// alkalis, because nothing is known that would justify them. A permit
// that limits a parameter still covers it.
var Generic = Profile{ID: "generic", Name: "unknown category (generic profile)", NameZH: "未分類",
	Signatures: with(organic(500, 1500, 500), map[string]Signature{"COND": {1500, 5000}})}

var profiles = []Profile{
	{ID: "electroplating", Name: "electroplating", NameZH: "電鍍業", Aliases: []string{"plating", "metal finishing", "金屬表面處理業", "metal surface treatment"},
		HighRisk: true, Acid: true, Alkali: true,
		Signatures: with(organic(100, 400, 200), map[string]Signature{
			"Cu": {0.8, 150}, "Ni": {0.5, 120}, "Cr": {0.5, 150}, "Cr6+": {0.1, 80}, "Zn": {1, 150},
			"Cd": {0.01, 5}, "Pb": {0.2, 20}, "CN": {0.2, 80}, "COND": {3000, 30000}, "Cl": {500, 5000},
		})},
	{ID: "pcb", Name: "printed circuit boards", NameZH: "印刷電路板製造業", Aliases: []string{"printed circuit board", "PCB", "印刷電路板"},
		HighRisk: true, Acid: true, Alkali: true,
		Signatures: with(organic(150, 600, 150), map[string]Signature{
			"Cu": {1, 200}, "Ni": {0.3, 50}, "Pb": {0.1, 10}, "NH3-N": {10, 300}, "COND": {2500, 20000},
		})},
	{ID: "semiconductor", Name: "semiconductor manufacturing", NameZH: "半導體製造業", Aliases: []string{"semiconductor", "wafer fab", "晶圓製造及半導體製造業"},
		HighRisk: true, Acid: true, Alkali: true,
		Signatures: with(organic(50, 200, 50), map[string]Signature{
			"Cu": {0.3, 30}, "NH3-N": {15, 500}, "As": {0.05, 5}, "COND": {2000, 10000},
		})},
	{ID: "optoelectronics", Name: "optoelectronic materials and components", NameZH: "光電材料及元件製造業", Aliases: []string{"LCD panels", "光電業"},
		HighRisk: true, Acid: true, Alkali: true,
		Signatures: with(organic(100, 800, 100), map[string]Signature{
			"NH3-N": {10, 300}, "Cu": {0.2, 10}, "COND": {2000, 10000},
		})},
	{ID: "battery", Name: "battery manufacturing", NameZH: "電池製造業", Aliases: []string{"batteries"}, HighRisk: true, Acid: true,
		Signatures: with(organic(50, 200, 200), map[string]Signature{
			"Pb": {0.2, 50}, "Cd": {0.01, 5}, "Ni": {0.2, 50}, "Zn": {0.5, 50}, "COND": {3000, 20000},
		})},
	{ID: "steel", Name: "basic iron and steel", NameZH: "鋼鐵業", Aliases: []string{"iron and steel", "金屬基本工業", "basic metals"}, Acid: true,
		Signatures: with(organic(50, 300, 500), map[string]Signature{
			"Zn": {0.5, 50}, "Cr": {0.2, 30}, "Ni": {0.2, 20}, "OG": {5, 200}, "COND": {2000, 20000}, "TEMP": {32, 45},
		})},
	{ID: "dyeing", Name: "textile dyeing and finishing", NameZH: "染整業", Aliases: []string{"dyeing", "textile dyeing", "染整"},
		HighRisk: true, Alkali: true,
		Signatures: with(organic(400, 2000, 300), map[string]Signature{
			"COLOUR": {300, 5000}, "TEMP": {33, 60}, "COND": {3000, 15000}, "Cu": {0.2, 5}, "Cr": {0.1, 5},
		})},
	{ID: "textile", Name: "textiles (spinning and weaving)", NameZH: "紡織業", Aliases: []string{"textiles", "spinning", "weaving"}, Alkali: true,
		Signatures: with(organic(300, 1000, 200), map[string]Signature{"COLOUR": {100, 1000}, "COND": {1500, 6000}})},
	{ID: "tanning", Name: "leather tanning", NameZH: "皮革、毛皮整製業", Aliases: []string{"tannery", "皮革業", "leather"},
		HighRisk: true, Acid: true, Alkali: true,
		Signatures: with(organic(2000, 6000, 3000), map[string]Signature{
			"Cr": {1, 300}, "NH3-N": {20, 400}, "COND": {5000, 40000}, "Cl": {1000, 20000},
		})},
	{ID: "paper", Name: "pulp and paper", NameZH: "紙漿製造業及紙製造業", Aliases: []string{"paper mill", "pulp", "造紙業", "紙業"}, Alkali: true,
		Signatures: with(organic(800, 3000, 2000), map[string]Signature{
			"COLOUR": {150, 2000}, "TEMP": {33, 50}, "COND": {1500, 5000},
		})},
	{ID: "chemical", Name: "chemical manufacturing", NameZH: "化工業", Aliases: []string{"chemicals", "化學材料製造業", "化學工業", "chemical materials manufacturing"}, HighRisk: true, Acid: true, Alkali: true,
		Signatures: with(organic(500, 3000, 300), map[string]Signature{"NH3-N": {10, 500}, "COND": {3000, 30000}, "Cl": {500, 10000}})},
	{ID: "petrochemical", Name: "petrochemical industry", NameZH: "石油化學業", Aliases: []string{"petrochemicals", "石油煉製業", "refinery", "石化業", "煉油業", "petrochemical and refining"},
		HighRisk: true, Acid: true, Alkali: true,
		Signatures: with(organic(500, 2000, 300), map[string]Signature{"OG": {5, 1000}, "NH3-N": {10, 200}, "COND": {2000, 15000}, "TEMP": {33, 50}})},
	{ID: "pharmaceutical", Name: "pharmaceutical manufacturing", NameZH: "製藥業", Aliases: []string{"pharmaceuticals"}, Acid: true, Alkali: true,
		Signatures: with(organic(1500, 5000, 500), map[string]Signature{"NH3-N": {10, 300}, "COND": {2000, 10000}})},
	{ID: "food", Name: "food processing", NameZH: "食品製造業", Aliases: []string{"food processing", "食品業"}, Alkali: true,
		Signatures: with(organic(2000, 5000, 1000), map[string]Signature{
			"OG": {5, 500}, "NH3-N": {5, 100}, "TP": {2, 50},
		})},
	{ID: "beverage", Name: "beverage manufacturing", NameZH: "飲料製造業", Aliases: []string{"beverages", "brewery"}, Alkali: true,
		Signatures: with(organic(3000, 6000, 800), map[string]Signature{"TP": {1, 30}})},
	{ID: "slaughterhouse", Name: "slaughterhouse", NameZH: "屠宰業", Aliases: []string{"abattoir", "meat processing"},
		Signatures: with(organic(3000, 8000, 3000), map[string]Signature{"NH3-N": {20, 300}, "TN": {40, 600}, "TP": {5, 80}, "OG": {10, 1000}})},
	{ID: "livestock", Name: "livestock (piggery)", NameZH: "畜牧業", Aliases: []string{"piggery", "pig farm", "養豬業"},
		Signatures: with(organic(5000, 12000, 8000), map[string]Signature{
			"NH3-N": {50, 1500}, "TN": {80, 2000}, "TP": {10, 300}, "Cu": {0.3, 20}, "Zn": {0.5, 40}, "COND": {3000, 15000},
		})},
	{ID: "hospital", Name: "hospital", NameZH: "醫院", Aliases: []string{"hospitals", "醫療機構"},
		Signatures: with(organic(300, 600, 200), map[string]Signature{"NH3-N": {10, 80}})},
	{ID: "laundry", Name: "laundry", NameZH: "洗衣業", Aliases: []string{"laundries", "industrial laundry"}, Alkali: true,
		Signatures: with(organic(400, 1200, 300), map[string]Signature{"TP": {2, 40}, "TEMP": {30, 45}, "COND": {1000, 4000}})},
	{ID: "mining", Name: "mining and quarrying", NameZH: "礦業或土石採取業", Aliases: []string{"quarry", "quarrying", "土石採取業"}, Acid: true,
		Signatures: with(organic(20, 100, 30000), map[string]Signature{"COND": {800, 5000}})},
	{ID: "power", Name: "power plant", NameZH: "發電廠", Aliases: []string{"power station", "電力業"},
		Signatures: map[string]Signature{"TEMP": {35, 45}, "COND": {800, 3000}, "SS": {10, 200}}},
	{ID: "sewage", Name: "industrial-park or municipal sewage plant", NameZH: "污水下水道系統", Aliases: []string{"wwtp", "sewage treatment", "industrial park sewage", "工業區專用污水下水道系統"},
		Signatures: with(organic(300, 800, 300), map[string]Signature{
			"NH3-N": {10, 60}, "TN": {15, 80}, "TP": {2, 15}, "Cu": {0.3, 5}, "Zn": {0.5, 5}, "Ni": {0.2, 3}, "Cr": {0.1, 3}, "COND": {2000, 8000},
		})},

	// Industries that matter mostly for odour petitions; their water
	// signatures follow the same order-of-magnitude rule.
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
	{ID: "coating", Name: "surface coating and painting", NameZH: "表面塗裝業", Aliases: []string{"painting", "spray painting", "塗裝業"}, Acid: true, Alkali: true,
		Signatures: with(organic(200, 1500, 200), map[string]Signature{"Zn": {0.5, 20}})},
}

var byName = func() map[string]*Profile {
	m := map[string]*Profile{}
	for i := range profiles {
		p := &profiles[i]
		for _, n := range append([]string{p.ID, p.Name, p.NameZH}, p.Aliases...) {
			k := key(n)
			if prev, dup := m[k]; dup && prev != p {
				panic("industry: name " + n + " is ambiguous between " + prev.ID + " and " + p.ID)
			}
			m[k] = p
		}
	}
	return m
}()

// key folds case and blanks, as categories are written in many ways.
func key(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// Lookup finds a profile by id, name or alias (English or Chinese). An
// unknown category is an error: callers that must go on use Resolve.
func Lookup(name string) (Profile, error) {
	if p, ok := byName[key(name)]; ok {
		return *p, nil
	}
	return Profile{}, fmt.Errorf("unknown industry category %q (known: %s)", name, strings.Join(IDs(), ", "))
}

// Resolve finds a profile like Lookup; an unknown or empty category gives
// the Generic profile and a warning saying so, for the trace to show.
func Resolve(name string) (Profile, string) {
	if p, err := Lookup(name); err == nil {
		return p, ""
	}
	if strings.TrimSpace(name) == "" {
		return Generic, "no industry category recorded: the generic profile (organic wastewater, no metals, acids or alkalis) is assumed"
	}
	return Generic, fmt.Sprintf("industry category %q is not in envtrace's 事業分類 vocabulary: the generic profile (organic wastewater, no metals, acids or alkalis) is assumed; add the category to tracing/industry", name)
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
