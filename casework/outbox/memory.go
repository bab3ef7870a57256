package outbox

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Memory is an in-process Store, for the demo and tests. Producers add
// messages with Enqueue from inside their own critical section, so a
// memory repository can commit a change and its messages together.
type Memory struct {
	mu   sync.Mutex
	msgs []*memMsg
	byID map[string]*memMsg
}

type memMsg struct {
	Message
	due   time.Time
	lease time.Time
}

// NewMemory returns an empty outbox.
func NewMemory() *Memory { return &Memory{byID: map[string]*memMsg{}} }

// Enqueue adds messages; a message whose ID is already queued is ignored,
// so producing the same notification twice sends it once.
func (o *Memory) Enqueue(ms ...Message) error {
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			return err
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range ms {
		if _, ok := o.byID[m.ID]; ok {
			continue
		}
		x := &memMsg{Message: m, due: m.CreatedAt}
		o.msgs = append(o.msgs, x)
		o.byID[m.ID] = x
	}
	return nil
}

// Claim implements Store.
func (o *Memory) Claim(_ context.Context, now time.Time, lease time.Duration, n int) ([]Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Message
	for _, x := range o.msgs {
		if len(out) >= n {
			break
		}
		if x.SentAt != nil || x.due.After(now) || x.lease.After(now) {
			continue
		}
		x.lease = now.Add(lease)
		x.Attempts++
		out = append(out, x.Message)
	}
	return out, nil
}

// MarkSent implements Store.
func (o *Memory) MarkSent(_ context.Context, id string, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	x, ok := o.byID[id]
	if !ok {
		return fmt.Errorf("outbox: no message %q", id)
	}
	at = at.UTC()
	x.SentAt = &at
	return nil
}

// MarkFailed implements Store.
func (o *Memory) MarkFailed(_ context.Context, id, reason string, retryAt time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	x, ok := o.byID[id]
	if !ok {
		return fmt.Errorf("outbox: no message %q", id)
	}
	x.LastError, x.due, x.lease = reason, retryAt, time.Time{}
	return nil
}

// Pending implements Store.
func (o *Memory) Pending(context.Context) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, x := range o.msgs {
		if x.SentAt == nil {
			n++
		}
	}
	return n, nil
}

// Messages returns a copy of every message, oldest first.
func (o *Memory) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.msgs))
	for i, x := range o.msgs {
		out[i] = x.Message
	}
	return slices.Clip(out)
}
