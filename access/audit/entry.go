package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// Entry is one audited event: who (Actor, Role) did what (Action) to which
// Resource, when and from where, whether the policy allowed it, and digests
// of the request and the result so that a disputed answer can be matched
// to the record without the record holding the data itself.
type Entry struct {
	Actor, Role, Action, Resource, RequestID, ClientAddr string
	Time                                                 time.Time
	Allowed                                              bool
	RequestDigest, ResultDigest                          []byte
}

// Recorder stores entries. Record returns only once the entry is durable,
// so that a request whose audit record failed can be refused rather than
// answered unaudited.
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// Digest is the digest the middleware puts in RequestDigest and
// ResultDigest: SHA-256, one function so that every caller digests alike.
func Digest(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// Normalize returns e as the store keeps it: the time in UTC at
// microsecond precision (PostgreSQL's timestamptz), so that the MAC
// computed before storing equals the one recomputed from the stored row.
func Normalize(e Entry) Entry {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	return e
}

// chainDomain separates this chain's MACs from any other use of the key.
const chainDomain = "envtrace-audit-v1"

// MAC is the HMAC-SHA256, under key, of entry seq's content followed by the
// previous entry's MAC (empty for the first entry). The sequence number is
// part of the content, so moving an entry to another position breaks it.
// Fields are length-prefixed, so no two different entries encode alike.
func MAC(key []byte, seq int64, e Entry, prev []byte) []byte {
	e = Normalize(e)
	h := hmac.New(sha256.New, key)
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	field([]byte(chainDomain))
	field(binary.BigEndian.AppendUint64(nil, uint64(seq)))
	for _, s := range []string{e.Actor, e.Role, e.Action, e.Resource, e.RequestID, e.ClientAddr} {
		field([]byte(s))
	}
	field(binary.BigEndian.AppendUint64(nil, uint64(e.Time.UnixMicro())))
	if e.Allowed {
		field([]byte{1})
	} else {
		field([]byte{0})
	}
	field(e.RequestDigest)
	field(e.ResultDigest)
	field(prev)
	return h.Sum(nil)
}
