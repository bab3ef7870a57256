// Package casework holds the things of envtrace that have a lifecycle: today
// the case file an officer builds toward enforcement; later the petitions,
// dumping reports, inspections and notifications that the same case will
// gather.
//
// A Case is the one entity the other kinds attach to. It holds typed items
// (a trace today) and the list of whom it is shared with, and it records
// the SHA-256 digest of every export made from it so that a printed or
// e-mailed copy can be checked against the file later. Items are evidence
// snapshots: once stored they never change, and each carries the digest of
// its body.
//
// The package defines what a case is and the Repository interface that
// keeps cases; package store implements it twice (PostGIS, and in memory
// for the demo), and casework/casetest holds the tests both must pass.
package casework

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Case is an enforcement case file: what an officer saved, who saved it,
// with whom it is shared and which copies were made of it.
type Case struct {
	// ID is the case's stable identifier, also its permalink
	// (/api/v1/cases/{id}, and /?case={id} on the map).
	ID    string `json:"id"`
	Title string `json:"title"`
	// CreatedBy names the principal that saved the case.
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// County is the county whose bureau has the case ("" for a case of
	// the central centre); a referral changes it.
	County string `json:"county"`
	// Referrals is the case's history of referrals between bureaus.
	Referrals []Referral `json:"referrals"`
	// Items are the case's evidence, in the order they were added.
	Items []Item `json:"items"`
	// SharedWith lists who may see the case besides its creator.
	SharedWith []Share `json:"shared_with"`
	// Exports lists every export made, with the digest of its content.
	Exports []Export `json:"exports"`
}

// Summary is a case as a list shows it.
type Summary struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Kinds lists the kinds of the case's items, in item order.
	Kinds []Kind `json:"kinds"`
	// Verdict is the verdict of the case's first trace, "" without one.
	Verdict string `json:"verdict"`
	// Station and Parameter are those of the first trace.
	Station   string `json:"station"`
	Parameter string `json:"parameter"`
}

// Share grants one principal access to a case.
type Share struct {
	// Principal is a user, role or agency id, as package access names
	// them ("role:inspector", "agency:taichung-epb", "user:…").
	Principal string `json:"principal"`
	// Access is "read" or "edit".
	Access string    `json:"access"`
	Since  time.Time `json:"since"`
}

// Export records one copy made of a case.
type Export struct {
	// Format is report, geojson, csv, kml or xlsx.
	Format string `json:"format"`
	// SHA256 is the hex digest of the exported bytes.
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
	// At and By say when and by whom the copy was first made; the same
	// content exported again is not recorded twice.
	At time.Time `json:"at"`
	By string    `json:"by"`
}

// Export formats.
const (
	FormatReport  = "report"
	FormatGeoJSON = "geojson"
	FormatCSV     = "csv"
	FormatKML     = "kml"
	FormatXLSX    = "xlsx"
)

// Access levels of a share.
const (
	AccessRead = "read"
	AccessEdit = "edit"
)

// Errors of the package; every one is wrapped with the offending id or
// field so that callers can test the kind with errors.Is.
var (
	// ErrNotFound: no case has the id.
	ErrNotFound = errors.New("casework: no such case")
	// ErrExists: a case with the id is stored already.
	ErrExists = errors.New("casework: case exists")
	// ErrInvalid: a case or item breaks a rule of this package.
	ErrInvalid = errors.New("casework: invalid case")
)

// FieldError names the field of a case that breaks a rule.
type FieldError struct {
	Field  string
	Reason string
}

// Error names the field and the reason.
func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// MaxTitle bounds a case title, in characters.
const MaxTitle = 200

var idPattern = regexp.MustCompile(`^C-[0-9]{8}-[0-9A-F]{8}$`)

// NewID makes a case id from the creation time (its Taiwan date, which
// officers read) and 32 random bits: C-20260814-7F3A9C01.
func NewID(at time.Time) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("casework: case id: %w", err)
	}
	return "C-" + at.In(Taipei).Format("20060102") + "-" + strings.ToUpper(hex.EncodeToString(b[:])), nil
}

// ValidID reports whether id has the shape NewID makes, so that a handler
// can answer 404 without asking the repository for garbage.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Taipei is Asia/Taipei, the zone case dates are written in. Taiwan has
// kept UTC+8 without daylight saving since 1980, so a fixed zone is exact
// for every case and needs no time-zone database on the server.
var Taipei = time.FixedZone("Asia/Taipei", 8*3600)

