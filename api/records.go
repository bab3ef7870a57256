package api

import (
	"context"
	"fmt"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"

	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/tracing/model"
)

// ApplyRecords merges facilities, outfalls, permits, limits, reports and
// stations another process stored (a `serve --db` replica follows the
// store with it, store.NewRecordsFollower) into the data, whole: the next
// request sees every record of changed or none of them, and a request
// under way keeps the snapshot it started with. The network is not
// rebuilt; only the outfalls of the facilities whose record or outfalls
// changed, and the stations changed, are placed again (basin.Basin.With);
// permits, limits and reports move nothing on the network. The permit
// checks and the odour engine are built again on first use, and the
// inspection ranking's water traces from the next ranking on (retrace). A record that breaks the
// data directory's rules is refused with the problems, and nothing
// changes.
func (b *MemoryBackend) ApplyRecords(ctx context.Context, changed *model.Dataset) error {
	if b.tr == nil {
		return ErrNoTracingData
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	td := b.tr
	td.ingestMu.Lock()
	defer td.ingestMu.Unlock()
	old, _ := b.snapshot()
	ds, err := old.ds.WithRecords(changed)
	if err != nil {
		return fmt.Errorf("apply records: %w", err)
	}
	facilities := map[string]bool{}
	for _, f := range changed.Facilities {
		facilities[f.EmsNo] = true
	}
	for _, o := range changed.Outfalls {
		facilities[o.Facility] = true
	}
	var fs, ss []string
	for f := range facilities {
		fs = append(fs, f)
	}
	for _, s := range changed.Stations {
		ss = append(ss, s.ID)
	}
	next := &tracingSnapshot{basin: old.basin.With(ds, fs, ss), ds: ds, view: old.view, checks: &permitChecks{}, records: old.records + 1}
	// New stations have no readings yet, and no reading changed: the
	// latest readings carry over.
	next.latest.Store(old.latest.Load())
	td.publish(next)
	td.retrace(next)
	return nil
}

// CorrectReadings replaces the values of readings the backend holds with
// the ones another process stored over them (a re-import that corrected
// a laboratory value keeps the reading's seq, so a replica learns of it
// through the readings follower's corrections). A reading the backend does
// not hold yet is skipped: it arrives later among the new readings, with
// its current value. The inspection ranking's water traces are traced
// again from the next ranking on (retrace). It returns how many readings
// changed.
func (b *MemoryBackend) CorrectReadings(ctx context.Context, readings []model.Reading) (int, error) {
	if b.tr == nil {
		return 0, ErrNoTracingData
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	td := b.tr
	td.ingestMu.Lock()
	defer td.ingestMu.Unlock()
	old, _ := b.snapshot()
	var at []int
	var fresh []model.Reading
	for i := range readings {
		c, err := readings[i].Canonical()
		if err != nil {
			return 0, fmt.Errorf("correct readings: %w", err)
		}
		j, ok := td.seen[model.KeyOf(&c)]
		if !ok || *old.ds.Reading(j) == c {
			continue
		}
		at, fresh = append(at, j), append(fresh, c)
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	ds, err := old.ds.WithCorrections(at, fresh)
	if err != nil {
		return 0, fmt.Errorf("correct readings: %w", err)
	}
	next := old.withData(ds)
	refreshLatest(old, next, stationsOf(fresh))
	td.publish(next)
	td.retrace(next)
	return len(fresh), nil
}

// ApplyNetwork replaces the river network under the data with net (a
// `serve --db` replica follows `envtrace import --network` with it,
// store.NewNetworkFollower): the dataset is placed on net again
// (basin.New), and the next request answers from net, with every outfall
// and station placed on it, while a request under way finishes on the
// network it started with. The readings, their latest values and the
// permit checks carry over; the suspect and odour engines, the network
// summary, the id text, the farmland engine and the OGC layers are built
// again on first use, and the inspection ranking's water traces from the
// next ranking on (retrace).
// It returns what could not be placed on net (outfalls and stations too
// far from every reach), for the log.
func (b *MemoryBackend) ApplyNetwork(ctx context.Context, net *hydro.Network) (unplaced []string, err error) {
	if b.tr == nil {
		return nil, ErrNoTracingData
	}
	v, err := newNetView(net)
	if err != nil {
		return nil, fmt.Errorf("apply network: %w", err)
	}
	td := b.tr
	// Placing a national network takes seconds, so it is done before the
	// ingest lock, and again under it only if records changed meanwhile;
	// readings move nothing on the network.
	first, _ := b.snapshot()
	bs, err := basin.New(net, first.ds, 0)
	if err != nil {
		return nil, fmt.Errorf("apply network: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	td.ingestMu.Lock()
	defer td.ingestMu.Unlock()
	old, _ := b.snapshot()
	if old.records != first.records {
		if bs, err = basin.New(net, old.ds, 0); err != nil {
			return nil, fmt.Errorf("apply network: %w", err)
		}
	}
	bs.DS = old.ds
	next := &tracingSnapshot{basin: bs, ds: old.ds, view: v, checks: old.checks, records: old.records + 1}
	next.latest.Store(old.latest.Load())
	if e := td.farm.Load(); e != nil {
		// The farmland layers placed on net once, not again for every
		// later snapshot (farmlandEngine); intakes that cannot be placed
		// fail the farmland requests, as they would at start-up.
		if moved, err := e.On(bs); err == nil {
			td.farm.Store(moved)
		}
	}
	td.publish(next)
	td.retrace(next)
	return bs.Unplaced, nil
}

// ReplaceDataset puts ds, the whole dataset loaded again from the store,
// in place of the one served (a `serve --db` replica does so when rows
// were deleted from PostGIS by hand, store.NewDeletionsFollower): the
// records and readings ds lacks are no longer served. It is placed on the
// network served (basin.New) and the next request answers from it, as
// one new snapshot; a request under way finishes on the old one. The
// latest readings, the permit checks and the engines are built again on
// first use, the inspection ranking's water traces from the next ranking
// on (retrace). It returns what could not be placed on the network, for the
// log; a dataset that fails validation changes nothing.
func (b *MemoryBackend) ReplaceDataset(ctx context.Context, ds *model.Dataset) (unplaced []string, err error) {
	if b.tr == nil {
		return nil, ErrNoTracingData
	}
	if err := ds.Index(); err != nil {
		return nil, fmt.Errorf("replace dataset: %w", err)
	}
	td := b.tr
	// Placing takes seconds on a national network: done before the
	// ingest lock, and again under it only if the network changed
	// meanwhile.
	first, _ := b.snapshot()
	bs, err := basin.New(first.basin.Net, ds, 0)
	if err != nil {
		return nil, fmt.Errorf("replace dataset: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	td.ingestMu.Lock()
	defer td.ingestMu.Unlock()
	old, _ := b.snapshot()
	if old.basin.Net != first.basin.Net {
		if bs, err = basin.New(old.basin.Net, ds, 0); err != nil {
			return nil, fmt.Errorf("replace dataset: %w", err)
		}
	}
	next := &tracingSnapshot{basin: bs, ds: ds, view: old.view, checks: &permitChecks{}, records: old.records + 1}
	td.seen = readingKeys(ds)
	td.publish(next)
	td.retrace(next)
	return bs.Unplaced, nil
}

// readingKeys indexes ds's readings by their key (tracingData.seen), so
// an ingest knows which readings it holds already.
func readingKeys(ds *model.Dataset) map[model.ReadingKey]int {
	seen := make(map[model.ReadingKey]int, ds.NumReadings())
	for i := range ds.NumReadings() {
		seen[model.KeyOf(ds.Reading(i))] = i
	}
	return seen
}

// retrace has the inspection ranking's water traces traced again on next
// (inspection.Source.Retrace), in the background from the next ranking
// (or readings added) on: a correction, applied
// records or another network change the traces of readings already
// traced, and a replica's ranking must count what a server started on
// the data now would. Callers hold ingestMu, so every reading ingested
// before is in next and every one after reaches the new traces.
func (td *tracingData) retrace(next *tracingSnapshot) {
	if td.opt.inspect != nil {
		td.opt.inspect.Retrace(next.basin)
	}
}

// inspectSource is the ranking's source over the current data: the
// records and readings of the current snapshot and the air permits held
// now (ApplyRecords, ApplyAirPermits), with the source's water traces,
// inspection records and repositories.
func (b *MemoryBackend) inspectSource() *inspection.Source {
	src := *b.tr.opt.inspect
	if src.Dir == nil {
		return &src
	}
	dir := *src.Dir
	if s, err := b.snapshot(); err == nil {
		dir.Water = s.ds
	}
	if p := b.air.permits.Load(); p != nil {
		dir.AirPermits = p
	}
	src.Dir = &dir
	return &src
}
