package casework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Kind names a kind of case item. Each kind is one Go type implementing
// Body, listed in kinds; a new kind (petition, sensor anomaly, dumping
// report, inspection) is a new file with its type and one line there.
type Kind string

// Item kinds.
const (
	// KindTrace is a water-pollution trace: its inputs, verdict,
	// suspects, evidence and the map that was shown.
	KindTrace Kind = "trace"
)

// kinds makes an empty body of each kind, for decoding stored items.
var kinds = map[Kind]func() Body{
	KindTrace: func() Body { return new(TraceItem) },
}

// Kinds lists the known item kinds, sorted.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Body is the content of one item; its concrete type says its kind.
type Body interface {
	// Kind names the body's kind.
	Kind() Kind
	// Validate checks the body's own rules.
	Validate() error
}

// Item is one piece of a case's evidence.
type Item struct {
	// Seq numbers the items of a case from 1, in the order added.
	Seq     int       `json:"seq"`
	Kind    Kind      `json:"kind"`
	AddedBy string    `json:"added_by"`
	AddedAt time.Time `json:"added_at"`
	// Digest is the hex SHA-256 of the body's JSON as stored, so that a
	// copy of the item can be checked against the case file.
	Digest string `json:"digest"`
	// Body is the item's content; its JSON is kept byte for byte.
	Body Body `json:"-"`
	// raw is Body's JSON as stored.
	raw json.RawMessage
}

// NewItem wraps a body as item seq, stamping its digest.
func NewItem(seq int, b Body, by string, at time.Time) (Item, error) {
	if b == nil {
		return Item{}, &FieldError{Field: "items", Reason: "nil body"}
	}
	if _, ok := kinds[b.Kind()]; !ok {
		return Item{}, &FieldError{Field: "items", Reason: fmt.Sprintf("unknown kind %q", b.Kind())}
	}
	raw, err := canonical(b)
	if err != nil {
		return Item{}, err
	}
	return Item{Seq: seq, Kind: b.Kind(), AddedBy: by, AddedAt: at.UTC().Truncate(time.Microsecond),
		Digest: Digest(raw), Body: b, raw: raw}, nil
}

// Raw returns the body's JSON as stored, the bytes Digest covers.
func (it Item) Raw() json.RawMessage { return it.raw }

// DecodeItem rebuilds an item read back from storage: the body is decoded
// by kind from raw, and the stored digest must match raw.
func DecodeItem(seq int, kind Kind, by string, at time.Time, digest string, raw []byte) (Item, error) {
	mk, ok := kinds[kind]
	if !ok {
		return Item{}, &FieldError{Field: fmt.Sprintf("items[%d].kind", seq-1), Reason: fmt.Sprintf("unknown kind %q", kind)}
	}
	if got := Digest(raw); got != digest {
		return Item{}, &FieldError{Field: fmt.Sprintf("items[%d]", seq-1),
			Reason: fmt.Sprintf("stored body has digest %s, recorded %s: the item was altered", got, digest)}
	}
	b := mk()
	if err := json.Unmarshal(raw, b); err != nil {
		return Item{}, fmt.Errorf("casework: item %d (%s): %w", seq, kind, err)
	}
	return Item{Seq: seq, Kind: kind, AddedBy: by, AddedAt: at, Digest: digest, Body: b, raw: bytes.Clone(raw)}, nil
}

// MarshalJSON writes the item with its body under the kind's name
// ({"seq":1,"kind":"trace",…,"trace":{…}}), byte for byte as stored.
func (it Item) MarshalJSON() ([]byte, error) {
	type head Item
	h, err := json.Marshal(head(it))
	if err != nil {
		return nil, err
	}
	raw := it.raw
	if raw == nil {
		if raw, err = canonical(it.Body); err != nil {
			return nil, err
		}
	}
	key, _ := json.Marshal(string(it.Kind))
	var buf bytes.Buffer
	buf.Write(h[:len(h)-1])
	buf.WriteByte(',')
	buf.Write(key)
	buf.WriteByte(':')
	buf.Write(raw)
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
