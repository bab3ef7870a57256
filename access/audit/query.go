package audit

import "time"

// Filter selects audit rows for an administrator's query. Zero fields do
// not filter.
type Filter struct {
	Actor, Role, Action, Resource string
	From, To                      time.Time // [From, To)
	Allowed                       *bool
	AfterSeq                      int64 // page: rows after this sequence number
	Limit                         int   // at most this many rows (DefaultLimit when 0, MaxLimit at most)
}

// Page sizes of a query.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// PageSize is the limit f asks for, within [1, MaxLimit].
func (f Filter) PageSize() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Record is a row as an administrator reads it (JSON for the API and CLI).
type Record struct {
	Seq           int64     `json:"seq"`
	Actor         string    `json:"actor"`
	Role          string    `json:"role"`
	Action        string    `json:"action"`
	Resource      string    `json:"resource"`
	RequestID     string    `json:"request_id"`
	ClientAddr    string    `json:"client_addr"`
	Time          time.Time `json:"time"`
	Allowed       bool      `json:"allowed"`
	RequestDigest string    `json:"request_digest"`
	ResultDigest  string    `json:"result_digest"`
	MAC           string    `json:"hmac"`
}

// Page is one page of an administrator's query, the JSON of both
// `GET /api/v1/audit` and `envtrace audit query`: the records and, when
// the page is full, the sequence number to pass as after for the next.
type Page struct {
	Records   []Record `json:"records"`
	NextAfter int64    `json:"next_after,omitempty"`
}

// NewPage wraps the records a query with f returned.
func NewPage(f Filter, records []Record) Page {
	p := Page{Records: records}
	if p.Records == nil {
		p.Records = []Record{}
	}
	if n := len(records); n > 0 && n == f.PageSize() {
		p.NextAfter = records[n-1].Seq
	}
	return p
}
