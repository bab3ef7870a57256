package param

// The air table: every air unit and parameter, ambient (monitors,
// micro-sensors) and in a stack (CEMS, permits, fuel declarations), and
// the one gas rule that converts between a mixing ratio and a mass
// concentration. The registry's rules hold for them too: a unit converts
// only within its dimension (or, for a gas, through its molar mass), and a
// spelling not listed is refused.
//
// Stack concentrations are their own dimension: mg/Nm³ is referred to
// normal conditions (0 °C, 101.325 kPa, MOENV's 標準狀態) and is never
// turned into an ambient mg/m³ (25 °C) by a unit factor; a gas's stack and
// ambient values meet only through its mixing ratio.

// Air dimensions.
const (
	// DimMixingRatio is a gas's volume mixing ratio in air, base ppm. It
	// is not a water unit: "ppm" in water may mean mg/L or mg/kg, so a
	// water parameter refuses it (AmbiguousUnitError).
	DimMixingRatio Dimension = "mixing ratio"
	// DimAirConcentration is mass per volume of ambient air at 25 °C, base
	// µg/m³. It is a separate dimension from DimConcentration (mass per
	// volume of water) so that a water reading in µg/m³ or an air reading
	// in mg/L, both certainly mistakes, are refused rather than converted.
	DimAirConcentration Dimension = "air concentration"
	// DimStackConcentration is mass per volume of stack gas at normal
	// conditions (0 °C, 101.325 kPa), base mg/Nm³.
	DimStackConcentration Dimension = "stack concentration"
	DimRelativeHumidity   Dimension = "relative humidity" // percent
	DimMass               Dimension = "mass"              // base kg
	DimVolume             Dimension = "volume"            // base m³ (= kL)
	DimNormalFlow         Dimension = "normal flow"       // base Nm³/h
	DimMassRate           Dimension = "mass rate"         // base kg/h
)

