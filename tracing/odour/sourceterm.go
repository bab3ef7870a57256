package odour

import "math"

// The source-term fit weighs the votes of instrument receptors (micro-sensor
// events, Petition.Measured) by how well one emission rate explains what
// they measured. Each receptor i that a candidate's plume reaches implies a
// rate q_i = excess_i / c_i, where c_i is the steady plume's concentration
// at the receptor per g/s (coupling.perUnit). The plume model's error is
// multiplicative, so ln q_i scatters about the candidate's true ln Q with
// variance
//
//	s_i² = σ_model² + (noise_i / excess_i)²
//
// (the model's log-normal error and the reading's noise on the logarithm
// of the excess). The candidate's rate is the maximum-likelihood estimate,
// the mean of ln q_i weighted by vote_i / s_i², and each vote is multiplied
// by its likelihood relative to a perfect fit,
//
//	fit_i = exp(−(ln q_i − ln Q̂)² / (2 s_i²)),
//
// which is 1 where the receptor measured what the candidate's rate makes
// its plume bring there. The source explains near and far receptors with
// one rate; a facility standing behind or beside it along the wind needs a
// different rate for each, and its votes shrink. Petitions measure nothing
// and keep their votes unchanged.

// gramsToMicrograms turns the plume's g/m³ per g/s into µg/m³ per g/s.
const gramsToMicrograms = 1e6

// SourceModelSigma is the log-normal error σ_model of the steady Gaussian
// plume: Chang and Hanna's (2004) acceptance criterion for dispersion
// models asks that at least half of the predictions lie within a factor of
// two of the observations (FAC2 ≥ 0.5), which for a log-normal error means
// ln 2 = Φ⁻¹(0.75)·σ, so σ = ln 2 / 0.6745 ≈ 1.03. A model just meeting the
// criterion is the fair assumption for a steady plume on interpolated wind.
var SourceModelSigma = math.Ln2 / 0.6744897501960817

// SourceFit is the source-term fit of one vote: what the receptor
// measured, what it implies, and how well that agrees with the candidate's
// rate.
type SourceFit struct {
	// ExcessUgm3 is the receptor's excess over the background and
	// NoiseUgm3 its noise; PerUnitUgm3 the plume's concentration there per
	// g/s of emission.
	ExcessUgm3  float64 `json:"excess_ugm3"`
	NoiseUgm3   float64 `json:"noise_ugm3"`
	PerUnitUgm3 float64 `json:"plume_ugm3_per_gs"`
	// ImpliedGs is the rate the receptor implies (excess / per unit);
	// SigmaLn the spread s_i of its logarithm.
	ImpliedGs float64 `json:"implied_rate_gs"`
	SigmaLn   float64 `json:"sigma_ln"`
	// Fit is the vote's factor, exp(−(ln implied − ln rate)² / 2 s_i²).
	Fit float64 `json:"fit"`
}

// SourceTerm is a candidate's fitted emission rate: the weighted
// geometric mean of the rates its measured receptors imply.
type SourceTerm struct {
	RateGs float64 `json:"rate_gs"`
	// Receptors counts the measured receptors in the fit; SpreadLn is the
	// weighted standard deviation of their ln implied rates.
	Receptors int     `json:"receptors"`
	SpreadLn  float64 `json:"spread_ln"`
}

// link is one receptor's raw vote for a candidate, before the fit.
type link struct {
	p    *pet
	k    coupling
	m    Match
	vote float64
	fit  *SourceFit
}

// fitSource fits the candidate's rate to its measured links, multiplies
// their votes by their fit and returns the rate (nil when no link was
// measured with a positive excess and plume).
func fitSource(links []link) *SourceTerm {
	var sw, swq float64
	for i := range links {
		l := &links[i]
		m := l.p.Measured
		if m == nil || !(m.ExcessUgm3 > 0) || !(l.k.perUnit > 0) || l.vote <= 0 {
			continue
		}
		noise := math.Max(m.NoiseUgm3, 0)
		s := math.Hypot(SourceModelSigma, noise/m.ExcessUgm3)
		l.fit = &SourceFit{ExcessUgm3: m.ExcessUgm3, NoiseUgm3: noise, PerUnitUgm3: l.k.perUnit, ImpliedGs: m.ExcessUgm3 / l.k.perUnit, SigmaLn: s}
		w := l.vote / (s * s)
		sw += w
		swq += w * math.Log(l.fit.ImpliedGs)
	}
	if sw == 0 {
		return nil
	}
	lnQ := swq / sw
	st := &SourceTerm{RateGs: math.Exp(lnQ)}
	var sd float64
	for i := range links {
		l := &links[i]
		if l.fit == nil {
			continue
		}
		d := math.Log(l.fit.ImpliedGs) - lnQ
		sd += l.vote / (l.fit.SigmaLn * l.fit.SigmaLn) * d * d
		l.fit.Fit = math.Exp(-d * d / (2 * l.fit.SigmaLn * l.fit.SigmaLn))
		l.vote *= l.fit.Fit
		st.Receptors++
	}
	st.SpreadLn = math.Sqrt(sd / sw)
	return st
}
