package access

import (
	"context"
	"sync"
	"time"
)

// AuditEntry is one audited request. It has the shape of package
// access/audit's Entry, which the hash-chained PostGIS log records; until
// that package is connected, this is the seam the middleware writes to.
type AuditEntry struct {
	Actor, Role, Action, Resource, RequestID, ClientAddr string
	Time                                                 time.Time
	Allowed                                              bool
	RequestDigest, ResultDigest                          []byte
}

// AuditRecorder records audit entries. Record returns once the entry is
// durable (the request waits for its own record), so an error fails the
// request rather than losing the record.
type AuditRecorder interface {
	Record(ctx context.Context, e AuditEntry) error
}

// MemoryAudit keeps entries in memory: the demo's recorder, and what
// tests read back.
type MemoryAudit struct {
	mu      sync.Mutex
	entries []AuditEntry
}

// Record implements AuditRecorder.
func (m *MemoryAudit) Record(_ context.Context, e AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append(m.entries, e)
	return nil
}

// Entries returns a copy of what was recorded, oldest first.
func (m *MemoryAudit) Entries() []AuditEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]AuditEntry(nil), m.entries...)
}
