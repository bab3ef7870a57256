package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/odour"
)

// WithAirData gives the backend a data directory's wind, air readings,
// odour petitions, sensors and air-permit files (with its facilities), for
// the odour, CPF and air endpoints. A directory without wind leaves the
// odour and CPF endpoints disabled; without this option the sensor and
// air-permit endpoints answer from empty data.
func WithAirData(d *datadir.Dir) MemoryOption {
	return func(o *memoryOptions) { o.airData = d }
}

// odourData is what a MemoryBackend answers the odour endpoints from.
type odourData struct {
	dir    *datadir.Dir
	engine *odour.Engine
}

// newOdourData builds the odour engine, linked to the river network of b
// when there is one; nil without data or wind.
func newOdourData(d *datadir.Dir, b *basin.Basin) (*odourData, error) {
	if d == nil {
		return nil, nil
	}
	e, err := d.OdourEngine(odour.Options{})
	if errors.Is(err, odour.ErrNoWindData) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api: odour data: %w", err)
	}
	if b != nil && b.Net != nil {
		e = e.WithBasin(b, odour.WaterOptions{})
	}
	return &odourData{dir: d, engine: e}, nil
}

// OdourEnabled implements OdourAvailability: the odour and air routes
// exist only when the backend was given wind data.
func (b *MemoryBackend) OdourEnabled() bool { return b.od != nil }

// OdourRank implements OdourBackend.
func (b *MemoryBackend) OdourRank(ctx context.Context, from, to time.Time) (*odour.Result, error) {
	if b.od == nil {
		return nil, ErrNoTracingData
	}
	return b.od.engine.Rank(ctx, from, to)
}

// OdourTrace implements OdourBackend.
func (b *MemoryBackend) OdourTrace(ctx context.Context, petition string) (*odour.Result, error) {
	if b.od == nil {
		return nil, ErrNoTracingData
	}
	res, err := b.od.engine.Trace(ctx, petition)
	if errors.Is(err, odour.ErrUnknownPetition) {
		return nil, &NotFoundError{Kind: "petition", ID: petition, Err: ErrUnknownPetition}
	}
	return res, err
}

// AirCPF implements OdourBackend.
func (b *MemoryBackend) AirCPF(ctx context.Context, q CPFQuery) (*air.CPFResult, error) {
	if b.od == nil {
		return nil, ErrNoTracingData
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := b.od.dir.CPF(q.Monitor, q.Parameter, q.Options)
	var nr *datadir.NoReadingsError
	switch {
	case errors.Is(err, datadir.ErrUnknownMonitor):
		return nil, &NotFoundError{Kind: "monitor", ID: q.Monitor, Err: ErrUnknownMonitor}
	case errors.As(err, &nr), errors.Is(err, air.ErrNoHours):
		return nil, &TracingInputError{Param: "parameter", Reason: err.Error(), Err: err}
	}
	return res, err
}
