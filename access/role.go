package access

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a principal is to the platform. The names are those of the
// tokens, the OIDC role claim and the CLI.
type Role string

// The roles of issue 11.
const (
	// Admin is central-centre staff: everything, and manages users.
	Admin Role = "admin"
	// Officer is county or city bureau staff: the data of their county.
	Officer Role = "officer"
	// Investigator is police, prosecutor or investigator: only the cases
	// shared with them.
	Investigator Role = "investigator"
	// LandAgency is a land-management agency: the dumping reports routed
	// to it.
	LandAgency Role = "land_agency"
	// Facility is a regulated facility: its own records only.
	Facility Role = "facility"
	// NGO is a civil-society group: public views, plus the cases shared
	// with it.
	NGO Role = "ngo"
	// Public is anyone without credentials.
	Public Role = "public"
	// Sensor is a feed: writes readings for its own stations.
	Sensor Role = "sensor"
)

// Roles lists every role, in the order documentation and tests use.
var Roles = []Role{Admin, Officer, Investigator, LandAgency, Facility, NGO, Public, Sensor}

// ParseRole accepts a role name as tokens and the CLI spell it.
func ParseRole(s string) (Role, error) {
	r := Role(strings.TrimSpace(s))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("access: unknown role %q (want one of %s)", s, strings.Join(names, ", "))
}

// Scope limits a principal to its own objects. Which fields matter
// depends on the role (see Principal.Validate).
type Scope struct {
	// County is an officer's county code (see Counties).
	County string `json:"county,omitempty"`
	// Agency is a land agency's id (as in agencies.csv).
	Agency string `json:"agency,omitempty"`
	// Facility is a facility's control number (ems_no).
	Facility string `json:"facility,omitempty"`
	// Cases are the case ids shared with an investigator or an NGO.
	Cases []string `json:"cases,omitempty"`
	// Stations are the stations a sensor may write readings for.
	Stations []string `json:"stations,omitempty"`
}

// Principal is who makes a request.
type Principal struct {
	// Subject identifies the principal in audit records: the OIDC
	// subject, "token:<id>" for an API token, "anonymous" or "demo".
	Subject string `json:"subject"`
	Role    Role   `json:"role"`
	Scope   Scope  `json:"scope"`
	// Demo marks the identity `make demo` serves everybody as, so the
	// map and the audit log can say the request was not authenticated.
	Demo bool `json:"demo,omitempty"`
}

// Anonymous is a request without credentials: the public.
var Anonymous = Principal{Subject: "anonymous", Role: Public}

// Demo is the identity of a server run without authentication (make demo,
// serve --insecure-demo): an administrator, clearly marked as a demo.
var Demo = Principal{Subject: "demo", Role: Admin, Demo: true}

// Validate checks that the role carries the scope it is limited by, so a
// token or claim set without one is refused instead of meaning "all".
func (p Principal) Validate() error {
	if _, err := ParseRole(string(p.Role)); err != nil {
		return err
	}
	s := p.Scope
	missing := ""
	switch p.Role {
	case Officer:
		if s.County == "" {
			missing = "a county"
		} else if _, ok := CountyName(s.County); !ok {
			return fmt.Errorf("access: officer: unknown county %q (want a code such as TXG or CHA)", s.County)
		}
	case LandAgency:
		if s.Agency == "" {
			missing = "an agency"
		}
	case Facility:
		if s.Facility == "" {
			missing = "a facility"
		}
	case Sensor:
		if len(s.Stations) == 0 {
			missing = "stations"
		}
	}
	if missing != "" {
		return fmt.Errorf("access: role %s needs %s in its scope", p.Role, missing)
	}
	return nil
}