var airUnits = []Unit{
	{Symbol: "ppm", Dimension: DimMixingRatio, Factor: 1, Aliases: []string{"ppmv", "μmol/mol", "umol/mol"}},
	{Symbol: "ppb", Dimension: DimMixingRatio, Factor: 1e-3, Aliases: []string{"ppbv", "nmol/mol"}},
	{Symbol: "%vol", Dimension: DimMixingRatio, Factor: 1e4, Aliases: []string{"vol%", "% vol", "%v/v"}},
	{Symbol: "µg/m³", Dimension: DimAirConcentration, Factor: 1, Aliases: []string{"ug/m3", "μg/m3", "µg/m3", "ug/m³", "微克/立方公尺"}},
	{Symbol: "mg/m³", Dimension: DimAirConcentration, Factor: 1000, Aliases: []string{"mg/m3", "毫克/立方公尺"}},
	{Symbol: "mg/Nm³", Dimension: DimStackConcentration, Factor: 1, Aliases: []string{"mg/Nm3", "mg/nm3", "毫克/標準立方公尺"}},
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

// airParams are the ambient and stack parameters; each is Air. Gases are
// kept in ppb (CO in ppm, the stack's O2 in %vol) and particles in µg/m³,
// as MOENV's air-quality network reports them; dust in a stack in mg/Nm³.
// Molar masses are from the standard atomic weights; NOx is counted as
// NO2, as monitors and the emission standards report it. SOx is SO2: a
// CEMS's "SOx" channel measures SO2.
var airParams = []Parameter{
	{ID: "H2S", Name: "hydrogen sulfide", NameZH: "硫化氫", Aliases: []string{"hydrogen sulphide"}, Unit: "ppb", Kind: KindGas, MolarMass: 34.081},
	{ID: "SO2", Name: "sulfur dioxide", NameZH: "二氧化硫", Aliases: []string{"sulphur dioxide", "SOx", "硫氧化物"}, Unit: "ppb", Kind: KindGas, MolarMass: 64.066},
	{ID: "NO2", Name: "nitrogen dioxide", NameZH: "二氧化氮", Unit: "ppb", Kind: KindGas, MolarMass: 46.0055},
	{ID: "NO", Name: "nitric oxide", NameZH: "一氧化氮", Aliases: []string{"nitrogen monoxide"}, Unit: "ppb", Kind: KindGas, MolarMass: 30.006},
	{ID: "NOx", Name: "nitrogen oxides (as NO2)", NameZH: "氮氧化物", Aliases: []string{"nitrogen oxides"}, Unit: "ppb", Kind: KindGas, MolarMass: 46.0055},
	{ID: "CO", Name: "carbon monoxide", NameZH: "一氧化碳", Unit: "ppm", Kind: KindGas, MolarMass: 28.010},
	{ID: "O3", Name: "ozone", NameZH: "臭氧", Aliases: []string{"ozone"}, Unit: "ppb", Kind: KindGas, MolarMass: 47.997},
	{ID: "O2", Name: "oxygen (stack, dry)", NameZH: "氧氣", Aliases: []string{"oxygen", "O₂"}, Unit: "%vol", Kind: KindGas, MolarMass: 31.998},
	{ID: "PM2.5", Name: "fine particulate matter", NameZH: "細懸浮微粒", Aliases: []string{"PM25", "fine particles", "s_d0", "細懸浮微粒(PM2.5)"}, Unit: "µg/m³", Kind: KindParticle},
	{ID: "PM10", Name: "particulate matter below 10 µm", NameZH: "懸浮微粒", Aliases: []string{"coarse particles", "懸浮微粒(PM10)"}, Unit: "µg/m³", Kind: KindParticle},
	{ID: "TSP", Name: "particulate matter in the stack", NameZH: "粒狀污染物", Aliases: []string{"particulates", "dust", "粒狀物"}, Unit: "mg/Nm³", Kind: KindParticle},
	{ID: "AIR_TEMP", Name: "air temperature", NameZH: "氣溫", Aliases: []string{"ambient temperature", "s_t0"}, Unit: "°C", Kind: KindIntensive},
	{ID: "RH", Name: "relative humidity", NameZH: "相對濕度", Aliases: []string{"humidity", "s_h0", "濕度"}, Unit: "%RH", Kind: KindIntensive},
	{ID: "STACK_FLOW", Name: "stack gas flow (dry, normal conditions)", NameZH: "排放流率", Aliases: []string{"stack flow", "排氣流率"}, Unit: "Nm³/h", Kind: KindIntensive},
}

// The gas rule's constants: R, and the reference conditions of each mass
// concentration dimension (ambient at 25 °C, those of Taiwan's and the
// US's ambient air quality standards; stack at MOENV's normal 0 °C), both
// at 101.325 kPa.
const (
	gasConstant = 8.314462618 // J/(mol·K), exact since 2019
	ambientT    = 298.15      // K
	normalT     = 273.15      // K
	referenceP  = 101325      // Pa
	litresPerM3 = 1000
)

// MolarVolume is the volume of one mole of ideal gas at the ambient
// reference conditions, in litres: R·T/p = 24.465 L/mol at 25 °C.
const MolarVolume = gasConstant * ambientT / referenceP * litresPerM3

// MolarVolumeNormal is the same at MOENV's normal conditions (0 °C), the
// reference of a stack's mg/Nm³: 22.414 L/mol.
const MolarVolumeNormal = gasConstant * normalT / referenceP * litresPerM3

// gasReference is, for each mass-concentration dimension, the molar volume
// of its reference conditions (L/mol) and its base unit in mg/m³.
var gasReference = map[Dimension]struct{ vm, mgPerBase float64 }{
	DimAirConcentration:   {MolarVolume, 1e-3},    // µg/m³ at 25 °C
	DimStackConcentration: {MolarVolumeNormal, 1}, // mg/Nm³ at 0 °C
}

// gasConvert is the package's one gas rule: between a mixing ratio and a
// mass concentration, mg/m³ = ppm · M / Vm, with Vm that of the mass
// concentration's reference conditions. Anything else is not a gas
// conversion (false).
func (p Parameter) gasConvert(value float64, from, to Unit) (float64, bool) {
	if p.Kind != KindGas || p.MolarMass <= 0 {
		return 0, false
	}
	switch {
	case from.Dimension == DimMixingRatio:
		ref, ok := gasReference[to.Dimension]
		if !ok {
			return 0, false
		}
		mg := value * from.Factor * p.MolarMass / ref.vm
		return mg / ref.mgPerBase / to.Factor, true
	case to.Dimension == DimMixingRatio:
		ref, ok := gasReference[from.Dimension]
		if !ok {
			return 0, false
		}
		mg := value * from.Factor * ref.mgPerBase
		return mg * ref.vm / p.MolarMass / to.Factor, true
	}
	return 0, false
}
