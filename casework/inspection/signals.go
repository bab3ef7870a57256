package inspection

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/risk"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// traceCache computes a directory's water traces once: tracing every
// reading takes seconds, and every ranking, plan and calibration
// snapshot of the same data counts the same traces. Readings that reach
// a running server afterwards (AddReadings) wait in pending and are
// traced alone, then appended. A failed computation (a cancelled request
// among others) is not kept: the next ranking tries again.
type traceCache struct {
	basin *basin.Basin // nil: load the directory's network
	// parent, when set, computes the directory's traces for this cache
	// (a Fork's): c appends its own readings to them.
	parent *traceCache
	// bmu guards loaded, the directory's network when basin is nil.
	bmu    sync.Mutex
	loaded *basin.Basin
	mu     sync.Mutex
	done   bool
	traces *risk.Traces

	// pmu guards pending and draining, apart from mu, so that a server
	// ingesting readings never waits for a trace.
	pmu      sync.Mutex
	pending  []readingBatch
	draining bool
}

// readingBatch is readings a server took in, with the basin snapshot
// that holds them (their stations' earlier readings give the baselines).
type readingBatch struct {
	basin    *basin.Basin
	readings []model.Reading
}

// WaterTraces recomputes the water traces from the directory's readings
// (risk.TraceReadings) on its river network, so `inspect rank` and its
// REST twin count the same traces. It runs once per Source (and its
// copies); a server calls it at startup so that its first ranking does
// not trace every reading within a request's time limit. Readings added
// since (AddReadings) are traced on their own and appended. Without a
// network file there is nothing to trace on: nil, and the term says
// "no data".
func (s *Source) WaterTraces(ctx context.Context) (*risk.Traces, error) {
	c := s.traces
	if c == nil {
		c = &traceCache{}
	}
	return c.get(ctx, s)
}

// Fork is a copy of s whose water traces follow its own new readings:
// they start from s's (computed once, for both) and the readings added
// to the fork (AddReadings) join the fork's traces only. Several servers
// over one data set in one process (the REST twins' tests build one per
// test) keep their ingested readings apart this way, as each keeps its
// own records in its own Repo.
func (s *Source) Fork() *Source {
	f := *s
	if s.traces != nil {
		f.traces = &traceCache{basin: s.traces.basin, parent: s.traces}
	}
	return &f
}

// get is WaterTraces on c: computed once, then the pending readings
// appended.
func (c *traceCache) get(ctx context.Context, s *Source) (*risk.Traces, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		t, err := c.compute(ctx, s)
		if err != nil {
			return nil, err
		}
		c.traces, c.done = t, true
	}
	if err := c.drain(ctx); err != nil {
		return nil, err
	}
	return c.traces, nil
}

// AddReadings hands the ranking readings a running server has just taken
// in (posted to it, or followed from another replica through the store),
// with the basin snapshot that holds them. They are traced in the
// background, alone (tracing every reading again takes seconds), and
// join the water-trace term; a ranking asked for before that traces them
// first. It returns at once: ingestion never waits for a trace. A Source
// that loads its own network (the command line's, without UseBasin)
// serves no new readings and ignores them.
func (s *Source) AddReadings(b *basin.Basin, rs []model.Reading) {
	c := s.traces
	if c == nil || c.basin == nil || b == nil || len(rs) == 0 {
		return
	}
	c.pmu.Lock()
	c.pending = append(c.pending, readingBatch{basin: b, readings: slices.Clone(rs)})
	start := !c.draining
	c.draining = true
	c.pmu.Unlock()
	if start {
		go c.drainAll(s)
	}
}

// drainAll traces the pending readings until none is left. On an error
// it stops, the readings stay pending, and the next ranking tries again
// and reports it.
func (c *traceCache) drainAll(s *Source) {
	for {
		_, err := s.WaterTraces(context.Background())
		c.pmu.Lock()
		if err != nil || len(c.pending) == 0 {
			c.draining = false
			c.pmu.Unlock()
			return
		}
		c.pmu.Unlock()
	}
}

// drain traces the pending batches, in the order they arrived, and
// appends them to c.traces (a new value: rankings under way keep the
// old). A batch is dropped from pending only once traced. c.mu is held.
func (c *traceCache) drain(ctx context.Context) error {
	for {
		c.pmu.Lock()
		if len(c.pending) == 0 {
			c.pmu.Unlock()
			return nil
		}
		batch := c.pending[0]
		c.pmu.Unlock()
		t, err := risk.TraceReadings(ctx, suspect.New(batch.basin, suspect.Options{}), batch.readings)
		if err != nil {
			return err
		}
		c.traces = c.traces.With(t)
		c.pmu.Lock()
		c.pending = c.pending[1:]
		c.pmu.Unlock()
	}
}

func (c *traceCache) compute(ctx context.Context, s *Source) (*risk.Traces, error) {
	if c.parent != nil {
		return c.parent.get(ctx, s)
	}
	b, err := c.network(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("inspection: water traces: %w", err)
	}
	if b == nil {
		return nil, nil
	}
	return risk.TraceReadings(ctx, suspect.New(b, suspect.Options{}), b.DS.CurrentReadings())
}

// network is the directory's data placed on its river network: the basin
// UseBasin gave, else the directory's network loaded once (nil without a
// network file). A failed load is not kept.
func (c *traceCache) network(ctx context.Context, s *Source) (*basin.Basin, error) {
	if c.parent != nil {
		return c.parent.network(ctx, s)
	}
	if c.basin != nil {
		return c.basin, nil
	}
	c.bmu.Lock()
	defer c.bmu.Unlock()
	if c.loaded != nil {
		return c.loaded, nil
	}
	ds := s.Dir.Water
	if ds.NetworkPath == "" {
		return nil, nil
	}
	net, _, err := hydro.Load(ctx, ds.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		return nil, err
	}
	b, err := basin.New(net, ds, 0)
	if err != nil {
		return nil, err
	}
	c.loaded = b
	return b, nil
}

// network is the basin of the directory's data (traceCache.network).
func (s *Source) network(ctx context.Context) (*basin.Basin, error) {
	c := s.traces
	if c == nil {
		return nil, nil
	}
	return c.network(ctx, s)
}

// dumpingReports reads the dumping desk's reports, one per dump: a report
// linked as a duplicate of another is the same dump and is left out.
func (s *Source) dumpingReports(ctx context.Context) ([]risk.DumpingReport, error) {
	if s.Dumps == nil {
		return nil, nil
	}
	rs, err := s.Dumps.Reports(ctx, dumping.Filter{})
	if err != nil {
		return nil, fmt.Errorf("inspection: dumping reports: %w", err)
	}
	out := make([]risk.DumpingReport, 0, len(rs))
	for _, r := range rs {
		if r.DuplicateOf != "" || r.State == dumping.StateDuplicate {
			continue
		}
		out = append(out, risk.DumpingReport{ID: r.ID, Lon: r.Lon, Lat: r.Lat, Time: r.RequestedAt})
	}
	return out, nil
}
