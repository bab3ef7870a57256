package api

import (
	"fmt"
	"maps"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/permits"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// facilityView is the caller's view of facility id (a control number);
// the county comes from the control number's prefix letter, as the data
// carry no county column yet (access.CountyOf).
func facilityView(c echo.Context, id string) access.View {
	return access.FacilityView(principal(c), id, access.CountyOf("", id))
}

// requireFacility refuses the caller a facility's records (permits,
// findings, effluent) unless it sees the facility in full: its own for a
// facility, its county's for an officer. The refusal is the same whether
// or not the facility exists, so an id in a URL reveals nothing.
func requireFacility(c echo.Context, id string) error {
	if facilityView(c, id) != access.Full {
		return access.Denied(principal(c), "read the records of facility "+id)
	}
	return nil
}

// seesInFull is the county rule as a filter over facility ids: the
// facilities whose records the caller sees in full (facilityView), nil
// (every facility) for a role not limited by county. Analyses over many
// facilities' records (the inspection ranking and plans, the violations
// hot spots) count only these.
func seesInFull(c echo.Context) func(facilityID string) bool {
	if principal(c).Role == access.Admin {
		return nil
	}
	return func(id string) bool { return facilityView(c, id) == access.Full }
}

// visibleFindings keeps the findings about facilities the caller sees in
// full.
func visibleFindings(c echo.Context, fs []permits.Finding) []permits.Finding {
	if principal(c).Role == access.Admin {
		return fs
	}
	out := make([]permits.Finding, 0, len(fs))
	for _, f := range fs {
		if facilityView(c, f.Facility) == access.Full {
			out = append(out, f)
		}
	}
	return out
}

// outOfCounty is the object-level rule of answers that cross counties
// (the water trace, the odour ranking and trace, the air attribution): a
// facility the caller does not see in full (an officer's out-of-county
// facilities) stays in the answer with its public fields only, and the
// answer's warnings name each county whose bureau the case can be
// referred to.
type outOfCounty struct {
	c        echo.Context
	counties map[string]bool
}

func newOutOfCounty(c echo.Context) *outOfCounty {
	return &outOfCounty{c: c, counties: map[string]bool{}}
}

// hides says whether facility id must keep its public fields only, and
// remembers its county for the warnings.
func (o *outOfCounty) hides(id string) bool {
	if facilityView(o.c, id) == access.Full {
		return false
	}
	o.counties[access.CountyOf("", id)] = true
	return true
}

// warnings name the counties of the facilities hidden, one each.
func (o *outOfCounty) warnings() []string {
	var out []string
	for _, code := range slices.Sorted(maps.Keys(o.counties)) {
		name, _ := access.CountyName(code)
		if code == "" {
			code, name = "?", "an unknown county"
		}
		out = append(out, fmt.Sprintf(
			"facilities in %s (%s) lie outside your county: only their public fields are shown; refer the case to that county's bureau", name, code))
	}
	return out
}

// redactTrace keeps, for every facility of a trace the caller does not
// see in full (outOfCounty), only the evidence that comes from the public
// register, the network and the reading: permit numbers and limits,
// permitted and capacity loads, volumes and the facility's exceedance
// history are dropped.
func redactTrace(c echo.Context, res *suspect.Result) {
	if principal(c).Role == access.Admin {
		return
	}
	o := newOutOfCounty(c)
	// The lists are copied before they change: the backend may share
	// (cache) the result it returned.
	res.Warnings = slices.Clone(res.Warnings)
	for _, l := range []*[]suspect.Suspect{&res.Suspects, &res.Insufficient, &res.RuledOut} {
		*l = slices.Clone(*l)
		for i := range *l {
			s := &(*l)[i]
			if !o.hides(s.FacilityID) {
				continue
			}
			e := s.Evidence
			s.Evidence = suspect.Evidence{Outfall: e.Outfall, Reach: e.Reach, Industry: e.Industry, Profile: e.Profile,
				IndustryWarning: e.IndustryWarning, DischargeWindow: e.DischargeWindow, ProfileCovers: e.ProfileCovers,
				HandlesAcid: e.HandlesAcid, HandlesAlkali: e.HandlesAlkali, DecayPerDay: e.DecayPerDay,
				RequiredLoadKgDay: e.RequiredLoadKgDay, Reason: e.Reason}
		}
	}
	res.Warnings = append(res.Warnings, o.warnings()...)
}

// redactOdour is redactTrace's rule for an odour ranking or trace (and
// the air attribution, which is one): a candidate the caller does not see
// in full keeps its votes (petitions, wind and register location), its
// profile match, surface and repeat tier, but its permit record (water and
// air permits, their findings and the counts by severity) is dropped; its
// compliance multiplier stays, as it is a factor of every vote and the
// votes add up to the score.
func redactOdour(c echo.Context, res *odour.Result) *odour.Result {
	if res == nil || principal(c).Role == access.Admin {
		return res
	}
	o := newOutOfCounty(c)
	out := *res // the backend may share (cache) the result it returned
	out.Candidates = slices.Clone(res.Candidates)
	for i := range out.Candidates {
		cd := &out.Candidates[i]
		if !o.hides(cd.FacilityID) {
			continue
		}
		cd.Evidence.Compliance = odour.Compliance{Permits: []odour.PermitRef{}, AirPermits: []odour.AirPermitRef{},
			AirFindings: []permits.Finding{}, Multiplier: cd.Evidence.Compliance.Multiplier, Redacted: true}
	}
	out.Warnings = append(slices.Clone(res.Warnings), o.warnings()...)
	return &out
}
