// Package petition takes odour petitions (公害陳情) in over REST and keeps
// the petitioner's personal data private: the contact and address are
// sealed on arrival (never held in clear), the exact location is shown
// only to staff, and the public sees each location shifted within a
// documented box, the same shift for the same location on every read.
//
// Contacts are sealed behind the Sealer interface, with access/privacy's
// keyring in production (KeyringSealer); the public shift is
// access/privacy's keyed Fuzzer, the one the dumping desk uses, computed
// once at intake and kept with the record.
//
// Who sees what (the authorisation matrix, tested in api; api maps an
// officer to agency staff and an administrator to the centre, every other
// role to the public):
//
//	                         public   agency   centre
//	fuzzed location           yes      yes      yes
//	exact location, text      no       yes      yes
//	case number               no       yes      yes
//	contact and address       no       no       yes
package petition

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/tracing/odour"
)

// Sealer seals personal data so the desk never holds it in clear.
type Sealer interface {
	Seal(plain string) ([]byte, error)
	Open(sealed []byte) (string, error)
}

// MaxPublicShiftM is Smell Pittsburgh's bound on the public shift, 0.1
// mile per axis: access/privacy's Fuzzer keeps within it.
const MaxPublicShiftM = privacy.FuzzBoxM

// Contact is the petitioner's personal data, sealed as one JSON value.
type Contact struct {
	Name    string `json:"name,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	Address string `json:"address,omitempty"`
	// Erased says the contact was dropped by an erasure request or a
	// retention purge (the fields above are then empty).
	Erased bool `json:"erased,omitempty"`
}

// Subjects returns the blind indexes (subject, privacy.Secret.Subject) of
// the contact's phone and e-mail, the ones an erasure request matches.
func (c Contact) Subjects(subject func(string) string) []string {
	var out []string
	for _, v := range []string{c.Phone, c.Email} {
		if strings.TrimSpace(v) != "" {
			out = append(out, subject(v))
		}
	}
	return out
}

// Intake is a petition as a channel received it (the JSON body of POST
// /api/v1/odour/petitions).
type Intake struct {
	// CaseNumber is the bureau's case number (陳情案號), unique when given.
	CaseNumber string `json:"case_number"`
	// Received is when the bureau received it, Time when the odour was
	// smelt (default: Received); both RFC 3339 with a zone.
	Received time.Time  `json:"received"`
	Time     *time.Time `json:"time"`
	// Lon, Lat (WGS84) locate the odour; an address may accompany them
	// (it is sealed with the contact).
	Lon *float64 `json:"lon"`
	Lat *float64 `json:"lat"`
	// Category is in the two-tier taxonomy (odour.ParseCategory).
	Category    string   `json:"category"`
	Intensity   *int     `json:"intensity"`
	Hedonic     *int     `json:"hedonic"`
	Duration    string   `json:"duration"`
	Channel     string   `json:"channel"`
	Description string   `json:"description"`
	Contact     *Contact `json:"contact"`
}

// InputError names the intake field at fault; the API answers it with a
// 400 problem naming the field.
type InputError struct{ Field, Reason string }

func (e *InputError) Error() string { return e.Field + ": " + e.Reason }

// ErrNotFound is returned for an unknown petition id.
var ErrNotFound = errors.New("petition not found")

// ErrForbidden is returned when a viewer may not see what was asked.
var ErrForbidden = errors.New("not allowed to see petitioners' contacts")

// record is a stored petition.
type record struct {
	caseNumber string
	received   time.Time
	p          odour.Petition
	sealed     []byte
	subjects   []string
	erased     bool
	// pubLon, pubLat are the public (shifted) location.
	pubLon, pubLat float64
}

// Desk receives and shows petitions. It is safe for concurrent use.
type Desk struct {
	mu     sync.RWMutex
	recs   []*record
	byID   map[string]*record
	cases  map[string]string
	sealer Sealer
	fuzzer *privacy.Fuzzer
	county func(lon, lat float64) string
	store  Store
	// subject is the contacts' blind index (privacy.Secret.Subject).
	subject func(string) string
}

// Stored is a petition as the desk keeps it and a Store writes it: the
// analysis petition (exact location), the bureau's case number, when it
// was received and the sealed contact (never the contact in clear).
type Stored struct {
	CaseNumber string
	Received   time.Time
	Petition   odour.Petition
	Sealed     []byte
	// Subjects are the blind indexes of the contact's phone and e-mail
	// (Contact.Subjects), by which an erasure request finds it.
	Subjects []string
	// Erased says the contact was erased or purged (Sealed is then nil).
	Erased bool
}

// Store is the desk's system of record. Accept stores a petition whose
// Petition.ID is empty and returns the id it was stored under; the desk
// acknowledges the petition only after Accept returns, so an accepted
// petition is never lost. A case number already stored is an
// *InputError naming case_number. store.PetitionRepo keeps petitions in
// PostGIS; without one the desk numbers them in memory.
type Store interface {
	Accept(ctx context.Context, s Stored) (string, error)
}

// Persist makes s the desk's system of record (call it before serving,
// after Restore).
func (d *Desk) Persist(s Store) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.store = s
}

// Restore adds stored petitions the desk does not hold yet (by id), in
// order: those a store held at start-up and those another replica
// accepted since. It returns how many were added.
func (d *Desk) Restore(ss []Stored) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, s := range ss {
		if _, held := d.byID[s.Petition.ID]; held {
			continue
		}
		rec := &record{caseNumber: s.CaseNumber, received: s.Received, p: s.Petition, sealed: s.Sealed, subjects: s.Subjects, erased: s.Erased}
		var err error
		if rec.pubLon, rec.pubLat, err = d.fuzzer.Fuzz(s.Petition.Lon, s.Petition.Lat); err != nil {
			return n, fmt.Errorf("petition %s: %w", s.Petition.ID, err)
		}
		d.add(rec)
		n++
	}
	return n, nil
}

// DropContacts forgets the contacts of the petitions ids (an erasure
// request or a retention purge dropped them from the store), so that the
// desk answers that they were erased. It returns how many it held.
func (d *Desk) DropContacts(ids []string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, id := range ids {
		if r, ok := d.byID[id]; ok {
			r.sealed, r.subjects, r.erased = nil, nil, true
			n++
		}
	}
	return n
}

// IndexContacts gives the desk the contacts' blind index
// (privacy.Secret.Subject), stored with each petition so that an erasure
// request finds it. Without it petitions are stored without one, and
// `privacy erase` has to open their sealed contacts to match them.
func (d *Desk) IndexContacts(subject func(string) string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.subject = subject
}

// add holds rec; d.mu is held.
func (d *Desk) add(rec *record) {
	d.recs = append(d.recs, rec)
	d.byID[rec.p.ID] = rec
	if rec.caseNumber != "" {
		d.cases[rec.caseNumber] = rec.p.ID
	}
}

// LocateCounties gives the desk the county of a location (point in the
// jurisdictions' polygons, dumping.Router.CountyAt), so that a county
// bureau's staff see the exact locations of their own county's petitions
// only. Without it no petition has a county and bureau staff get the
// public view of every petition (fail closed).
func (d *Desk) LocateCounties(county func(lon, lat float64) string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.county = county
}

// NewDesk builds a desk over the public shift fuzzer (keyed by the
// privacy secret; required). A petition with a contact is refused while
// the desk has no sealer.
func NewDesk(sealer Sealer, fuzzer *privacy.Fuzzer) (*Desk, error) {
	if fuzzer == nil {
		return nil, errors.New("petition: the desk needs the public shift (a privacy secret)")
	}
	return &Desk{byID: map[string]*record{}, cases: map[string]string{}, sealer: sealer, fuzzer: fuzzer}, nil
}

// PublicLocation is the desk's public shift of an exact location: the
// same for the same location in every record and read. The OGC layer and
// the petition hotspots publish petitions through it.
func (d *Desk) PublicLocation(lon, lat float64) (float64, float64, error) {
	return d.fuzzer.Fuzz(lon, lat)
}

var durations = []string{"", string(odour.Punctual), string(odour.ContinuousHour), string(odour.ContinuousDay)}

// validate checks an intake and builds the analysis petition from it.
func (in *Intake) validate() (odour.Petition, error) {
	var p odour.Petition
	for _, f := range []struct {
		name, v string
		max     int
	}{{"case_number", in.CaseNumber, 64}, {"description", in.Description, 4000}, {"channel", in.Channel, 64}} {
		if !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > f.max {
			return p, &InputError{f.name, fmt.Sprintf("must be UTF-8 text of at most %d characters", f.max)}
		}
	}
	if in.Received.IsZero() {
		return p, &InputError{"received", "required: RFC 3339 with a zone"}
	}
	p.Time = in.Received
	if in.Time != nil {
		p.Time = *in.Time
		if p.Time.After(in.Received.Add(time.Minute)) {
			return p, &InputError{"time", "the odour cannot be smelt after the petition was received"}
		}
	}
	if in.Lon == nil || in.Lat == nil {
		return p, &InputError{"lon", "lon and lat are required (WGS84 degrees)"}
	}
	if math.IsNaN(*in.Lon) || *in.Lon < -180 || *in.Lon > 180 {
		return p, &InputError{"lon", "must be within −180…180"}
	}
	if math.IsNaN(*in.Lat) || *in.Lat < -85 || *in.Lat > 85 {
		return p, &InputError{"lat", "must be within −85…85"}
	}
	p.Lon, p.Lat = *in.Lon, *in.Lat
	c, err := odour.ParseCategory(in.Category)
	if err != nil {
		return p, &InputError{"category", err.Error()}
	}
	p.Category = c
	if in.Intensity == nil || *in.Intensity < 0 || *in.Intensity > 6 {
		return p, &InputError{"intensity", "required: 0 (not perceptible) to 6 (extremely strong), VDI 3882"}
	}
	p.Intensity = *in.Intensity
	if in.Hedonic != nil && (*in.Hedonic < -4 || *in.Hedonic > 4) {
		return p, &InputError{"hedonic", "−4 (extremely unpleasant) to +4 (extremely pleasant)"}
	}
	p.Hedonic = in.Hedonic
	ok := false
	for _, d := range durations {
		ok = ok || in.Duration == d
	}
	if !ok {
		return p, &InputError{"duration", "want punctual, continuous-hour or continuous-day"}
	}
	p.Duration, p.Channel, p.Description = odour.Duration(in.Duration), in.Channel, in.Description
	return p, nil
}

// Submit validates an intake, seals its contact and address, stores it
// (in the desk's Store when it has one) under a new id (OP-000001, ...)
// and holds it.
func (d *Desk) Submit(ctx context.Context, in Intake) (*StaffView, error) {
	p, err := in.validate()
	if err != nil {
		return nil, err
	}
	rec := &record{caseNumber: strings.TrimSpace(in.CaseNumber), received: in.Received}
	if rec.pubLon, rec.pubLat, err = d.fuzzer.Fuzz(p.Lon, p.Lat); err != nil {
		return nil, &InputError{"lat", err.Error()}
	}
	if in.Contact != nil && *in.Contact != (Contact{}) {
		if d.sealer == nil {
			return nil, &InputError{"contact", "this server holds no key to seal contacts; submit without one"}
		}
		b, err := json.Marshal(in.Contact)
		if err != nil {
			return nil, err
		}
		if rec.sealed, err = d.sealer.Seal(string(b)); err != nil {
			return nil, fmt.Errorf("petition: sealing the contact: %w", err)
		}
		d.mu.RLock()
		if d.subject != nil {
			rec.subjects = in.Contact.Subjects(d.subject)
		}
		d.mu.RUnlock()
	}
	rec.p = p
	d.mu.RLock()
	store := d.store
	dupID, dup := d.cases[rec.caseNumber]
	d.mu.RUnlock()
	if rec.caseNumber != "" && dup {
		return nil, &InputError{"case_number", fmt.Sprintf("already received as %s", dupID)}
	}
	if store != nil {
		// Stored (and committed) before it is held and acknowledged.
		id, err := store.Accept(ctx, Stored{CaseNumber: rec.caseNumber, Received: rec.received, Petition: p, Sealed: rec.sealed, Subjects: rec.subjects})
		if err != nil {
			return nil, err
		}
		rec.p.ID = id
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if store == nil {
		if id, dup := d.cases[rec.caseNumber]; rec.caseNumber != "" && dup {
			return nil, &InputError{"case_number", fmt.Sprintf("already received as %s", id)}
		}
		rec.p.ID = fmt.Sprintf("OP-%06d", len(d.recs)+1)
	}
	if held, ok := d.byID[rec.p.ID]; ok {
		// A replica's follower delivered it first.
		rec = held
	} else {
		d.add(rec)
	}
	v := d.staff(rec)
	return &v, nil
}

// Petitions returns the analysis petitions (exact locations, never
// serialised with them), for attribution.
func (d *Desk) Petitions() []odour.Petition {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]odour.Petition, len(d.recs))
	for i, r := range d.recs {
		out[i] = r.p
	}
	return out
}

// SeesExact says whether v's role may see exact locations, descriptions
// and case numbers at all: agency and centre staff. Which petitions an
// agency's staff see so is the desk's seesExact.
func SeesExact(v dumping.Viewer) bool {
	return v.Role == dumping.RoleAgency || v.Role == dumping.RoleCentre
}

// OpensContacts says whether v may open petitioners' contacts: the centre.
func OpensContacts(v dumping.Viewer) bool { return v.Role == dumping.RoleCentre }

// County returns the county code of a location, "" when the desk cannot
// locate counties or the point lies in none.
func (d *Desk) County(lon, lat float64) string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.countyOf(lon, lat)
}

func (d *Desk) countyOf(lon, lat float64) string {
	if d.county == nil {
		return ""
	}
	return d.county(lon, lat)
}

// seesExact is the object-level rule for one petition: the centre sees
// every petition exactly; a county bureau (an agency viewer whose Agency
// is the county code) those located in its county; everybody else none.
func (d *Desk) seesExact(v dumping.Viewer, lon, lat float64) bool {
	switch v.Role {
	case dumping.RoleCentre:
		return true
	case dumping.RoleAgency:
		c := d.countyOf(lon, lat)
		return c != "" && c == v.Agency
	}
	return false
}

// SeesExactAt is seesExact for a location (the submitter's answer).
func (d *Desk) SeesExactAt(v dumping.Viewer, lon, lat float64) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.seesExact(v, lon, lat)
}

// view is one petition as v may see it: a StaffView or a PublicView.
func (d *Desk) view(v dumping.Viewer, r *record) any {
	if d.seesExact(v, r.p.Lon, r.p.Lat) {
		return d.staff(r)
	}
	return d.public(r)
}

// List returns every petition as v may see it, in arrival order: a
// []PublicView for the public, a []StaffView for the centre, and for a
// county bureau a list of both (StaffView for its county's petitions,
// PublicView for the others').
func (d *Desk) List(v dumping.Viewer) any {
	d.mu.RLock()
	defer d.mu.RUnlock()
	switch v.Role {
	case dumping.RoleCentre:
		out := make([]StaffView, len(d.recs))
		for i, r := range d.recs {
			out[i] = d.staff(r)
		}
		return out
	case dumping.RoleAgency:
		out := make([]any, len(d.recs))
		for i, r := range d.recs {
			out[i] = d.view(v, r)
		}
		return out
	}
	out := make([]PublicView, len(d.recs))
	for i, r := range d.recs {
		out[i] = d.public(r)
	}
	return out
}

// Get returns one petition as v may see it.
func (d *Desk) Get(v dumping.Viewer, id string) (any, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, ok := d.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return d.view(v, r), nil
}

// OpenContact opens a petitioner's contact: the centre only.
func (d *Desk) OpenContact(v dumping.Viewer, id string) (*Contact, error) {
	if !OpensContacts(v) {
		return nil, ErrForbidden
	}
	d.mu.RLock()
	r, ok := d.byID[id]
	var sealed []byte
	var erased bool
	if ok {
		sealed, erased = r.sealed, r.erased
	}
	d.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if sealed == nil {
		return &Contact{Erased: erased}, nil
	}
	s, err := d.sealer.Open(sealed)
	if err != nil {
		return nil, err
	}
	var c Contact
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return nil, fmt.Errorf("petition: sealed contact of %s: %w", id, err)
	}
	return &c, nil
}

// contactAAD binds a sealed petition contact to its place, so that it does
// not open elsewhere.
const contactAAD = "petitions.contact"

// KeyringSealer seals contacts with access/privacy's keyring (the key id
// travels in the ciphertext, so keys can rotate).
type KeyringSealer struct{ Keys *privacy.Keyring }

// Seal implements Sealer.
func (k KeyringSealer) Seal(plain string) ([]byte, error) { return k.Keys.Seal(plain, contactAAD) }

// Open implements Sealer.
func (k KeyringSealer) Open(sealed []byte) (string, error) { return k.Keys.Open(sealed, contactAAD) }

// TestKeyring is a keyring with one fresh key, for tests and the demo.
func TestKeyring() (*privacy.Keyring, error) {
	line, err := privacy.NewKeyLine("petitions")
	if err != nil {
		return nil, err
	}
	return privacy.ParseKeyring([]byte(line))
}
