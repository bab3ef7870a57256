package access

import (
	"fmt"
	"net/http"
)

// Action is what a request does to a resource.
type Action string

// Actions.
const (
	// Read views a resource.
	Read Action = "read"
	// Write creates or changes it.
	Write Action = "write"
	// Trace runs an attribution (a water trace, an odour or air analysis)
	// over a resource's data.
	Trace Action = "trace"
	// Export copies a resource out of the platform (a case file).
	Export Action = "export"
)

// Resource is a kind of thing the policy is about. A route names one.
type Resource string

// Resources.
const (
	// PublicData is what anyone may see: stations, RPI, the river
	// network, the map, public dumping summaries, the API description.
	PublicData Resource = "public_data"
	// Metrics are the server's operational metrics.
	Metrics Resource = "metrics"
	// Readings are monitoring readings as feeds write them.
	Readings Resource = "readings"
	// FacilityRecord is a facility's permits, reports, findings and
	// alerts (its public fields are PublicData).
	FacilityRecord Resource = "facility_record"
	// Analysis is a trace, balance, odour, air or hotspot analysis: its
	// answer names facilities and evidence.
	Analysis Resource = "analysis"
	// Case is an enforcement case file.
	Case Resource = "case"
	// CaseReport is a civil-society group's report into a case shared
	// with it.
	CaseReport Resource = "case_report"
	// DumpingReport is an illegal-dumping report (submitting one is open
	// to the public; handling it is the routed agency's).
	DumpingReport Resource = "dumping_report"
	// DumpingContact is a dumping reporter's contact: personal data.
	DumpingContact Resource = "dumping_contact"
	// DumpingDesk is the agencies' desk: dashboard, sites, patrols.
	DumpingDesk Resource = "dumping_desk"
	// Petition is an odour petition (陳情): anyone may file one and read
	// the petitions; who sees the exact location and the text rather
	// than the fuzzed public view is the petition desk's decision on the
	// principal.
	Petition Resource = "petition"
	// PetitionContact is a petitioner's contact and address: personal
	// data.
	PetitionContact Resource = "petition_contact"
	// AuditLog is the audit trail.
	AuditLog Resource = "audit_log"
	// SelfReport is a facility's self-report or corrective action,
	// submitted through its portal for the bureau to decide.
	SelfReport Resource = "self_report"
	// CEMSRecord is a stack's continuous emission monitoring record: the
	// facility transmits its own stacks' records, the bureau loads them.
	CEMSRecord Resource = "cems_record"
)

// Decision is the policy's answer for a role, action and resource.
type Decision int

// Decisions.
const (
	// Deny refuses the request (403, or 401 for the public).
	Deny Decision = iota
	// Allow permits it for every object.
	Allow
	// Scoped permits it only for objects in the principal's scope: the
	// handler applies the object-level check of this package to what it
	// loads, and filters lists.
	Scoped
)

// String names the decision for audit records and docs.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "allow"
	case Scoped:
		return "scoped"
	}
	return "deny"
}

// Permission is what one route does: an action on a resource.
type Permission struct {
	Action   Action
	Resource Resource
}

// String is "action resource".
func (p Permission) String() string { return string(p.Action) + " " + string(p.Resource) }

// everyone allows a permission to every role.
func everyone() map[Role]Decision {
	m := map[Role]Decision{}
	for _, r := range Roles {
		m[r] = Allow
	}
	return m
}

