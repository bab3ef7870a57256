package api

import (
	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/permits"
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
