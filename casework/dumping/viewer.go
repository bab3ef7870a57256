package dumping

import (
	"fmt"

	"github.com/envtrace/envtrace/access/privacy"
)

// Role is what a viewer is to the desk.
type Role string

// Roles.
const (
	// RolePublic may report, and see public summaries with fuzzed
	// locations.
	RolePublic Role = "public"
	// RoleAgency is staff of one agency: its own queue, its own reports,
	// its patrol log.
	RoleAgency Role = "agency"
	// RoleCentre is the contact platform's staff: everything, the
	// reporters' contacts and the service-level dashboard included.
	RoleCentre Role = "centre"
)

// Viewer is who asks. The desk decides every object-level question from
// it: an agency never sees another agency's reports or queue.
type Viewer struct {
	Role   Role
	Agency string
	// Name identifies the person or system for the audit trail.
	Name string
}

// String describes the viewer for audit records and errors.
func (v Viewer) String() string {
	switch v.Role {
	case RoleAgency:
		return fmt.Sprintf("agency %s (%s)", v.Agency, v.Name)
	case RoleCentre:
		return fmt.Sprintf("centre (%s)", v.Name)
	}
	return "the public"
}

// Public is the anonymous viewer.
var Public = Viewer{Role: RolePublic}

// system acts for the desk itself (routing, escalation).
var system = Viewer{Role: RoleCentre, Name: "system"}

// canHandle says whether v may see the whole report and act on it: the
// centre always, an agency while the report is its own.
func canHandle(v Viewer, r *Report) bool {
	return v.Role == RoleCentre || v.Role == RoleAgency && v.Agency != "" && r.AgencyID == v.Agency
}

// ContactAAD binds a sealed reporter contact to the dumping report, so
// that a ciphertext copied from another table does not open here.
const ContactAAD = "dumping_reports.contact"

// Protection is the desk's share of access/privacy: Keys seals reporters'
// contacts (nil: the desk takes no contacts) and Secret keys the public
// locations' fuzzing and the contacts' blind index (privacy.Secret.Subject),
// which lets an erasure request find a reporter's reports.
type Protection struct {
	Keys   *privacy.Keyring
	Secret privacy.Secret
}