// Policy is the one table of who may do what: role × action × resource.
// A role missing from a row is denied. docs/access.md prints it.
var Policy = map[Permission]map[Role]Decision{
	{Read, PublicData}: everyone(),
	{Read, Metrics}:    {Admin: Allow},
	{Write, Readings}:  {Admin: Allow, Sensor: Scoped},
	// An officer sees their own county's facilities in full and others'
	// public fields; a facility sees only itself.
	{Read, FacilityRecord}: {Admin: Allow, Officer: Scoped, Facility: Scoped},
	// The bureau writes on a facility's record: it accepts or rejects
	// the facility's self-reports. A facility never decides its own.
	{Write, FacilityRecord}: {Admin: Allow, Officer: Scoped},
	// A facility submits self-reports about itself only.
	{Write, SelfReport}: {Facility: Scoped},
	// A facility transmits its own stacks' CEMS records; the bureau (an
	// officer, their county's facilities) loads them too.
	{Write, CEMSRecord}: {Admin: Allow, Officer: Scoped, Facility: Scoped},
	// Traces cross counties; out-of-county facilities keep only their
	// public fields in an officer's answer (FacilityView).
	{Trace, Analysis}: {Admin: Allow, Officer: Scoped},
	// Raising an alert from an analysis (a farmland alert e-mails the
	// irrigation offices).
	{Write, Analysis}: {Admin: Allow, Officer: Allow},
	{Read, Case}:      {Admin: Allow, Officer: Scoped, Investigator: Scoped, NGO: Scoped},
	{Write, Case}:     {Admin: Allow, Officer: Allow},
	{Export, Case}:    {Admin: Allow, Officer: Scoped, Investigator: Scoped},
	// A civil-society group reports into the cases shared with it.
	{Write, CaseReport}: {Admin: Allow, NGO: Scoped},
	// Anyone may report dumping or add a photo to a fresh report (the
	// desk decides); a feed may not.
	{Write, DumpingReport}: {Admin: Allow, Officer: Allow, Investigator: Allow, LandAgency: Allow, Facility: Allow, NGO: Allow, Public: Allow},
	{Read, DumpingReport}:  {Admin: Allow, LandAgency: Scoped, Officer: Scoped},
	{Read, DumpingContact}: {Admin: Allow},
	{Read, DumpingDesk}:    {Admin: Allow, LandAgency: Scoped, Officer: Scoped},
	{Write, DumpingDesk}:   {Admin: Allow, LandAgency: Scoped, Officer: Scoped},
	{Read, AuditLog}:       {Admin: Allow},
	// Anyone may petition about an odour, as anyone may report dumping;
	// a feed may not. Everybody reads petitions, the public at fuzzed
	// locations only.
	{Write, Petition}:       {Admin: Allow, Officer: Allow, Investigator: Allow, LandAgency: Allow, Facility: Allow, NGO: Allow, Public: Allow},
	{Read, Petition}:        everyone(),
	{Read, PetitionContact}: {Admin: Allow},
}

// Decide looks the principal's role up in Policy. An unknown permission
// is denied, so a forgotten row fails closed; so is a Scoped decision for
// a principal without the scope it would be limited by (an officer
// whose scope names no agency has no dumping desk).
func Decide(p Principal, perm Permission) Decision {
	d := Policy[perm][p.Role]
	if d == Scoped && !hasScope(p, perm.Resource) {
		return Deny
	}
	return d
}

// hasScope says whether p carries the scope field that limits it on r.
func hasScope(p Principal, r Resource) bool {
	s := p.Scope
	switch r {
	case DumpingReport, DumpingDesk:
		return s.Agency != ""
	case Readings:
		return len(s.Stations) > 0
	case FacilityRecord, Analysis, CEMSRecord:
		return p.Role != Officer || s.County != ""
	}
	return true
}

// Known reports whether perm has a row in Policy; the HTTP layer refuses
// to register a route whose permission is unknown.
func Known(perm Permission) bool {
	_, ok := Policy[perm]
	return ok
}

// DeniedError refuses an authenticated request (403), or asks the public
// to authenticate (401).
type DeniedError struct {
	Principal Principal
	What      string
}

// Error names who was refused what.
func (e *DeniedError) Error() string {
	return fmt.Sprintf("%s %s may not %s", e.Principal.Role, e.Principal.Subject, e.What)
}

// Status is 401 for the public (credentials would help) and 403 for
// everyone else.
func (e *DeniedError) Status() int {
	if e.Principal.Role == Public && !e.Principal.Demo {
		return http.StatusUnauthorized
	}
	return http.StatusForbidden
}

// Denied builds the error refusing p what (a permission or an object).
func Denied(p Principal, what string) error { return &DeniedError{Principal: p, What: what} }
