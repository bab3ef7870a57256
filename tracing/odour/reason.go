package odour

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// The confidence reason codes (Confidence.Code): stable names a client
// translates from its own catalogue (the map's odour.reason.<code>),
// with Confidence.Params filling the catalogue's {placeholders}.
const (
	ReasonNotTraceable   = "petition_not_traceable"
	ReasonNoPetition     = "no_traceable_petition"
	ReasonNoMatch        = "no_matching_facility"
	ReasonWindUncertain  = "wind_uncertain"
	ReasonNothingUpwind  = "nothing_upwind"
	ReasonNoStandout     = "no_candidate_stands_out"
	ReasonAmbiguous      = "ambiguous"
	ReasonSurfaceFar     = "surface_far_from_top"
	ReasonSinglePetition = "single_petition"
	ReasonClearSource    = "clear_source"
	ReasonSupported      = "supported"
	ReasonNotExplained   = "not_explained"
	ReasonBesidePlume    = "beside_plume"
)

// reasonText is each code's English text; {name} is a parameter.
var reasonText = map[string]string{
	ReasonNotTraceable:   "petition {petition} is not traceable: category {category}, intensity {intensity}",
	ReasonNoPetition:     "no traceable petition (a nuisance category with intensity above 0) in the window",
	ReasonNoMatch:        "no facility within {range_km} km has an odour profile matching the petitions' categories",
	ReasonWindUncertain:  "the wind is too uncertain (direction error {direction_error_deg}°, speed error {speed_error_ms} m/s: class Low)",
	ReasonNothingUpwind:  "no candidate lies upwind of the petitions: the best, {facility_id}, scores {score} for {petitions} petitions",
	ReasonNoStandout:     "no candidate stands out: the best, {facility_id}, explains {share_pct} % of what a source at the surface maximum would; the source may be missing from the list",
	ReasonAmbiguous:      "{facility_id} and {runner_up_id} explain the petitions about equally (runner-up at {runner_up_pct} % of the top score)",
	ReasonSurfaceFar:     "the likelihood surface peaks {distance_km} km from {facility_id}: a source not in the list may be responsible",
	ReasonSinglePetition: "{facility_id} lies upwind of the petition; one petition cannot be triangulated",
	ReasonClearSource:    "{facility_id} explains {share_pct} % of what the best point source would, well ahead of the runner-up, and the wind is well known",
	ReasonSupported:      "{facility_id} explains {share_pct} % of what the best point source would and the surface peaks {distance_km} km from it",
	ReasonNotExplained:   "{facility_id} is the best listed candidate but explains only {share_pct} % of what a source at the surface maximum would (a suspect must explain at least {min_share_pct} %): a source not in the list may be responsible",
	ReasonBesidePlume:    "the petitions lie {offset_deg}° to one side of {facility_id}'s plume on average over {hours} hours (the wind's error allows {allowed_deg}°): a source not in the list may be responsible",
}

// ReasonCodes lists every confidence reason code, sorted (the map's
// catalogues are checked against it).
func ReasonCodes() []string {
	out := make([]string, 0, len(reasonText))
	for c := range reasonText {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// ReasonTemplate is a code's English text with its {placeholders}, the
// parameters a translation fills ("" for an unknown code).
func ReasonTemplate(code string) string { return reasonText[code] }

// explain sets the confidence's reason: its code, parameters and the
// English text they make.
func (c *Confidence) explain(code string, params map[string]any) {
	if params == nil {
		params = map[string]any{}
	}
	for k, v := range params {
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			params[k] = nil // never an Inf or NaN in JSON
		}
	}
	c.Code, c.Params = code, params
	s := ReasonTemplate(code)
	for k, v := range params {
		if v == nil {
			v = "?"
		}
		s = strings.ReplaceAll(s, "{"+k+"}", fmt.Sprint(v))
	}
	c.Reason = s
}
