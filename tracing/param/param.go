// Package param is the registry of water-quality and air-quality
// parameters and units that every other envtrace package uses, so that a
// value is never combined with another in the wrong unit and no conversion
// factor is written twice.
//
// A Parameter knows its canonical unit (mg/L for concentrations, m³/s for
// flow, °C, pH units, µS/cm, ADMI), its Kind, how it behaves in a river (its
// Fate: conservative, first-order decay, or not modelled) and, where
// Taiwan's general effluent standard (放流水標準) sets one, its general limit.
// Names are matched case-insensitively with spaces, '-', '_' and '.'
// ignored, and Chinese names are accepted (生化需氧量, 氨氮, 導電度, ...).
// Bare "ammonia", "NH3", "nitrate" and "NO3" are deliberately not aliases:
// expressed as the ion rather than as N they differ by a factor of 1.2 and
// 4.4, so the writer must say which (NH3-N, NO3-N).
//
// Air parameters (gases such as H2S and SO2, particles PM2.5 and PM10,
// the stack's O2, flow and dust, the micro-sensors' air temperature and
// humidity) live in air.go with their units: ppm, ppb, µg/m³, mg/m³ and
// the stack's mg/Nm³. Water parameters take none of them, and "ppm" for a
// water parameter is refused as ambiguous (mg/L or mg/kg?). A gas converts
// between a mixing ratio and a mass concentration by one rule, through its
// molar mass M and the molar volume Vm = R·T/p of an ideal gas at the
// reference conditions the mass concentration is stated at: mg/m³ =
// ppm · M / Vm. Ambient µg/m³ are at 25 °C and 101.325 kPa, those of
// Taiwan's and the US's ambient air standards (Vm = 24.465 L/mol, so 1 ppb
// of SO2 is 2.619 µg/m³); a stack's mg/Nm³ are at MOENV's normal
// conditions, 0 °C and 101.325 kPa (Vm = 22.414 L/mol). Particles have no
// molar mass and take only mass concentrations.
//
// The registry never guesses: an unknown name or unit spelling, or a unit of
// the wrong dimension for the parameter (mg/L for pH, m³/s for Cu), is a
// typed error naming the offending value.
//
// # Decay rates
//
// First-order rates are screening defaults at 20 °C (natural log base, per
// day), to be replaced by locally calibrated values when available:
//
//   - BOD5: k = 0.23 /d, θ = 1.047. The classic deoxygenation rate of
//     domestic sewage (k1 = 0.10 /d base 10) used with Streeter–Phelps;
//     river values span roughly 0.1–0.5 /d (Chapra, Surface Water-Quality
//     Modeling, 1997; Metcalf & Eddy).
//   - NH3-N: k = 0.30 /d, θ = 1.08. Nitrification in streams is typically
//     0.1–0.5 /d (Chapra 1997); it is strongly temperature dependent.
//   - COD: k = 0.10 /d, θ = 1.047. An assumption: COD includes a refractory
//     part that does not decay on tracing time scales, so its bulk rate is
//     taken well below that of BOD.
//
// Metals (total), NO3-N, TN, TP and chloride are treated as conservative over
// the reach lengths used for upstream tracing (a screening assumption for the
// nutrients, which are slowly removed by denitrification and settling), and so
// are conductivity and true colour, which mix by dilution. SS, DO, oil and
// grease, cyanide, hexavalent chromium, temperature and pH are not modelled as
// a fate: their in-stream behaviour is not first order.
//
// # Direction, tracing method and plausibility
//
// Each parameter also says which way a river value is bad (Direction), how
// an abnormal reading is traced upstream (Method: a load balance, mixing of
// an intensive tracer, the oxygen deficit model, or timing for pH; or not at
// all, with the reason in Untraceable), and its physical range (Plausible:
// pH 0–14, DO ≤ 25 mg/L, concentrations ≤ 1 kg/L, flows 0–MaxFlowM3s), so a
// value such as pH 99 is a data error named at the edge, never a pollution
// event.
package param

import (
	"math"
	"sort"
	"strings"
)

// Kind says how a parameter's value combines: concentrations carry mass and
// multiply by flow into loads, flow is the carrier itself, and intensive
// properties (pH, temperature, conductivity, colour) must never be turned
// into a load.
type Kind int

// The parameter kinds.
const (
	KindConcentration Kind = iota + 1
	KindFlow
	KindIntensive
	// KindGas is a gas in air: a mixing ratio, convertible to a mass
	// concentration through its molar mass.
	KindGas
	// KindParticle is particulate matter in air: a mass concentration.
	KindParticle
)

