// Package oxygen is the dissolved-oxygen deficit model tracing uses to
// relate a DO sag at a station to oxygen-demanding discharges upstream
// (BOD5, COD, NH3-N): the Streeter–Phelps equation with O'Connor–Dobbins
// reaeration and Arrhenius temperature corrections.
//
// # The model
//
// A discharge that, once mixed, adds an ultimate carbonaceous oxygen
// demand L₀ (mg/L) to the river produces after a travel time t (days) the
// deficit
//
//	D(t) = k₁·L₀/(k_a − k₁) · (e^(−k₁t) − e^(−k_a t))      (Streeter & Phelps, 1925)
//
// (k₁·L₀·t·e^(−k₁t) when k_a = k₁). Ammonia adds a nitrogenous demand of
// 4.57 g O₂ per g NH3-N (NOD), exerted at the nitrification rate k_n by
// the same formula, and an effluent that carries no oxygen itself lowers
// the river's DO by dilution, a deficit that reaeration removes as
// e^(−k_a t). All three are multiplied by the dilution q/Q.
//
//   - k₁ is the BOD decay rate of tracing/param (0.23 /day at 20 °C,
//     θ = 1.047), k_n the NH3-N rate (0.30 /day, θ = 1.08).
//   - k_a is O'Connor–Dobbins: k_a = 3.93·u^0.5 / H^1.5 per day at 20 °C
//     (u mean velocity, m/s; H mean depth, m), corrected with θ = 1.024.
//   - Depth is seldom known, so DefaultDepth estimates it from the flow by
//     at-a-station hydraulic geometry, H = 0.3·Q^0.4 m (exponent after
//     Leopold & Maddock, 1953; coefficient chosen for Taiwan's shallow
//     lowland channels), clamped to 0.3–5 m.
//   - A carbonaceous BOD5 is turned into ultimate BOD with the 20 °C
//     laboratory rate: BODu = BOD5 / (1 − e^(−5·k₁)) ≈ 1.46·BOD5. Where only
//     COD is known, BODu is taken as COD/2, a typical biodegradable share
//     of industrial wastewater.
//
// The model is a screening tool: one reach, steady flow, no sediment oxygen
// demand, no photosynthesis (daytime DO can be supersaturated, night-time
// DO low), no dispersion. docs/tracing.md lists these limits.
package oxygen

import "math"

// Constants of the model (package doc).
const (
	// NOD is the oxygen nitrification needs, g O₂ per g NH3-N.
	NOD = 4.57
	// ThetaReaeration corrects k_a for temperature.
	ThetaReaeration = 1.024
	// CODToBODu is the biodegradable share assumed when only COD is known.
	CODToBODu = 0.5
	// minDepthM and maxDepthM clamp DefaultDepth.
	minDepthM, maxDepthM = 0.3, 5.0
)

// Reaeration20 is the O'Connor–Dobbins reaeration rate at 20 °C, 1/day,
// for a mean velocity in m/s and a mean depth in m.
func Reaeration20(velocityMS, depthM float64) float64 {
	if velocityMS <= 0 || depthM <= 0 {
		return 0
	}
	return 3.93 * math.Sqrt(velocityMS) / math.Pow(depthM, 1.5)
}

// DefaultDepth estimates a river's mean depth (m) from its flow (m³/s) by
// hydraulic geometry, H = 0.3·Q^0.4, clamped to 0.3–5 m.
func DefaultDepth(flowM3s float64) float64 {
	if flowM3s <= 0 {
		return minDepthM
	}
	return math.Min(maxDepthM, math.Max(minDepthM, 0.3*math.Pow(flowM3s, 0.4)))
}

// AtTemperature corrects a 20 °C rate: k_T = k₂₀·θ^(T−20). A NaN
// temperature keeps the 20 °C rate.
func AtTemperature(k20, theta, tempC float64) float64 {
	if math.IsNaN(tempC) {
		return k20
	}
	return k20 * math.Pow(theta, tempC-20)
}

// UltimateBOD turns a 5-day BOD into ultimate carbonaceous BOD with the
// 20 °C decay rate k20 (1/day): BOD5 / (1 − e^(−5·k20)).
func UltimateBOD(bod5, k20 float64) float64 {
	return bod5 / (1 - math.Exp(-5*k20))
}

// Sag is the deficit (mg/L) that 1 mg/L of a demand decaying at k (1/day)
// produces after days of travel, with reaeration ka (1/day).
func Sag(k, ka, days float64) float64 {
	if days <= 0 || k <= 0 {
		return 0
	}
	if math.Abs(ka-k) < 1e-9*math.Max(ka, k) {
		return k * days * math.Exp(-k*days)
	}
	return k / (ka - k) * (math.Exp(-k*days) - math.Exp(-ka*days))
}

// Rates are the three rate constants at the river's temperature, 1/day.
type Rates struct {
	// K1 is deoxygenation (carbonaceous BOD decay), Kn nitrification, Ka
	// reaeration.
	K1, Kn, Ka float64
}

// Demand is what one litre of a wastewater takes from the river's oxygen:
// its ultimate carbonaceous BOD, its ammonia (as N) and its own oxygen
// deficit (the river DO it lacks when it carries none), all mg/L.
type Demand struct {
	CBODu, NH3N, Anoxic float64
}

// Deficit is the DO deficit (mg/L) at a station produced by a wastewater
// of demand d diluted by q/Q = dilution, after days of travel.
func Deficit(d Demand, dilution float64, r Rates, days float64) float64 {
	return dilution * (d.CBODu*Sag(r.K1, r.Ka, days) + NOD*d.NH3N*Sag(r.Kn, r.Ka, days) + d.Anoxic*math.Exp(-r.Ka*math.Max(days, 0)))
}
