package param

// Air parameters and units, kept apart from the water registry so that the
// air work (micro-sensors, stacks, fuel declarations) changes the shared
// tables in one place. The registry's rules hold for them too: a unit
// converts only within its dimension, and a spelling not listed is refused.
//
// Stack concentrations are their own dimension: mg/Nm³ is referred to
// normal conditions (0 °C, 101.325 kPa, MOENV's 標準狀態) and cannot be
// turned into an ambient mg/m³ without the stack's temperature and
// pressure. Mixing ratios (ppm, ppb, %) convert into mass only with the
// species' molar mass, so the conversion lives with the species
// (MolarMass), never in the unit table.

// KindAirConcentration is a mass or volume fraction in air (ambient or in a
// stack). Like an intensive property it never multiplies a river flow into
// a load.
const KindAirConcentration Kind = 10

// Air dimensions.
const (
	DimAirConcentration   Dimension = "air-concentration"   // mass per ambient volume, base µg/m³
	DimStackConcentration Dimension = "stack-concentration" // mass per normal volume, base mg/Nm³
	DimMixingRatio        Dimension = "mixing-ratio"        // volume fraction, base ppm
	DimRelativeHumidity   Dimension = "relative-humidity"   // percent
	DimMass               Dimension = "mass"                // base kg
	DimVolume             Dimension = "volume"              // base m³ (= kL)
	DimNormalFlow         Dimension = "normal-flow"         // base Nm³/h
	DimMassRate           Dimension = "mass-rate"           // base kg/h
)

var airUnits = []Unit{
	{Symbol: "µg/m³", Dimension: DimAirConcentration, Factor: 1, Aliases: []string{"ug/m3", "μg/m3", "µg/m3", "微克/立方公尺"}},
	{Symbol: "mg/m³", Dimension: DimAirConcentration, Factor: 1000, Aliases: []string{"mg/m3", "毫克/立方公尺"}},
	{Symbol: "mg/Nm³", Dimension: DimStackConcentration, Factor: 1, Aliases: []string{"mg/Nm3", "mg/nm3", "毫克/標準立方公尺"}},
	{Symbol: "ppm", Dimension: DimMixingRatio, Factor: 1, Aliases: []string{"ppmv"}},
	{Symbol: "ppb", Dimension: DimMixingRatio, Factor: 1e-3, Aliases: []string{"ppbv"}},
	{Symbol: "%vol", Dimension: DimMixingRatio, Factor: 1e4, Aliases: []string{"vol%", "% vol", "%v/v"}},
	{Symbol: "%RH", Dimension: DimRelativeHumidity, Factor: 1, Aliases: []string{"RH%", "%rh"}},
	{Symbol: "kg", Dimension: DimMass, Factor: 1, Aliases: []string{"公斤"}},
	{Symbol: "t", Dimension: DimMass, Factor: 1000, Aliases: []string{"tonne", "tonnes", "公噸", "metric ton"}},
	{Symbol: "m³", Dimension: DimVolume, Factor: 1, Aliases: []string{"m3", "kL", "KL", "公秉", "立方公尺"}},
	{Symbol: "L", Dimension: DimVolume, Factor: 1e-3, Aliases: []string{"l", "公升"}},
	{Symbol: "10³ m³", Dimension: DimVolume, Factor: 1e3, Aliases: []string{"1000 m3", "10^3 m3", "千立方公尺", "km3n"}},
	{Symbol: "Nm³/h", Dimension: DimNormalFlow, Factor: 1, Aliases: []string{"Nm3/h", "Nm3/hr", "標準立方公尺/小時"}},
	{Symbol: "kg/h", Dimension: DimMassRate, Factor: 1, Aliases: []string{"kg/hr", "公斤/小時"}},
	{Symbol: "t/y", Dimension: DimMassRate, Factor: 1000.0 / 8760, Aliases: []string{"t/yr", "tonnes/year", "公噸/年"}},
}

// airParams are the ambient and stack parameters. MolarMass (g/mol) is set
// for gases whose CEMS report ppm.
var airParams = []Parameter{
	{ID: "PM2.5", Name: "fine particulate matter", NameZH: "細懸浮微粒", Aliases: []string{"PM25", "PM2_5", "pm2.5", "s_d0", "細懸浮微粒(PM2.5)"},
		Unit: "µg/m³", Kind: KindAirConcentration},
	{ID: "PM10", Name: "particulate matter (10 µm)", NameZH: "懸浮微粒", Aliases: []string{"PM 10", "懸浮微粒(PM10)"},
		Unit: "µg/m³", Kind: KindAirConcentration},
	{ID: "AIR_TEMP", Name: "air temperature", NameZH: "氣溫", Aliases: []string{"air temperature", "ambient temperature", "s_t0"},
		Unit: "°C", Kind: KindIntensive},
	{ID: "RH", Name: "relative humidity", NameZH: "相對濕度", Aliases: []string{"relative humidity", "humidity", "s_h0", "濕度"},
		Unit: "%RH", Kind: KindIntensive},
	{ID: "SO2", Name: "sulphur dioxide (stack)", NameZH: "二氧化硫", Aliases: []string{"SOx", "sulfur dioxide", "sulphur dioxide", "硫氧化物"},
		Unit: "ppm", Kind: KindAirConcentration},
	{ID: "NOx", Name: "nitrogen oxides as NO2 (stack)", NameZH: "氮氧化物", Aliases: []string{"nitrogen oxides", "NOX"},
		Unit: "ppm", Kind: KindAirConcentration},
	{ID: "CO", Name: "carbon monoxide (stack)", NameZH: "一氧化碳", Aliases: []string{"carbon monoxide"},
		Unit: "ppm", Kind: KindAirConcentration},
	{ID: "O2", Name: "oxygen (stack, dry)", NameZH: "氧氣", Aliases: []string{"oxygen", "O₂"},
		Unit: "%vol", Kind: KindAirConcentration},
	{ID: "TSP", Name: "particulate matter in the stack", NameZH: "粒狀污染物", Aliases: []string{"particulates", "dust", "粒狀物"},
		Unit: "mg/Nm³", Kind: KindAirConcentration},
	{ID: "STACK_FLOW", Name: "stack gas flow (dry, normal conditions)", NameZH: "排放流率", Aliases: []string{"stack flow", "排氣流率"},
		Unit: "Nm³/h", Kind: KindIntensive},
}

// molarMass holds g/mol of the gases whose mixing ratio converts to a mass
// concentration (NOx is expressed as NO2, as the emission standards do).
var molarMass = map[string]float64{"SO2": 64.066, "NOx": 46.0055, "CO": 28.010}

// MolarVolumeNormal is the molar volume of an ideal gas at MOENV's normal
// conditions (0 °C, 101.325 kPa), L/mol.
const MolarVolumeNormal = 22.414

// MolarMass returns the parameter's molar mass in g/mol, false when it is
// not a gas the registry knows one for.
func MolarMass(id string) (float64, bool) {
	m, ok := molarMass[id]
	return m, ok
}