// String names the kind in reports and logs.
func (k Kind) String() string {
	switch k {
	case KindConcentration:
		return "concentration"
	case KindFlow:
		return "flow"
	case KindIntensive:
		return "intensive"
	case KindGas:
		return "gas"
	case KindParticle:
		return "particle"
	}
	return "unknown"
}

// Fate says how a parameter changes while travelling downstream, which is
// what upstream tracing needs to relate a river reading to a discharge.
type Fate int

// The fates.
const (
	// FateNotModelled means no simple rule applies (settling, reaeration,
	// heat exchange, ...); tracing must not attenuate or sum it blindly.
	FateNotModelled Fate = iota
	// FateConservative means mass is conserved: only dilution changes it.
	FateConservative
	// FateFirstOrder means C(t) = C0·exp(−k·t) with the parameter's rate.
	FateFirstOrder
)

// String names the fate in reports.
func (f Fate) String() string {
	switch f {
	case FateConservative:
		return "conservative"
	case FateFirstOrder:
		return "first-order decay"
	}
	return "not modelled"
}

// Parameter describes one measured quantity.
type Parameter struct {
	// ID is the canonical identifier written to every file envtrace writes.
	ID string
	// Name is the English name for reports.
	Name string
	// NameZH is the Chinese name used by MOENV.
	NameZH string
	// Aliases are other accepted spellings (Chinese included).
	Aliases []string
	// Unit is the canonical unit symbol; Canonical converts into it.
	Unit string
	// Kind is concentration, flow or intensive.
	Kind Kind
	// Fate is how the parameter behaves in the river.
	Fate Fate
	// DecayPerDay is the first-order rate at 20 °C (1/day, base e); zero
	// unless Fate is FateFirstOrder.
	DecayPerDay float64
	// Theta is the Arrhenius temperature coefficient for DecayPerDay.
	Theta float64
	// Limit is Taiwan's general effluent limit in Unit (a maximum); valid
	// only when HasLimit is true.
	Limit float64
	// HasLimit reports whether a general limit exists at all.
	HasLimit bool
	// LimitNote qualifies Limit (industry-specific values, seasons, zones).
	LimitNote string
	// Direction says which way a river value is bad: what a baseline
	// tests and which bound an abnormal reading crosses.
	Direction Direction
	// Method is how an abnormal river reading is traced to a source;
	// MethodNone with Untraceable saying why.
	Method Method
	// Untraceable says why a parameter with MethodNone cannot be traced.
	Untraceable string
	// ExcessDecayPerDay is, for an intensive tracer, the first-order rate
	// (1/day) at which an excess above background relaxes downstream:
	// surface heat exchange for temperature. Zero means conservative.
	ExcessDecayPerDay float64
	// Min and Max bound a physically plausible river or effluent value in
	// Unit (Plausible); values outside are data errors, not pollution.
	Min, Max float64
	// Uncertainty is, for a quantity measured by a field instrument whose
	// error is an amount rather than a share (pH, temperature, DO), that
	// amount in Unit: the smallest spread a station's baseline of it can
	// have. Zero means the uncertainty is relative (BaselineFloor).
	Uncertainty float64
	// RelUncertainty overrides RelativeUncertainty for a quantity whose
	// relative spread is known to be smaller (conductivity, read by a
	// probe); zero keeps the default.
	RelUncertainty float64
	// SeasonOnly marks a quantity that follows the seasons so closely
	// (water temperature) that only the same season of earlier years can
	// say what is normal: a year-round history cannot.
	SeasonOnly bool
	// MolarMass is a gas's molar mass in g/mol, zero for everything else.
	MolarMass float64
	// air is set on every parameter of the air table; see Air.
	air bool
}

// Air reports whether the parameter is measured in air (ambient or in a
// stack) rather than in water: every parameter of the air table (air.go).
func (p Parameter) Air() bool { return p.air }

// DecayRate returns the first-order rate (1/day) at the given water
// temperature, k_T = k_20·θ^(T−20), because nitrification in a 30 °C Taiwan
// summer river runs roughly twice as fast as the 20 °C textbook value. A
// NaN temperature means "unknown" and returns the 20 °C rate.
func (p Parameter) DecayRate(tempC float64) float64 {
	if p.Fate != FateFirstOrder {
		return 0
	}
	if math.IsNaN(tempC) || p.Theta == 0 {
		return p.DecayPerDay
	}
	return p.DecayPerDay * math.Pow(p.Theta, tempC-20)
}

