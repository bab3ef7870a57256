package access

import (
	"fmt"
	"slices"
)

// View is how much of an object a principal may see.
type View int

// Views.
const (
	// Hidden: nothing; the object is refused.
	Hidden View = iota
	// PublicFields: the fields of the public register only (a facility's
	// id, name, industry and location), as an officer sees facilities of
	// other counties in a trace.
	PublicFields
	// Full: everything the role's policy allows.
	Full
)

// FacilityView is the object-level check for a facility with control
// number id in county (CountyOf): an administrator sees every facility in
// full; an officer their county's in full and others' public fields; a
// facility itself only; every other role public fields.
func FacilityView(p Principal, id, county string) View {
	switch p.Role {
	case Admin:
		return Full
	case Officer:
		if county != "" && county == p.Scope.County {
			return Full
		}
		return PublicFields
	case Facility:
		if id == p.Scope.Facility {
			return Full
		}
		return Hidden
	}
	return PublicFields
}

// ViewKey is everything FacilityView reads of a principal, as one
// string: principals with the same key see every facility alike, so an
// answer redacted by FacilityView may be shared between them (the trace
// answer cache keys on it). It changes with FacilityView.
func ViewKey(p Principal) string {
	switch p.Role {
	case Admin:
		return string(Admin)
	case Officer:
		return string(Officer) + ":" + p.Scope.County
	case Facility:
		return string(Facility) + ":" + p.Scope.Facility
	}
	return string(Public)
}

// CaseRef is what the case check needs to know of a case.
type CaseRef struct {
	ID        string
	CreatedBy string
	// SharedWith are the case's share principals ("county:TXG",
	// "agency:taichung-epb", "user:<subject>", "role:investigator").
	SharedWith []string
	// Editors are the share principals with edit access.
	Editors []string
}

// UserName is how cases name p as their creator or in a share:
// "user:<subject>".
func UserName(p Principal) string { return "user:" + p.Subject }

// ShareNames are the share principals that name p, for matching a case's
// SharedWith: its user, its role, and its county or agency.
func ShareNames(p Principal) []string {
	out := []string{UserName(p), "role:" + string(p.Role)}
	if p.Scope.County != "" {
		out = append(out, "county:"+p.Scope.County)
	}
	if p.Scope.Agency != "" {
		out = append(out, "agency:"+p.Scope.Agency)
	}
	return out
}

// CanReadCase is the object-level check for a case: an administrator
// reads every case; anyone else a case they created, a case in their
// token's case scope, or a case shared with one of their ShareNames. An
// investigator who is shown a case id that was not shared is refused.
func CanReadCase(p Principal, c CaseRef) bool {
	if p.Role == Admin {
		return true
	}
	if Decide(p, Permission{Read, Case}) == Deny {
		return false
	}
	if c.CreatedBy == UserName(p) || slices.Contains(p.Scope.Cases, c.ID) {
		return true
	}
	for _, n := range ShareNames(p) {
		if slices.Contains(c.SharedWith, n) {
			return true
		}
	}
	return false
}

// CanEditCase is the object-level check for changing a case (adding an
// item, sharing, referring it): an administrator edits every case; an
// officer the cases they created or that are shared with edit access to
// one of their ShareNames (their county after a referral). Investigators
// and NGOs never edit a case.
func CanEditCase(p Principal, c CaseRef) bool {
	if p.Role == Admin {
		return true
	}
	if Decide(p, Permission{Write, Case}) == Deny {
		return false
	}
	if c.CreatedBy == UserName(p) {
		return true
	}
	for _, n := range ShareNames(p) {
		if slices.Contains(c.Editors, n) {
			return true
		}
	}
	return false
}

// SeesCaseInFull reports whether p, once allowed to read a case, sees its
// items (traces name suspects; inspections could tip a facility off) or
// only its public summary: a civil-society group sees the summary alone.
func SeesCaseInFull(p Principal) bool { return p.Role != NGO }

// CanReportToCase is the object-level check for a civil-society report
// into a case: the caller may write case reports and reads the case.
func CanReportToCase(p Principal, c CaseRef) bool {
	return Decide(p, Permission{Write, CaseReport}) != Deny && CanReadCase(p, c)
}

// CanWriteStation is the object-level check for a reading: an
// administrator writes any station, a sensor only its own.
func CanWriteStation(p Principal, station string) bool {
	switch Decide(p, Permission{Write, Readings}) {
	case Allow:
		return true
	case Scoped:
		return slices.Contains(p.Scope.Stations, station)
	}
	return false
}

// CheckStations refuses the first station p may not write.
func CheckStations(p Principal, stations []string) error {
	for _, s := range stations {
		if !CanWriteStation(p, s) {
			return Denied(p, fmt.Sprintf("write readings for station %s", s))
		}
	}
	return nil
}
