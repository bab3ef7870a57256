package access

import (
	"context"
	"sync"

	"github.com/envtrace/envtrace/access/audit"
)

// AuditEntry is one audited request: package access/audit's Entry, which
// the hash-chained PostGIS log (store.AuditRecorder) records.
type AuditEntry = audit.Entry

// AuditRecorder records audit entries: access/audit's Recorder, so the
// PostGIS recorder plugs into api.Config.Audit as it is.
type AuditRecorder = audit.Recorder

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
