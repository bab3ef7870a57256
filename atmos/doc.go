// Package atmos is envtrace's air transport, beside hydro (water
// transport): hourly wind observations and their import, wind fields
// interpolated in space and time, the wind-confidence class of a trace,
// back-trajectories, and two dispersion models, a steady Gaussian plume and
// a Gaussian puff model. It is pure Go: no SQL, no HTTP. Positions are
// metres on a planar grid (gis/crs.Planar: TWD97 / TM2 in Taiwan, a local
// Transverse Mercator elsewhere); times carry their zone.
//
// # Wind observations
//
// An Observation is one station-hour: mean speed (m/s), the direction the
// wind blows from (degrees clockwise from north), optionally the standard
// deviation of the direction within the hour (σθ, degrees), and a Flag.
// Flags are never parsed as numbers: a fault, a variable direction, an
// unknown or a not-observed value keeps its flag and NaN speed or
// direction. An hour whose mean speed is below CalmSpeed (0.5 m/s) is calm:
// its direction is meaningless and it carries no transport direction
// (396 of Wuqi's 15,360 hours).
//
// CWA CODiS hourly files (ReadCODiS) give ObsTime 1–24 in Taiwan time for
// the hour ending then; hour 24 is 00:00 of the next day. The markers are
// `x`/`X` fault, `V` variable direction, `/` unknown and `...` not observed;
// `T` (trace) and `&` (accumulated) occur only in precipitation, which is
// not read. The CWA open-data product O-A0001-001 in JSON (ReadCWAObs)
// gives each station's latest observation with its time and WGS84
// position; its no-data values -99 and -990 become Missing hours.
//
// # Interpolation
//
// A Series interpolates one station in time: linearly on the u and v
// components (and on speed) between the two observations around t, when
// they are at most MaxGap apart; an hour outside the record or inside a
// longer gap has no wind. IDW interpolates a set of stations in space:
// inverse-distance weights 1/d² (d floored at 100 m) on u and v, with the
// mean speed interpolated the same way. Averaging components rather than
// angles is what keeps 350° and 10° from averaging to 180°.
//
// # Wind confidence
//
// Each trace gets a class, after Air Tracker: High when the estimated
// direction error is below 30° and the speed error below 1 m/s, Medium
// when one of the two holds, Low otherwise. With two or more stations
// reporting, the errors are estimated by leave-one-out cross-validation:
// each station is predicted from the others and compared with what it
// measured (mean absolute direction and speed errors over the trace's
// hours). With one station there is nothing to cross-validate, so the
// errors are estimated from persistence: the change of direction and of
// speed from one hour to the next at the interpolated point, i.e. the
// error of carrying the hourly wind across the hour. The direction's
// turns are weighted by the wind speed (a turn displaces the air by about
// the speed times the angle, as a wind's steadiness weighs its hours), and
// a pair with a calm hour has no turn to measure and is left out. A calm
// hour of the cross-validation, or persistence with no turn at all to
// measure, costs a 90° direction error: a direction guessed at random is
// off by 90° on average.
//
// # Back-trajectories
//
// BackTrajectory integrates x'(t) = −V(x, t) backwards from a receptor with
// Heun's predictor–corrector, the HYSPLIT scheme
// P(t−Δt) = P(t) − ½[V(P, t) + V(P′, t−Δt)]Δt with P′ = P(t) − V(P, t)Δt,
// in steps of 5 minutes by default. Each point carries the spread of the
// air's possible origin: crosswind σ = √(σ0² + (s·sin σθe)²) where s is the
// path length travelled and σθe combines in quadrature the mean direction
// variability σθ met so far (15° when the wind does not report it) with the
// direction error of the confidence estimate, and along-wind
// σ = √(σ0² + (τ·εu)²) where τ is the travel time and εu the speed error.
// σ0 is 50 m. So the spread grows with time and distance, as HYSPLIT's
// 15–30 % of travel distance does.
//
// # Dispersion
//
// Plume is the steady Gaussian plume with ground reflection,
// C = Q/(2π u σy σz) · exp(−y²/2σy²) · [exp(−(z−H)²/2σz²) + exp(−(z+H)²/2σz²)],
// with Briggs' rural σy(x), σz(x) for the Pasquill–Gifford stability
// classes A–F, and σy widened by the direction uncertainty (see
// Plume.Concentration). Stability comes from wind speed and whether the
// sun is up (StabilityClass). Puffs is a different model for generating
// synthetic observations: Gaussian puffs released at a fixed interval,
// each advected through the time- and space-varying field with Heun steps
// and grown with the Briggs σ of its own travel distance; the concentration
// at a receptor sums the puffs. The puff model follows curved paths and
// changing winds that the steady plume ignores, which is what lets tests
// generate data with one model and attribute it with the other (no
// inverse crime).
package atmos
