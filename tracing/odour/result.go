package odour

import (
	"time"

	"github.com/envtrace/envtrace/atmos"
)

// Result is the answer of `envtrace odour rank` and `odour trace` and of
// their REST twins, which print the same JSON.
type Result struct {
	// From and To bound a ranking's window (To exclusive); a trace has
	// Petition instead.
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	Petition string     `json:"petition,omitempty"`
	// Petitions counts the traceable petitions used.
	Petitions int `json:"petitions"`
	// Candidates are ranked by score (votes), best first; when the result
	// abstains they are listed without ranks.
	Candidates []Candidate `json:"candidates"`
	// SurfaceMax is the maximum of the likelihood surface; nil without
	// candidates or wind.
	SurfaceMax *SurfaceMax `json:"surface_max"`
	// Surface is the likelihood surface for a map: cells of
	// SurfaceMax.SurfaceCellM at or above 5 % of the maximum (empty without
	// candidates or wind).
	Surface []SurfaceCell `json:"surface"`
	// Baseline is the no-wind nearest-facility answer, for comparison.
	Baseline   Baseline   `json:"baseline"`
	Confidence Confidence `json:"confidence"`
	// Trajectory is the back-trajectory of a traced petition (lon/lat,
	// newest first). It starts at the petition's exact location, so it is
	// for roles that may see exact locations.
	Trajectory []TrajectoryPoint `json:"trajectory,omitempty"`
	// Repeat lists the repeat tiers over the tier window ending at To.
	Repeat *Repeat `json:"repeat,omitempty"`
	// Grid names the planar grid distances were measured on.
	Grid string `json:"grid"`
	// Water is a traced petition's water link, when its category
	// suggests waste water and a reach is near (Engine.WithBasin), and
	// Suspects the air candidates and water suspects in one list.
	Water    *WaterLink `json:"water,omitempty"`
	Suspects []Suspect  `json:"suspects,omitempty"`
	// Warnings say what the answer leaves out for its reader (the API's
	// county rule: another county's facilities with public fields only).
	Warnings []string `json:"warnings,omitempty"`
}

// Candidate is one facility considered.
type Candidate struct {
	FacilityID string `json:"facility_id"`
	Name       string `json:"name"`
	Industry   string `json:"industry"`
	// Rank is 1 for the best; absent when the result abstains.
	Rank int `json:"rank,omitempty"`
	// Score is the sum of the facility's votes (Evidence.Votes).
	Score    float64  `json:"score"`
	Evidence Evidence `json:"evidence"`
}

// Evidence is what a candidate's score rests on.
type Evidence struct {
	// Votes lists every petition that gave a vote (rounded to 4
	// decimals; zero votes are left out); their sum is the score.
	Votes []Vote `json:"votes"`
	// Supporting counts the votes of at least SupportVote.
	Supporting int `json:"supporting_petitions"`
	// NearestM is the distance to the nearest petition, metres.
	NearestM float64 `json:"nearest_petition_m"`
	// Surface is the likelihood surface at the facility as a share of its
	// maximum, and SurfaceRank the facility's rank by it.
	Surface     float64 `json:"surface"`
	SurfaceRank int     `json:"surface_rank"`
	// PriorPetitions counts petitions it was supported by in the tier
	// window before this result's window.
	PriorPetitions int `json:"prior_petitions"`
	// Tier is its repeat tier (A, B, C) over the tier window; "" below C.
	Tier       string     `json:"tier,omitempty"`
	Compliance Compliance `json:"compliance"`
	// Trajectory is set by traces: how close the back-trajectory passed.
	Trajectory *TrajectoryEvidence `json:"trajectory,omitempty"`
}

// Vote is one petition's vote for one facility:
// Vote = Plume × Profile × Compliance.
type Vote struct {
	PetitionID string    `json:"petition_id"`
	Time       time.Time `json:"time"`
	Category   string    `json:"category"`
	Intensity  int       `json:"intensity"`
	Vote       float64   `json:"vote"`
	// Plume is the plume coupling (0–1), Profile the industry match and
	// ProfileReason why, Compliance the record's multiplier.
	Plume         float64 `json:"plume"`
	Profile       float64 `json:"profile"`
	ProfileReason string  `json:"profile_reason"`
	Compliance    float64 `json:"compliance"`
	// DistanceM, BearingDeg (petition to facility), UpwindDeg (where the
	// wind came from), OffsetDeg (between the two) and TravelMinutes
	// (distance over wind speed).
	DistanceM     float64  `json:"distance_m"`
	BearingDeg    float64  `json:"bearing_deg"`
	UpwindDeg     *float64 `json:"upwind_deg"`
	OffsetDeg     *float64 `json:"offset_deg"`
	TravelMinutes float64  `json:"travel_minutes"`
	WindSpeed     float64  `json:"wind_speed"`
	// WindSource names the stations the wind came from and WindClass the
	// wind confidence of the petition.
	WindSource string      `json:"wind_source"`
	WindClass  atmos.Class `json:"wind_class"`
}

