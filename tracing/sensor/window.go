package sensor

import (
	"sync"
	"time"
)

// Window keeps the most recent readings in memory (by default the 14 days
// the ADF malfunction screen looks back), so that a running server answers
// anomaly questions without reading PostGIS. It is safe for concurrent use.
type Window struct {
	span time.Duration

	mu     sync.RWMutex
	data   *Data // sorted; readings older than latest-span evicted
	latest time.Time
}

// NewWindow returns an empty window holding span of readings (the span
// ends at the latest reading added).
func NewWindow(span time.Duration) *Window {
	return &Window{span: span, data: &Data{}}
}

// Add merges in (sensors and readings) like Merge, then evicts readings
// older than the window. A conflicting record changes nothing.
func (w *Window) Add(in *Data) (Stats, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	next := &Data{Sensors: append([]Sensor(nil), w.data.Sensors...), Readings: append([]Reading(nil), w.data.Readings...)}
	st, err := Merge(next, in)
	if err != nil {
		return Stats{}, err
	}
	for _, r := range next.Readings {
		if r.Time.After(w.latest) {
			w.latest = r.Time
		}
	}
	cut := w.latest.Add(-w.span)
	kept := next.Readings[:0]
	for _, r := range next.Readings {
		if !r.Time.Before(cut) {
			kept = append(kept, r)
		}
	}
	next.Readings = kept
	w.data = next
	return st, nil
}

// Snapshot returns the window's data; the caller must not change it (Add
// replaces, never mutates, the held snapshot).
func (w *Window) Snapshot() *Data {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.data
}

// Span is how much time the window keeps.
func (w *Window) Span() time.Duration { return w.span }

// Latest is the time of the newest reading held (zero when empty).
func (w *Window) Latest() time.Time {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.latest
}