// New builds a case around its first items, validating title and items
// and stamping times (UTC, to the microsecond a database keeps) and item
// digests. The creator is the first share, with edit access.
func New(title, by string, at time.Time, items ...Body) (*Case, error) {
	id, err := NewID(at)
	if err != nil {
		return nil, err
	}
	at = at.UTC().Truncate(time.Microsecond)
	c := &Case{ID: id, Title: strings.TrimSpace(title), CreatedBy: by, CreatedAt: at,
		SharedWith: []Share{{Principal: by, Access: AccessEdit, Since: at}}, Exports: []Export{}, Referrals: []Referral{}}
	for _, b := range items {
		it, err := NewItem(len(c.Items)+1, b, by, at)
		if err != nil {
			return nil, err
		}
		c.Items = append(c.Items, it)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the rules every stored case keeps.
func (c *Case) Validate() error {
	var errs []error
	fail := func(field, reason string) { errs = append(errs, &FieldError{Field: field, Reason: reason}) }
	if !ValidID(c.ID) {
		fail("id", fmt.Sprintf("%q is not a case id such as C-20260814-7F3A9C01", c.ID))
	}
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		fail("title", "required: a few words that name the case")
	case n > MaxTitle:
		fail("title", fmt.Sprintf("at most %d characters, got %d", MaxTitle, n))
	}
	if c.CreatedBy == "" {
		fail("created_by", "required")
	}
	if len(c.Items) == 0 {
		fail("items", "a case holds at least one item")
	}
	for i, it := range c.Items {
		if it.Seq != i+1 {
			fail(fmt.Sprintf("items[%d].seq", i), fmt.Sprintf("must be %d", i+1))
		}
		if it.Body == nil {
			fail(fmt.Sprintf("items[%d]", i), "has no body")
			continue
		}
		if err := it.Body.Validate(); err != nil {
			fail(fmt.Sprintf("items[%d].%s", i, it.Kind), err.Error())
		}
	}
	for i, s := range c.SharedWith {
		if s.Principal == "" || (s.Access != AccessRead && s.Access != AccessEdit) {
			fail(fmt.Sprintf("shared_with[%d]", i), "needs a principal and access read or edit")
		}
	}
	return errors.Join(errs...)
}

// Summarize is the case as a list shows it.
func (c *Case) Summarize() Summary {
	s := Summary{ID: c.ID, Title: c.Title, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, Kinds: []Kind{}}
	for _, it := range c.Items {
		s.Kinds = append(s.Kinds, it.Kind)
		if t, ok := it.Body.(*TraceItem); ok && s.Station == "" {
			s.Verdict, s.Station, s.Parameter = t.Verdict, t.Inputs.Station, t.Inputs.Parameter
		}
	}
	return s
}

// Trace returns the case's first trace item, nil when it has none.
func (c *Case) Trace() *TraceItem {
	for _, it := range c.Items {
		if t, ok := it.Body.(*TraceItem); ok {
			return t
		}
	}
	return nil
}

// Digest is the hex SHA-256 of b, the digest recorded for exports and
// item bodies.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// RecordExport adds e to c.Exports unless the same format and digest is
// recorded already (the same content exported twice is one copy); it
// reports whether e was added.
func (c *Case) RecordExport(e Export) bool {
	for _, x := range c.Exports {
		if x.Format == e.Format && x.SHA256 == e.SHA256 {
			return false
		}
	}
	c.Exports = append(c.Exports, e)
	return true
}

// canonical marshals v the one way digests are computed over.
func canonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("casework: %w", err)
	}
	return b, nil
}

// Add appends b as the case's next item, added by by at at.
func (c *Case) Add(b Body, by string, at time.Time) (Item, error) {
	it, err := NewItem(len(c.Items)+1, b, by, at)
	if err != nil {
		return Item{}, err
	}
	if err := b.Validate(); err != nil {
		return Item{}, &FieldError{Field: "item." + string(b.Kind()), Reason: err.Error()}
	}
	c.Items = append(c.Items, it)
	return it, nil
}

// Principal kinds a case may be shared with, as package access names them.
const (
	// SharePrefixUser names one person or machine: "user:<subject>".
	SharePrefixUser = "user:"
	// SharePrefixRole names every holder of a role: "role:investigator".
	SharePrefixRole = "role:"
	// SharePrefixCounty names a county bureau: "county:TXG".
	SharePrefixCounty = "county:"
	// SharePrefixAgency names an agency: "agency:npa-central".
	SharePrefixAgency = "agency:"
)

// Grant records s on c, replacing an earlier grant to the same principal.
func (c *Case) Grant(s Share) error {
	if !ValidPrincipal(s.Principal) || (s.Access != AccessRead && s.Access != AccessEdit) {
		return &FieldError{Field: "share", Reason: fmt.Sprintf("principal %q must be user:, role:, county: or agency: and a name, access read or edit", s.Principal)}
	}
	s.Since = s.Since.UTC().Truncate(time.Microsecond)
	for i := range c.SharedWith {
		if c.SharedWith[i].Principal == s.Principal {
			c.SharedWith[i] = s
			return nil
		}
	}
	c.SharedWith = append(c.SharedWith, s)
	return nil
}

// CheckGrant applies the least-privilege rule of a new share, wherever it
// is asked for (REST or the command line): one person, county bureau or
// agency, never a whole role, and edit access only for a county bureau.
// An empty access means read. It returns the access to grant, or a
// FieldError naming principal or access.
func CheckGrant(principal, acc string) (string, error) {
	if acc == "" {
		acc = AccessRead
	}
	switch {
	case !ValidPrincipal(principal):
		return "", &FieldError{Field: "principal", Reason: "user:<subject>, county:<code> or agency:<id>"}
	case acc != AccessRead && acc != AccessEdit:
		return "", &FieldError{Field: "access", Reason: "read or edit"}
	case strings.HasPrefix(principal, SharePrefixRole):
		return "", &FieldError{Field: "principal", Reason: "share with a person, county or agency, never a whole role"}
	case acc == AccessEdit && !strings.HasPrefix(principal, SharePrefixCounty):
		return "", &FieldError{Field: "access", Reason: "edit access is for a county bureau (county:XXX); others read"}
	}
	return acc, nil
}

// CaseList is the answer of a case list (GET /api/v1/cases and
// `envtrace case list --json`).
type CaseList struct {
	Cases []Summary `json:"cases"`
	Count int       `json:"count"`
}

// ValidPrincipal reports whether p is a share principal: a known prefix
// and a non-empty name.
func ValidPrincipal(p string) bool {
	for _, pre := range []string{SharePrefixUser, SharePrefixRole, SharePrefixCounty, SharePrefixAgency} {
		if strings.HasPrefix(p, pre) && len(p) > len(pre) && len(p) <= 200 {
			return true
		}
	}
	return false
}