// TrajectoryEvidence is how a traced petition's back-trajectory passed a
// facility: its closest approach in metres and in crosswind spreads, and
// how long before the petition.
type TrajectoryEvidence struct {
	ClosestM      float64 `json:"closest_m"`
	ClosestSigmas float64 `json:"closest_sigmas"`
	MinutesBefore float64 `json:"minutes_before"`
}

// SurfaceMax is the likelihood surface's maximum.
type SurfaceMax struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
	// Value is the surface there: how many petitions a source at that
	// point would explain.
	Value float64 `json:"value"`
	// NearestFacilityID is the nearest candidate, DistanceM how far.
	NearestFacilityID string  `json:"nearest_facility_id"`
	DistanceM         float64 `json:"distance_m"`
	// CellM is the surface's cell size; SurfaceCellM the size of the cells
	// in Result.Surface (a multiple of CellM, merged to keep the answer
	// small).
	CellM        float64 `json:"cell_m"`
	SurfaceCellM float64 `json:"surface_cell_m"`
}

// SurfaceCell is one cell of the likelihood surface: its centre and the
// largest surface value in it.
type SurfaceCell struct {
	Lon   float64 `json:"lon"`
	Lat   float64 `json:"lat"`
	Value float64 `json:"value"`
}

// Baseline is the no-wind answer: each petition blames its nearest
// candidate.
type Baseline struct {
	Method string `json:"method"`
	// FacilityID is the candidate nearest to most petitions.
	FacilityID string          `json:"facility_id"`
	Ranking    []BaselineEntry `json:"ranking"`
}

// BaselineEntry is one candidate in the baseline.
type BaselineEntry struct {
	FacilityID string `json:"facility_id"`
	// Petitions counts the petitions it is the nearest candidate to.
	Petitions int     `json:"petitions"`
	MeanM     float64 `json:"mean_distance_m"`
}

// Confidence says how far to trust the ranking, and why.
type Confidence struct {
	// Level is high, medium, low or abstain.
	Level string `json:"level"`
	// Reason says why in English; Code is the same reason as a stable code
	// (ReasonCodes) and Params its numbers and ids, for clients that
	// translate it (the map shows it in zh-TW).
	Reason string         `json:"reason"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params"`
	// Wind is the wind confidence over the petitions (mean errors).
	Wind atmos.Confidence `json:"wind"`
	// Support is the top score over the petitions; Share the top
	// candidate's surface over the surface maximum; Runner the runner-up's
	// score over the top score; SurfaceToTopM how far the surface maximum
	// lies from the top candidate.
	Support       float64 `json:"support"`
	Share         float64 `json:"share_of_surface_max"`
	Runner        float64 `json:"runner_up_ratio"`
	SurfaceToTopM float64 `json:"surface_to_top_m"`
	// Explanation is the explanation gate's check of a ranking the other
	// rules would name with medium or high confidence (absent otherwise).
	Explanation *Explanation `json:"explanation,omitempty"`
}

// The confidence levels.
const (
	LevelHigh    = "high"
	LevelMedium  = "medium"
	LevelLow     = "low"
	LevelAbstain = "abstain"
)

// TrajectoryPoint is a back-trajectory point in lon/lat.
type TrajectoryPoint struct {
	Time   time.Time `json:"time"`
	Lon    float64   `json:"lon"`
	Lat    float64   `json:"lat"`
	CrossM float64   `json:"cross_m"`
	AlongM float64   `json:"along_m"`
}

// Repeat holds the repeat tiers over a window.
type Repeat struct {
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	Thresholds map[string]int `json:"thresholds"`
	Facilities []FacilityTier `json:"facilities"`
	Areas      []AreaTier     `json:"areas"`
}

// FacilityTier is a facility's repeat tier: petitions that supported it
// (vote ≥ SupportVote) in the window, on how many days.
type FacilityTier struct {
	FacilityID string `json:"facility_id"`
	Name       string `json:"name"`
	Petitions  int    `json:"petitions"`
	Days       int    `json:"days"`
	Tier       string `json:"tier"`
}

// AreaTier is a receptor area's repeat tier: petitions from one grid
// square (AreaCellM) in the window. The square's centre is given, never a
// petition's location.
type AreaTier struct {
	AreaID    string  `json:"area_id"`
	Lon       float64 `json:"lon"`
	Lat       float64 `json:"lat"`
	SizeM     float64 `json:"size_m"`
	Petitions int     `json:"petitions"`
	Days      int     `json:"days"`
	Tier      string  `json:"tier"`
}