const industryNote = "general default; the effluent standard sets BOD/COD/SS per industry category (dyeing, paper, livestock and others differ): use the permit's own limit"

// Plausibility ceilings shared by several parameters, in canonical units.
const (
	// maxConcMgL is 1 kg/L: no aqueous sample holds more of anything.
	maxConcMgL = 1e6
	// MaxFlowM3s bounds any flow, river or effluent: 400 000 m³/s is above
	// the largest discharge ever measured on Earth (the Amazon in flood,
	// about 3.4×10⁵ m³/s) and some ten times Taiwan's largest flood.
	MaxFlowM3s = 4e5
)

// The not-traceable reasons, shown to users.
const (
	whySS   = "suspended solids settle in slow water and are resuspended and washed in by rain: their river concentration follows the flow, not the dischargers, so no load can be carried upstream"
	whyOG   = "oil and grease floats, coats banks and is skimmed by structures: its river concentration does not follow dilution, so no load can be carried upstream"
	whyCr6  = "hexavalent chromium is reduced to Cr(III) in river water at an unknown rate; trace total chromium (Cr) from the same samples"
	whyCN   = "cyanide volatilises and degrades at rates that depend on pH and light; trace the metals (Cu, Ni, Zn) of the same plating event"
	whyFlow = "flow is the carrier, not a pollutant"
	whyAir  = "it is measured in air, which the wind carries, not a river: use the air and odour tools"
)

