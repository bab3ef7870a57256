package inspection

import (
	"context"
	"fmt"
	"sync"

	"github.com/envtrace/envtrace/casework/dumping"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/risk"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// traceCache computes a directory's water traces once: tracing every
// reading takes seconds, and every ranking, plan and calibration
// snapshot of the same data counts the same traces. A failed computation
// (a cancelled request among others) is not kept: the next ranking tries
// again.
type traceCache struct {
	basin  *basin.Basin // nil: load the directory's network
	mu     sync.Mutex
	done   bool
	traces *risk.Traces
}

// WaterTraces recomputes the water traces from the directory's readings
// (risk.TraceReadings) on its river network, so `inspect rank` and its
// REST twin count the same traces. It runs once per Source (and its
// copies); a server calls it at startup so that its first ranking does
// not trace every reading within a request's time limit. Without a
// network file there is nothing to trace on: nil, and the term says
// "no data".
func (s *Source) WaterTraces(ctx context.Context) (*risk.Traces, error) {
	c := s.traces
	if c == nil {
		c = &traceCache{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		t, err := c.compute(ctx, s)
		if err != nil {
			return nil, err
		}
		c.traces, c.done = t, true
	}
	return c.traces, nil
}

func (c *traceCache) compute(ctx context.Context, s *Source) (*risk.Traces, error) {
	b := c.basin
	if b == nil {
		ds := s.Dir.Water
		if ds.NetworkPath == "" {
			return nil, nil
		}
		net, _, err := hydro.Load(ctx, ds.NetworkPath, hydro.LoadOptions{})
		if err != nil {
			return nil, fmt.Errorf("inspection: water traces: %w", err)
		}
		if b, err = basin.New(net, ds, 0); err != nil {
			return nil, fmt.Errorf("inspection: water traces: %w", err)
		}
	}
	return risk.TraceReadings(ctx, suspect.New(b, suspect.Options{}), b.DS.Readings)
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
