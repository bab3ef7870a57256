package casework

import (
	"context"
	"time"
)

// Repository keeps cases. Package store implements it over PostGIS and in
// memory (the demo); both pass casework/casetest. Every method takes the
// caller's context and returns an error wrapping ErrNotFound for an
// unknown id.
type Repository interface {
	// CreateCase stores a new, validated case with its items and shares;
	// an id stored already wraps ErrExists.
	CreateCase(ctx context.Context, c *Case) error
	// Case returns one case with its items, shares and exports.
	Case(ctx context.Context, id string) (*Case, error)
	// Cases lists the cases visible to principal (its own and those
	// shared with it; every case when principal is ""), newest first, at
	// most limit of them.
	Cases(ctx context.Context, principal string, limit int) ([]Summary, error)
	// RecordExport adds an export to a case's list unless the same format
	// and digest is recorded already; it reports whether it was added.
	RecordExport(ctx context.Context, id string, e Export) (bool, error)
	// AddItem appends b to a case as its next item (the repository numbers
	// it, so that two officers adding at once never share a seq) and
	// returns the item as stored.
	AddItem(ctx context.Context, id string, b Body, by string, at time.Time) (Item, error)
	// Share grants s on a case, replacing an earlier grant to the same
	// principal; the case's other shares are kept.
	Share(ctx context.Context, id string, s Share) error
	// Refer hands a case to county to's bureau (Case.Refer), keeping its
	// history, and returns the referral recorded.
	Refer(ctx context.Context, id, to, reason, by string, at time.Time) (Referral, error)
}
