package suspect

import (
	"time"

	"github.com/envtrace/envtrace/tracing/baseline"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/standard"
)

// Verdict is what a trace concludes, the first thing an inspector reads.
type Verdict string

// The verdicts. Suspects are named only under Explained.
const (
	// Explained: the reading is abnormal and a permitted discharger upstream
	// can carry the excess; Suspects ranks those who can.
	VerdictExplained Verdict = "explained"
	// Unexplained: the reading is abnormal but no permitted discharger can
	// carry the excess; Unexplained.Between names the stretch of river
	// where an unpermitted source is likely, and Insufficient lists the
	// dischargers that could carry only part of it.
	VerdictUnexplained Verdict = "unexplained"
	// WithinNormalRange: the reading lies within the station's own normal
	// range (or, with too little history, within its class standard):
	// nobody is named.
	VerdictWithinNormalRange Verdict = "within_normal_range"
	// NotTraceable: the parameter cannot be traced (Reason says why), or
	// the station has too little history and no standard to say whether
	// the reading is abnormal.
	VerdictNotTraceable Verdict = "not_traceable"
)

// Upstream station verdicts.
const (
	Clean         = "clean"
	Dirty         = "dirty"
	NotComparable = "not_comparable"
)

// Window is a time interval.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Evidence is why a facility is (or is not) suspected, with the numbers.
type Evidence struct {
	Outfall  string `json:"outfall"`
	Reach    string `json:"reach"`
	Industry string `json:"industry"`
	// Profile is the industry profile used (tracing/industry), "generic"
	// for a category envtrace does not know; IndustryWarning says so.
	Profile         string `json:"industry_profile"`
	IndustryWarning string `json:"industry_warning,omitempty"`
	// DischargeWindow is when the outfall would have had to release the
	// water read at the station: travel time ± its uncertainty.
	DischargeWindow Window   `json:"discharge_window"`
	Permit          string   `json:"permit,omitempty"`
	PermitCovers    bool     `json:"permit_covers_parameter"`
	PermitLimit     *float64 `json:"permit_limit,omitempty"`
	ProfileCovers   bool     `json:"industry_profile_covers_parameter"`
	// HandlesAcid and HandlesAlkali are set for pH traces: whether the
	// industry's processes use strong acids or alkalis.
	HandlesAcid   bool    `json:"handles_acid,omitempty"`
	HandlesAlkali bool    `json:"handles_alkali,omitempty"`
	DecayPerDay   float64 `json:"decay_per_day"`
	// RequiredLoadKgDay is the load the outfall would have had to release
	// (kg/day; for a DO deficit, of ultimate oxygen demand); 0 for tracers
	// that are not masses (conductivity, colour, temperature, pH).
	RequiredLoadKgDay  float64 `json:"required_load_kg_day"`
	PermittedLoadKgDay float64 `json:"permitted_load_kg_day"`
	// MaxLoadKgDay is the most it could release at all: its industry's
	// raw-wastewater ceiling times MaxVolumeM3Day.
	MaxLoadKgDay float64 `json:"max_load_kg_day"`
	// MaxVolumeM3Day is the largest volume it can release: the largest of
	// its permitted volume, intake and treatment capacity (VolumeSource).
	MaxVolumeM3Day float64 `json:"max_volume_m3_day"`
	VolumeSource   string  `json:"volume_source,omitempty"`
	// LoadRatio is required over permitted; CapacityRatio required over
	// the most it could release (above 1: it cannot carry the excess).
	LoadRatio     float64 `json:"required_to_permitted_ratio,omitempty"`
	CapacityRatio float64 `json:"required_to_capacity_ratio,omitempty"`
	CanCarry      bool    `json:"can_carry"`
	// RequiredConcMgL is the effluent strength (in the parameter's unit)
	// it would have needed at MaxVolumeM3Day; PlausibleMaxConc its
	// industry's raw ceiling.
	RequiredConcMgL   float64  `json:"required_effluent_conc"`
	PlausibleMaxConc  float64  `json:"plausible_max_conc"`
	ExceedancesParam  int      `json:"past_exceedances_of_parameter"`
	ExceedancesOther  int      `json:"past_exceedances_other"`
	ExceedancePeriods []string `json:"exceedance_periods,omitempty"`
	// Bracketing says what the upstream stations showed, BracketingWeight
	// how close to the centre of its window the deciding sample was.
	Bracketing       string  `json:"bracketing,omitempty"`
	BracketingWeight float64 `json:"bracketing_weight,omitempty"`
	// BracketingBy is Bracketing in numbers, for a reader to word it in
	// its own language: each station that counted, in the same order.
	BracketingBy []BracketNote `json:"bracketing_by,omitempty"`
	// Reason says why a facility is ruled out or insufficient.
	Reason  string  `json:"reason,omitempty"`
	Factors Factors `json:"factors"`
}

// The kinds of BracketNote: a dirty station between the outfall and the
// reading, a dirty station above the outfall, a clean station below it
// near the centre of its window (the outfall is cleared) or at its edge
// (the score is lowered).
const (
	BracketDirtyBelow = "dirty_below"
	BracketDirtyAbove = "dirty_above"
	BracketCleared    = "cleared"
	BracketLowered    = "lowered"
)

