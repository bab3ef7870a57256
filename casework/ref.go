package casework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Item kinds a case holds by reference: the record lives in its own desk
// (petitions, sensors, dumping, inspections) and the case keeps its id
// and a snapshot of its public summary as it was when it was added.
const (
	// KindPetition is an odour or pollution petition (casework/petition).
	KindPetition Kind = "petition"
	// KindSensorAnomaly is an abnormal sensor reading (air or water).
	KindSensorAnomaly Kind = "sensor_anomaly"
	// KindDumping is an illegal-dumping report (casework/dumping).
	KindDumping Kind = "dumping_report"
	// KindInspection is an inspection record (casework/inspection).
	KindInspection Kind = "inspection"
)

// RefKinds lists the kinds a case holds by reference, in the order
// documentation names them.
var RefKinds = []Kind{KindPetition, KindSensorAnomaly, KindDumping, KindInspection}

func init() {
	for _, k := range RefKinds {
		kinds[k] = func() Body { return &RefItem{kind: k} }
	}
}

// MaxRefID bounds the id of a referenced record, in characters.
const MaxRefID = 100

// RefItem is a record of another desk held by reference. Summary is the
// record's public summary, the view anyone may see (a petition's shifted
// location and no contact, a dumping report without its reporter), so that
// a case never copies personal data however widely it is shared later.
type RefItem struct {
	kind Kind
	// RefID is the record's id in its own desk.
	RefID string `json:"ref_id"`
	// Source is where the record is read (its API path), for a reader of
	// the case file who wants the record as it is now.
	Source string `json:"source"`
	// Summary is the record's public summary as it was when added.
	Summary json.RawMessage `json:"summary"`
}

// NewRef makes a reference item of kind to record id, read at source,
// whose public summary is summary (a JSON object).
func NewRef(kind Kind, id, source string, summary json.RawMessage) (*RefItem, error) {
	r := &RefItem{kind: kind, RefID: id, Source: source, Summary: summary}
	if err := r.Validate(); err != nil {
		return nil, &FieldError{Field: "item", Reason: err.Error()}
	}
	return r, nil
}

// IsRefKind reports whether k is a kind held by reference.
func IsRefKind(k Kind) bool {
	for _, r := range RefKinds {
		if r == k {
			return true
		}
	}
	return false
}

// Kind is the kind of the referenced record.
func (r *RefItem) Kind() Kind { return r.kind }

// Validate checks the reference: a known kind, an id and a summary that
// is a JSON object.
func (r *RefItem) Validate() error {
	switch n := utf8.RuneCountInString(r.RefID); {
	case !IsRefKind(r.kind):
		return fmt.Errorf("kind %q is not one of %v", r.kind, RefKinds)
	case n == 0:
		return fmt.Errorf("ref_id: required")
	case n > MaxRefID:
		return fmt.Errorf("ref_id: at most %d characters, got %d", MaxRefID, n)
	}
	s := bytes.TrimSpace(r.Summary)
	if len(s) < 2 || s[0] != '{' || !json.Valid(s) {
		return fmt.Errorf("summary: must be a JSON object")
	}
	return nil
}

// Refs lists the case's items held by reference, in item order.
func (c *Case) Refs() []Item {
	var out []Item
	for _, it := range c.Items {
		if _, ok := it.Body.(*RefItem); ok {
			out = append(out, it)
		}
	}
	return out
}

// Location is where a referenced record lies, read from its summary's lon
// and lat: a petition's or dumping report's public (shifted) location, a
// sensor's position, an inspected facility's site. ok is false when the
// summary holds no position.
func (r *RefItem) Location() (p orb.Point, ok bool) {
	var s struct {
		Lon *float64 `json:"lon"`
		Lat *float64 `json:"lat"`
	}
	if json.Unmarshal(r.Summary, &s) != nil || s.Lon == nil || s.Lat == nil || (*s.Lon == 0 && *s.Lat == 0) {
		return orb.Point{}, false
	}
	if *s.Lon < -180 || *s.Lon > 180 || *s.Lat < -90 || *s.Lat > 90 {
		return orb.Point{}, false
	}
	return orb.Point{*s.Lon, *s.Lat}, true
}