var params = []Parameter{
	{ID: "BOD5", Name: "biochemical oxygen demand (5-day)", NameZH: "生化需氧量", Aliases: []string{"BOD", "BOD5", "BOD-5", "生化需氧量(BOD)"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateFirstOrder, DecayPerDay: 0.23, Theta: 1.047, Limit: 30, HasLimit: true, LimitNote: industryNote,
		Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "COD", Name: "chemical oxygen demand", NameZH: "化學需氧量", Aliases: []string{"化學需氧量(COD)", "CODcr"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateFirstOrder, DecayPerDay: 0.10, Theta: 1.047, Limit: 100, HasLimit: true, LimitNote: industryNote,
		Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "SS", Name: "suspended solids", NameZH: "懸浮固體", Aliases: []string{"TSS", "suspended solids", "total suspended solids", "懸浮固體(SS)"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateNotModelled, Limit: 30, HasLimit: true, LimitNote: industryNote,
		Direction: HighIsBad, Untraceable: whySS, Max: maxConcMgL},
	{ID: "NH3-N", Name: "ammonia nitrogen", NameZH: "氨氮", Aliases: []string{"NH3N", "ammonia-N", "ammonia as N", "ammonia nitrogen", "NH4-N", "氨氮(NH3-N)"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateFirstOrder, DecayPerDay: 0.30, Theta: 1.08,
		LimitNote: "no general limit in the reference; the 2024 revision sets ammonia limits per category (PCB, tanning, slaughterhouses, meat markets, hospitals, ...)",
		Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "NO3-N", Name: "nitrate nitrogen", NameZH: "硝酸鹽氮", Aliases: []string{"nitrate-N", "nitrate as N", "NO3N"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "TN", Name: "total nitrogen", NameZH: "總氮", Aliases: []string{"total nitrogen"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "TP", Name: "total phosphorus", NameZH: "總磷", Aliases: []string{"total phosphorus", "phosphorus"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative,
		LimitNote: "the 2024 revision added phosphorus limits for some categories; none general in the reference",
		Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "Cl", Name: "chloride", NameZH: "氯鹽", Aliases: []string{"chloride", "Cl-", "氯離子", "氯化物"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "DO", Name: "dissolved oxygen", NameZH: "溶氧", Aliases: []string{"溶氧量", "dissolved oxygen", "溶解氧"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateNotModelled, Direction: LowIsBad, Method: MethodDeficit, Max: 25, Uncertainty: 0.5},
	{ID: "pH", Name: "pH", NameZH: "氫離子濃度指數", Aliases: []string{"氫離子濃度指標", "酸鹼值"},
		Unit: "pH", Kind: KindIntensive, Fate: FateNotModelled, Direction: BothWays, Method: MethodTiming, Max: 14, Uncertainty: 0.2},
	{ID: "TEMP", Name: "water temperature", NameZH: "水溫", Aliases: []string{"temperature", "water temperature", "temp", "溫度", "水溫(℃)"},
		Unit: "°C", Kind: KindIntensive, Fate: FateNotModelled, Limit: 38, HasLimit: true,
		LimitNote: "38 °C from May to September and 35 °C otherwise (discharges to non-marine waters)",
		Direction: HighIsBad, Method: MethodMixing, ExcessDecayPerDay: 0.6, Min: -5, Max: 100, Uncertainty: 0.5, SeasonOnly: true},
	{ID: "COND", Name: "electrical conductivity", NameZH: "導電度", Aliases: []string{"conductivity", "EC", "specific conductance", "電導度"},
		Unit: "µS/cm", Kind: KindIntensive, Fate: FateConservative, Direction: HighIsBad, Method: MethodMixing, Max: 3e5, RelUncertainty: 0.15},
	{ID: "COLOUR", Name: "true colour", NameZH: "真色色度", Aliases: []string{"true colour", "true color", "colour", "color", "色度"},
		Unit: "ADMI", Kind: KindIntensive, Fate: FateConservative,
		LimitNote: "Taiwan measures true colour in ADMI units; Pt-Co values cannot be converted to ADMI and are rejected",
		Direction: HighIsBad, Method: MethodMixing, Max: 1e5},
	{ID: "OG", Name: "oil and grease", NameZH: "油脂", Aliases: []string{"oil and grease", "oil & grease", "O&G", "正己烷抽出物", "油脂(正己烷抽出物)"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateNotModelled, Direction: HighIsBad, Untraceable: whyOG, Max: maxConcMgL},
	{ID: "Cu", Name: "copper", NameZH: "銅", Aliases: []string{"copper", "total copper"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 3.0, HasLimit: true,
		LimitNote: "stricter in copper total-load control zones (Taoyuan) and in specific basins after the 2024 revision",
		Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "Zn", Name: "zinc", NameZH: "鋅", Aliases: []string{"zinc"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 5.0, HasLimit: true, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "Ni", Name: "nickel", NameZH: "鎳", Aliases: []string{"nickel"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 1.0, HasLimit: true, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "Cr", Name: "total chromium", NameZH: "總鉻", Aliases: []string{"chromium", "total chromium", "Cr-T", "TCr", "鉻"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 2.0, HasLimit: true, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "Cr6+", Name: "hexavalent chromium", NameZH: "六價鉻", Aliases: []string{"Cr(VI)", "CrVI", "Cr6", "hexavalent chromium"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateNotModelled, Limit: 0.5, HasLimit: true,
		LimitNote: "Cr(VI) is reduced to Cr(III) in rivers; total Cr is the conservative tracer", Direction: HighIsBad, Untraceable: whyCr6, Max: maxConcMgL},
	{ID: "Cd", Name: "cadmium", NameZH: "鎘", Aliases: []string{"cadmium"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 0.03, HasLimit: true, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "Pb", Name: "lead", NameZH: "鉛", Aliases: []string{"lead"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 1.0, HasLimit: true, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "Hg", Name: "total mercury", NameZH: "總汞", Aliases: []string{"mercury", "total mercury", "汞"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 0.005, HasLimit: true, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "As", Name: "arsenic", NameZH: "砷", Aliases: []string{"arsenic"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateConservative, Limit: 0.5, HasLimit: true, Direction: HighIsBad, Method: MethodLoad, Max: maxConcMgL},
	{ID: "CN", Name: "cyanide", NameZH: "氰化物", Aliases: []string{"cyanide", "CN-"},
		Unit: "mg/L", Kind: KindConcentration, Fate: FateNotModelled, Limit: 1.0, HasLimit: true,
		LimitNote: "cyanide volatilises and degrades; not attenuated by a fixed rate", Direction: HighIsBad, Untraceable: whyCN, Max: maxConcMgL},
	{ID: "FLOW", Name: "flow", NameZH: "流量", Aliases: []string{"discharge", "Q", "streamflow", "水量"},
		Unit: "m³/s", Kind: KindFlow, Fate: FateNotModelled, Untraceable: whyFlow, Max: MaxFlowM3s},
}

var paramIndex = buildParamIndex()

func buildParamIndex() map[string]*Parameter {
	idx := map[string]*Parameter{}
	for _, p := range airParams { // the air table (air.go) joins here
		p.air = true
		p.airTracing()
		params = append(params, p)
	}
	for i := range params {
		p := &params[i]
		if _, err := LookupUnit(p.Unit); err != nil {
			panic("param: " + p.ID + ": " + err.Error())
		}
		for _, s := range append([]string{p.ID, p.Name, p.NameZH}, p.Aliases...) {
			k := normaliseName(s)
			if prev, dup := idx[k]; dup && prev != p {
				panic("param: name " + s + " is ambiguous between " + prev.ID + " and " + p.ID)
			}
			idx[k] = p
		}
	}
	return idx
}

var nameSpelling = strings.NewReplacer(" ", "", "-", "", "_", "", ".", "", "\t", "", "\u00a0", "", "（", "(", "）", ")")

func normaliseName(s string) string {
	return strings.ToLower(nameSpelling.Replace(strings.TrimSpace(s)))
}

// paramByID finds a parameter by its exact id without normalising: the
// spelling every canonical record uses, so the common case allocates
// nothing.
var paramByID = func() map[string]*Parameter {
	m := map[string]*Parameter{}
	for i := range params {
		m[params[i].ID] = &params[i]
	}
	return m
}()

// Lookup finds a parameter by id, English name, Chinese name or alias.
func Lookup(nameOrAlias string) (Parameter, error) {
	if p, ok := paramByID[nameOrAlias]; ok {
		return clone(*p), nil
	}
	if p, ok := paramIndex[normaliseName(nameOrAlias)]; ok {
		return clone(*p), nil
	}
	return Parameter{}, &UnknownParameterError{Name: nameOrAlias}
}

// LookupAir is Lookup for the air files: a water parameter is a
// *NotAirError.
func LookupAir(nameOrAlias string) (Parameter, error) {
	p, err := Lookup(nameOrAlias)
	if err == nil && !p.air {
		return Parameter{}, &NotAirError{Parameter: p.ID}
	}
	return p, err
}

// MustLookup is Lookup for names fixed in source code, where an unknown name
// is a programming error.
func MustLookup(nameOrAlias string) Parameter {
	p, err := Lookup(nameOrAlias)
	if err != nil {
		panic(err)
	}
	return p
}

// All returns every registered parameter sorted by ID.
func All() []Parameter {
	out := make([]Parameter, 0, len(params))
	for _, p := range params {
		out = append(out, clone(p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// clone returns a parameter whose Aliases a caller cannot grow into the
// registry's (full slice expression: an append copies). Callers must not
// write to its elements; copying them on every Lookup would cost an
// allocation per reading where data enter.
func clone(p Parameter) Parameter {
	p.Aliases = p.Aliases[:len(p.Aliases):len(p.Aliases)]
	return p
}

// Canonical converts value, given in unit, into the parameter's canonical
// unit. It is the gate every external number passes through: it rejects
// unknown parameters and units, units of the wrong dimension (mg/L for pH,
// m³/s for Cu, Pt-Co for ADMI colour), NaN and infinities.
func Canonical(parameter string, value float64, unit string) (float64, error) {
	p, err := Lookup(parameter)
	if err != nil {
		return 0, err
	}
	return p.Canonical(value, unit)
}

// Canonical converts value in unit into p.Unit; see the package function.
func (p Parameter) Canonical(value float64, unit string) (float64, error) {
	return p.In(value, unit, p.Unit)
}

// In converts value from one unit into another that the parameter may be
// written in: within a dimension by the unit table, and for a gas between
// a mixing ratio and a mass concentration by its molar mass (the package's
// one gas rule). The stack checks use it to bring a CEMS value reported in
// ppm to mg/Nm³; Canonical is In towards p.Unit. A mixing ratio for a water
// parameter is an *AmbiguousUnitError.
func (p Parameter) In(value float64, from, to string) (float64, error) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return 0, &InvalidValueError{Parameter: p.ID, Value: value, Unit: from}
	}
	u, err := LookupUnit(from)
	if err != nil {
		return 0, err
	}
	t, err := LookupUnit(to)
	if err != nil {
		return 0, err
	}
	if u.Dimension == t.Dimension {
		return convert(value, u, t), nil
	}
	if u.Dimension == DimMixingRatio && !p.air {
		return 0, &AmbiguousUnitError{Parameter: p.ID, Unit: u.Symbol, Want: t.Symbol}
	}
	if v, ok := p.gasConvert(value, u, t); ok {
		return v, nil
	}
	return 0, &IncompatibleUnitError{Parameter: p.ID, Value: value, Unit: u.Symbol, Got: u.Dimension, Want: t.Dimension, Target: t.Symbol}
}

// Accepts reports whether unit is a known unit of this parameter's
// dimension (or, for a gas, a mass concentration it converts into), for
// validating a column before any value is read.
func (p Parameter) Accepts(unit string) bool {
	u, err := LookupUnit(unit)
	if err != nil {
		return false
	}
	want, _ := LookupUnit(p.Unit)
	if u.Dimension == want.Dimension {
		return true
	}
	_, ok := p.gasConvert(1, u, want)
	return ok
}
