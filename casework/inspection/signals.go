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
// traced alone, then appended. A change that alters the traces of
// readings already traced (a correction, other records, another network:
// Retrace) starts a new generation, traced again from scratch on the
// server's current basin. A failed computation (a cancelled request
// among others) is not kept: the next ranking tries again.
type traceCache struct {
	// bmu guards loaded, the directory's network when basin is nil.
	bmu    sync.Mutex
	loaded *basin.Basin
	// mu serialises the tracing; done says traces hold generation
	// doneGen.
	mu      sync.Mutex
	done    bool
	doneGen uint64
	traces  *risk.Traces

	// pmu guards what follows, apart from mu, so that a server ingesting
	// readings or applying a change never waits for a trace.
	pmu   sync.Mutex
	basin *basin.Basin // nil: load the directory's network
	// parent, when set, computes the directory's traces for this cache
	// (a Fork's): c appends its own readings to them.
	parent *traceCache
	// gen counts the Retrace calls; tracedGen is the last generation
	// traced with every pending batch appended.
	gen, tracedGen uint64
	pending        []readingBatch
	draining       bool
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
// copies) and generation (Retrace); a server calls it at startup so that
// its first ranking does not trace every reading within a request's time
// limit. After a Retrace, the first call starts the tracing in the
// background, as at start-up, and waits for it. Readings added since
// (AddReadings) are traced on their own and appended. Without a network
// file there is nothing to trace on: nil, and the term says "no data".
func (s *Source) WaterTraces(ctx context.Context) (*risk.Traces, error) {
	c := s.traces
	if c == nil {
		c = &traceCache{}
	}
	c.pmu.Lock()
	start := c.gen != c.tracedGen && !c.draining
	c.draining = c.draining || start
	c.pmu.Unlock()
	if start {
		go c.drainAll(s)
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
		b, _, _ := s.traces.state()
		f.traces = &traceCache{basin: b, parent: s.traces}
	}
	return &f
}

// state is the basin, parent and generation the cache traces now.
func (c *traceCache) state() (*basin.Basin, *traceCache, uint64) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	return c.basin, c.parent, c.gen
}

// get is WaterTraces on c: computed once per generation, then the
// pending readings appended. A Retrace meanwhile starts again on the new
// generation, so what get returns is never older than the last Retrace
// before it was called.
func (c *traceCache) get(ctx context.Context, s *Source) (*risk.Traces, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		b, parent, gen := c.state()
		if !c.done || c.doneGen != gen {
			t, err := c.compute(ctx, s, b, parent)
			if err != nil {
				return nil, err
			}
			c.traces, c.done, c.doneGen = t, true, gen
		}
		current, err := c.drain(ctx, gen)
		if err != nil {
			return nil, err
		}
		if current {
			return c.traces, nil
		}
	}
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
	if c == nil || b == nil || len(rs) == 0 {
		return
	}
	c.pmu.Lock()
	if c.basin == nil {
		c.pmu.Unlock()
		return
	}
	c.pending = append(c.pending, readingBatch{basin: b, readings: slices.Clone(rs)})
	start := !c.draining
	c.draining = true
	c.pmu.Unlock()
	if start {
		go c.drainAll(s)
	}
}

// Retrace has a running server's water traces traced again, every
// reading, on b: the basin it serves after a change that alters the
// traces of readings already traced (a corrected value, applied records,
// another network), whose dataset holds every reading the server holds.
// Readings added before are in b and leave pending; those added after
// are appended as before. It returns at once and traces nothing: the
// next ranking (WaterTraces), or the next readings added, start the
// tracing in the background, as at start-up, so a burst of changes costs
// one tracing and a server that ranks nothing meanwhile none. A ranking
// waits for the new traces rather than count the old; one under way
// keeps the traces it holds. A Source that loads its own network (without
// UseBasin) ignores it.
func (s *Source) Retrace(b *basin.Basin) {
	c := s.traces
	if c == nil || b == nil {
		return
	}
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if c.basin == nil {
		return
	}
	// A fork traces on its own from now: the parent's traces are those of
	// the data before the change.
	c.basin, c.parent, c.pending = b, nil, nil
	c.gen++
}

// drainAll traces until the current generation is traced and no reading
// is left pending. On an error it stops, the readings stay pending, and
// the next ranking tries again and reports it.
func (c *traceCache) drainAll(s *Source) {
	for {
		_, err := s.WaterTraces(context.Background())
		c.pmu.Lock()
		if err != nil || len(c.pending) == 0 && c.tracedGen == c.gen {
			c.draining = false
			c.pmu.Unlock()
			return
		}
		c.pmu.Unlock()
	}
}

// drain traces the pending batches of generation gen, in the order they
// arrived, and appends them to c.traces (a new value: rankings under way
// keep the old). A batch is dropped from pending only once traced. It
// reports whether c.traces is current: false when a Retrace started
// another generation meanwhile. c.mu is held.
func (c *traceCache) drain(ctx context.Context, gen uint64) (bool, error) {
	for {
		c.pmu.Lock()
		if c.gen != gen {
			c.pmu.Unlock()
			return false, nil
		}
		if len(c.pending) == 0 {
			c.tracedGen = gen
			c.pmu.Unlock()
			return true, nil
		}
		batch := c.pending[0]
		c.pmu.Unlock()
		t, err := risk.TraceReadings(ctx, suspect.New(batch.basin, suspect.Options{}), batch.readings)
		if err != nil {
			return false, err
		}
		c.pmu.Lock()
		if c.gen == gen {
			c.traces = c.traces.With(t)
			c.pending = c.pending[1:]
		}
		c.pmu.Unlock()
	}
}

// compute traces every reading of the basin b (the directory's network
// when nil), or has parent compute them.
func (c *traceCache) compute(ctx context.Context, s *Source, b *basin.Basin, parent *traceCache) (*risk.Traces, error) {
	if parent != nil {
		return parent.get(ctx, s)
	}
	b, err := c.network(ctx, s, b, nil)
	if err != nil {
		return nil, fmt.Errorf("inspection: water traces: %w", err)
	}
	if b == nil {
		return nil, nil
	}
	return risk.TraceReadings(ctx, suspect.New(b, suspect.Options{}), b.DS.CurrentReadings())
}

// network is the directory's data placed on its river network: the
// basin the cache traces on (UseBasin's, or Retrace's), else the
// directory's network loaded once (nil without a network file). A failed
// load is not kept.
func (c *traceCache) network(ctx context.Context, s *Source, b *basin.Basin, parent *traceCache) (*basin.Basin, error) {
	if parent != nil {
		pb, pp, _ := parent.state()
		return parent.network(ctx, s, pb, pp)
	}
	if b != nil {
		return b, nil
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
	loaded, err := basin.New(net, ds, 0)
	if err != nil {
		return nil, err
	}
	c.loaded = loaded
	return loaded, nil
}

// network is the basin of the directory's data (traceCache.network).
func (s *Source) network(ctx context.Context) (*basin.Basin, error) {
	c := s.traces
	if c == nil {
		return nil, nil
	}
	b, parent, _ := c.state()
	return c.network(ctx, s, b, parent)
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
