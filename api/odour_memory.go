package api

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/airpermit"
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
	dir *datadir.Dir
	// opt holds the directory's air permits and their findings, checked
	// once for every engine built over the directory.
	opt    odour.Options
	engine *odour.Engine
	basin  *basin.Basin
	// permits is the backend's current air-permit data (ApplyAirPermits
	// replaces it); optOf is the data opt and the engines were built from.
	permits func() *airpermit.Data
	optOf   *airpermit.Data
	// records is the backend's current basin and the version of its
	// records (ApplyRecords raises it); recordsOf is the version the
	// engines were built from.
	records   func() (*basin.Basin, uint64)
	recordsOf uint64
	// desk holds the petitions taken in over REST; withDesk is the
	// engine over the directory's and the desk's petitions, rebuilt when
	// the desk has taken more (it only grows), deskN how many it holds.
	desk     *petition.Desk
	mu       sync.Mutex
	withDesk *odour.Engine
	deskN    int
}

// current is the engine over every petition: the directory's and, when a
// desk has taken some in, the desk's; rebuilt with the air permits and the
// facilities when the backend has applied new ones.
func (o *odourData) current() (*odour.Engine, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, rev := o.records()
	if p := o.permits(); p != o.optOf || rev != o.recordsOf {
		if rev != o.recordsOf {
			dir := *o.dir
			dir.Water = b.DS
			o.dir, o.basin = &dir, b
		}
		dir := *o.dir
		dir.AirPermits = p
		opt := dir.OdourOptions(odour.Options{})
		e, err := o.build(o.dir.Petitions, opt)
		if err != nil {
			return nil, err
		}
		o.opt, o.engine, o.optOf, o.recordsOf, o.withDesk = opt, e, p, rev, nil
	}
	if o.desk == nil {
		return o.engine, nil
	}
	ps := o.desk.Petitions()
	if len(ps) == 0 {
		return o.engine, nil
	}
	if o.withDesk != nil && o.deskN == len(ps) {
		return o.withDesk, nil
	}
	all := append(append([]odour.Petition(nil), o.dir.Petitions...), ps...)
	e, err := o.build(all, o.opt)
	if err != nil {
		return nil, fmt.Errorf("api: odour data with the desk's petitions: %w", err)
	}
	o.withDesk, o.deskN = e, len(ps)
	return e, nil
}

// build makes an engine over the directory's facilities and wind and the
// petitions ps, linked to the river network when there is one.
func (o *odourData) build(ps []odour.Petition, opt odour.Options) (*odour.Engine, error) {
	e, err := odour.New(o.dir.Water, ps, o.dir.Monitors, o.dir.Wind, opt)
	if err != nil {
		return nil, err
	}
	if o.basin != nil && o.basin.Net != nil {
		e = e.WithBasin(o.basin, odour.WaterOptions{})
	}
	return e, nil
}

// newOdourData builds the odour engine, linked to the river network of b
// when there is one; nil without data or wind. Petitions the desk takes in
// join the directory's, the air permits follow permits and the facilities
// follow records (odourData.current).
func newOdourData(d *datadir.Dir, b *basin.Basin, desk *petition.Desk, permits func() *airpermit.Data,
	records func() (*basin.Basin, uint64)) (*odourData, error) {
	if d == nil {
		return nil, nil
	}
	opt := d.OdourOptions(odour.Options{})
	e, err := d.OdourEngine(opt)
	if errors.Is(err, odour.ErrNoWindData) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api: odour data: %w", err)
	}
	if b != nil && b.Net != nil {
		e = e.WithBasin(b, odour.WaterOptions{})
	}
	_, rev := records()
	return &odourData{dir: d, opt: opt, engine: e, basin: b, desk: desk, permits: permits, optOf: d.AirPermits, records: records, recordsOf: rev}, nil
}

// petitions are the directory's petitions and the desk's, exact locations
// (for analysis and for the layers that shift them); nil without odour
// data.
func (b *MemoryBackend) petitions() []odour.Petition {
	if b.od == nil {
		return nil
	}
	ps := b.od.dir.Petitions
	if b.od.desk != nil {
		ps = append(append([]odour.Petition(nil), ps...), b.od.desk.Petitions()...)
	}
	return ps
}

// OdourEnabled implements OdourAvailability: the odour and air routes
// exist only when the backend was given wind data.
func (b *MemoryBackend) OdourEnabled() bool { return b.od != nil }

// OdourRank implements OdourBackend.
func (b *MemoryBackend) OdourRank(ctx context.Context, from, to time.Time) (*odour.Result, error) {
	if b.od == nil {
		return nil, ErrNoTracingData
	}
	e, err := b.od.current()
	if err != nil {
		return nil, err
	}
	return e.Rank(ctx, from, to)
}

// OdourTrace implements OdourBackend.
func (b *MemoryBackend) OdourTrace(ctx context.Context, petition string) (*odour.Result, error) {
	if b.od == nil {
		return nil, ErrNoTracingData
	}
	e, err := b.od.current()
	if err != nil {
		return nil, err
	}
	res, err := e.Trace(ctx, petition)
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