// BracketNote is one upstream station's part in a facility's bracketing:
// its kind (Bracket*), the station, the time of its deciding sample (in
// Taiwan time) and how close to the centre of its window that sample was.
type BracketNote struct {
	Kind    string    `json:"kind"`
	Station string    `json:"station"`
	Time    time.Time `json:"time"`
	Weight  float64   `json:"weight"`
}

// Factors are the score's parts, so a reviewer can see what drove a rank.
type Factors struct {
	Coverage   float64 `json:"coverage"`
	LoadRatio  float64 `json:"load_ratio"`
	History    float64 `json:"history"`
	Proximity  float64 `json:"proximity"`
	Bracketing float64 `json:"bracketing"`
}

// Suspect is one facility of a trace: ranked (Rank ≥ 1) among the
// suspects, unranked among the insufficient and the ruled out.
type Suspect struct {
	FacilityID  string   `json:"facility_id"`
	Name        string   `json:"name"`
	Rank        int      `json:"rank,omitempty"`
	Score       float64  `json:"score"`
	DistanceKm  float64  `json:"distance_km"`
	TravelHours float64  `json:"travel_hours"`
	Evidence    Evidence `json:"evidence"`
}

// Observation is the reading as the engine understood it, in the
// parameter's canonical unit.
type Observation struct {
	Value float64   `json:"value"`
	Unit  string    `json:"unit"`
	Time  time.Time `json:"time"`
	// Background is the station's normal level: Baseline.Median.
	Background float64 `json:"background"`
	// Excess is how far the reading lies beyond its reference on the bad
	// side (above for pollutants, below for DO), 0 when it does not: the
	// part a discharge must explain. The reference is the baseline
	// median, or the class standard when the history is insufficient.
	Excess      float64 `json:"excess"`
	Reference   string  `json:"excess_over"`
	FlowM3s     float64 `json:"flow_m3s"`
	FlowSource  string  `json:"flow_source"`
	ExcessKgDay float64 `json:"excess_load_kg_day"`
	// TempC is the water temperature the rates were corrected to.
	TempC        float64 `json:"temperature_c"`
	Reach        string  `json:"reach"`
	Measure      float64 `json:"measure"`
	Conservative bool    `json:"conservative"`
}

// StandardCheck is the reading against its station's class standard.
type StandardCheck struct {
	standard.Limit
	Violated   bool    `json:"violated"`
	Exceedance float64 `json:"exceedance"`
}

// StationCheck is an upstream station's reading when the same water passed
// it.
type StationCheck struct {
	Station     string  `json:"station"`
	TravelHours float64 `json:"travel_hours"`
	// Expected is when the water read at the traced station passed this
	// one; Window the times within which a sample still counts.
	Expected time.Time `json:"expected_time"`
	Window   Window    `json:"window"`
	// Time and Value are the deciding sample (the nearest one when none
	// falls in the window); Weight how close to Expected it is (1 at the
	// centre, falling towards the edges, 0 outside).
	Time       time.Time `json:"time"`
	Value      float64   `json:"value"`
	Background float64   `json:"background"`
	Weight     float64   `json:"weight"`
	// Verdict is clean, dirty or not_comparable.
	Verdict string `json:"verdict"`
}

// Unexplained says whether the permitted dischargers can explain the
// excess, and if not, where an unpermitted source likely is.
type Unexplained struct {
	Explained bool     `json:"explained"`
	Reason    string   `json:"reason"`
	Between   []string `json:"between,omitempty"` // [upstream station or "headwaters", station]
	ExcessKg  float64  `json:"excess_load_kg_day"`
}

// Result is a trace: the verdict with its numbers, the ranked suspects,
// the insufficient and the ruled out.
type Result struct {
	Station   string          `json:"station"`
	Parameter string          `json:"parameter"`
	Verdict   Verdict         `json:"verdict"`
	Reason    string          `json:"reason"`
	Method    param.Method    `json:"method"`
	Direction param.Direction `json:"direction"`
	// Observation is the reading; Baseline the station's normal range for
	// it (Observation.Background equals Baseline.Median); Standard the
	// class standard it was tested against, nil when none applies.
	Observation  Observation       `json:"observation"`
	Baseline     baseline.Baseline `json:"baseline"`
	Standard     *StandardCheck    `json:"standard"`
	Suspects     []Suspect         `json:"suspects"`
	Insufficient []Suspect         `json:"insufficient"`
	RuledOut     []Suspect         `json:"ruled_out"`
	Upstream     []StationCheck    `json:"upstream_stations"`
	Unexplained  Unexplained       `json:"unexplained"`
	// Tidal flags a station on a tidal reach; Warnings lists what limits
	// the verdict (tides, high flow, unknown industries).
	Tidal    bool     `json:"tidal"`
	Warnings []string `json:"warnings"`
	// MethodVersion names this method; DataVersion the data snapshot
	// (dataset and network digests), so a verdict can be reproduced.
	MethodVersion string `json:"method_version"`
	DataVersion   string `json:"data_version"`
}
