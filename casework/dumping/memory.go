package dumping

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/envtrace/envtrace/casework/outbox"
)

// Memory is an in-process Repository for the demo and tests. Update holds
// one lock and applies its writes only when fn succeeds, so it has the
// same all-or-nothing behaviour as the PostGIS repository.
type Memory struct {
	mu       sync.Mutex
	reports  map[string]*Report
	photos   map[string]*Photo
	patrols  []Patrol
	measures []Measure
	audit    []AuditRecord
	seq      map[int]int
	// Outbox is where enqueued messages go, for a worker to deliver.
	Outbox *outbox.Memory
}

// NewMemory returns an empty repository with its own outbox.
func NewMemory() *Memory {
	return &Memory{reports: map[string]*Report{}, photos: map[string]*Photo{}, seq: map[int]int{}, Outbox: outbox.NewMemory()}
}

// memTx stages one transaction's writes.
type memTx struct {
	m        *Memory
	reports  map[string]*Report
	photos   []*Photo
	patrols  []Patrol
	measures []Measure
	audit    []AuditRecord
	msgs     []outbox.Message
	seq      map[int]int
}

// Update implements Repository.
func (m *Memory) Update(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{m: m, reports: map[string]*Report{}, seq: map[int]int{}}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, msg := range tx.msgs {
		if err := msg.Validate(); err != nil {
			return err
		}
	}
	for id, r := range tx.reports {
		m.reports[id] = clone(r)
	}
	for _, p := range tx.photos {
		m.photos[p.ID] = p
	}
	m.patrols = append(m.patrols, tx.patrols...)
	m.measures = append(m.measures, tx.measures...)
	m.audit = append(m.audit, tx.audit...)
	for y, n := range tx.seq {
		m.seq[y] = n
	}
	return m.Outbox.Enqueue(tx.msgs...)
}

// clone deep-copies a report so callers never share memory with the store.
func clone(r *Report) *Report {
	c := *r
	c.Contact = slices.Clone(r.Contact)
	c.Duplicates = slices.Clone(r.Duplicates)
	c.Photos = slices.Clone(r.Photos)
	c.Replies = slices.Clone(r.Replies)
	c.History = slices.Clone(r.History)
	c.Route.Candidates = slices.Clone(r.Route.Candidates)
	if r.DueAt != nil {
		t := *r.DueAt
		c.DueAt = &t
	}
	if r.EscalatedAt != nil {
		t := *r.EscalatedAt
		c.EscalatedAt = &t
	}
	return &c
}

// NextID implements Tx.
func (t *memTx) NextID(_ context.Context, at time.Time) (string, error) {
	y := at.In(Taipei).Year()
	n, ok := t.seq[y]
	if !ok {
		n = t.m.seq[y]
	}
	n++
	t.seq[y] = n
	return fmt.Sprintf("DR%d-%06d", y, n), nil
}

// Report implements Tx.
func (t *memTx) Report(_ context.Context, id string) (*Report, error) {
	if r, ok := t.reports[id]; ok {
		return r, nil
	}
	r, ok := t.m.reports[id]
	if !ok {
		return nil, &NotFoundError{"report", id}
	}
	c := clone(r)
	t.reports[id] = c
	return c, nil
}

// Near implements Tx.
func (t *memTx) Near(_ context.Context, x, y, radius float64, since time.Time) ([]*Report, error) {
	var out []*Report
	seen := map[string]bool{}
	add := func(r *Report) {
		if seen[r.ID] || r.RequestedAt.Before(since) || math.Hypot(r.X-x, r.Y-y) > radius {
			return
		}
		seen[r.ID] = true
		out = append(out, clone(r))
	}
	for _, r := range t.reports {
		add(r)
	}
	for _, r := range t.m.reports {
		add(r)
	}
	sortOldest(out)
	return out, nil
}

// Put implements Tx.
func (t *memTx) Put(_ context.Context, r *Report) error {
	t.reports[r.ID] = r
	return nil
}

// Audit implements Tx.
func (t *memTx) Audit(_ context.Context, a AuditRecord) error {
	t.audit = append(t.audit, a)
	return nil
}

// AddPhoto implements Tx.
func (t *memTx) AddPhoto(_ context.Context, p *Photo) error {
	t.photos = append(t.photos, p)
	return nil
}

// AddPatrol implements Tx.
func (t *memTx) AddPatrol(_ context.Context, p Patrol) error {
	t.patrols = append(t.patrols, p)
	return nil
}

// AddMeasure implements Tx.
func (t *memTx) AddMeasure(_ context.Context, m Measure) error {
	t.measures = append(t.measures, m)
	return nil
}

// Enqueue implements Tx.
func (t *memTx) Enqueue(_ context.Context, ms ...outbox.Message) error {
	t.msgs = append(t.msgs, ms...)
	return nil
}

// Report implements Repository.
func (m *Memory) Report(_ context.Context, id string) (*Report, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.reports[id]
	if !ok {
		return nil, &NotFoundError{"report", id}
	}
	return clone(r), nil
}

// Reports implements Repository.
func (m *Memory) Reports(_ context.Context, f Filter) ([]*Report, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Report
	for _, r := range m.reports {
		if f.match(r) {
			out = append(out, clone(r))
		}
	}
	sortOldest(out)
	slices.Reverse(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// match applies the filter to one report (the PostGIS repository says the
// same in SQL).
func (f Filter) match(r *Report) bool {
	switch {
	case f.Agency != "" && r.AgencyID != f.Agency:
		return false
	case f.Open != nil && r.State.Open() != *f.Open:
		return false
	case !f.From.IsZero() && r.RequestedAt.Before(f.From):
		return false
	case !f.To.IsZero() && !r.RequestedAt.Before(f.To):
		return false
	case len(f.IDs) > 0 && !slices.Contains(f.IDs, r.ID):
		return false
	}
	return true
}

func sortOldest(rs []*Report) {
	slices.SortFunc(rs, func(a, b *Report) int {
		if c := a.RequestedAt.Compare(b.RequestedAt); c != 0 {
			return c
		}
		return compareIDs(a.ID, b.ID)
	})
}

func compareIDs(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Photo implements Repository.
func (m *Memory) Photo(_ context.Context, id string) (*Photo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.photos[id]
	if !ok {
		return nil, &NotFoundError{"photo", id}
	}
	return p, nil
}

// Patrols implements Repository.
func (m *Memory) Patrols(_ context.Context, agency string) ([]Patrol, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Patrol
	for i := len(m.patrols) - 1; i >= 0; i-- {
		if agency == "" || m.patrols[i].AgencyID == agency {
			out = append(out, m.patrols[i])
		}
	}
	return out, nil
}

// Measures implements Repository.
func (m *Memory) Measures(context.Context) ([]Measure, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.measures), nil
}

// Audit implements Repository.
func (m *Memory) Audit(_ context.Context, id string) ([]AuditRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AuditRecord
	for _, a := range m.audit {
		if a.ReportID == id {
			out = append(out, a)
		}
	}
	return out, nil
}

var _ Repository = (*Memory)(nil)
