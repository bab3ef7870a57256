package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
)

// Memory is the Store held in process: the reference the PostGIS store is
// tested against, and a backend for tests and single-machine runs that need
// no database. It validates and merges exactly as PostGIS does (same
// rules, same keys, same canonical spellings, same ordering), but keeps
// nothing across restarts. It is safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	networks map[string]*memNetwork

	facilities keyed[model.Facility]
	outfalls   keyed[model.Outfall]
	permits    keyed[model.Permit]
	limits     keyed[model.PermitLimit]
	reports    keyed[model.Report]
	stations   keyed[model.Station]
	readings   keyed[model.Reading]

	cases       memCases
	inspections memInspections
	selfReports memSelfReports
}

type memNetwork struct {
	srid    int
	reaches []hydro.Reach
	// labels are the last WriteLabels' attributes by reach id; nil when
	// absent or cleared by an import that changed the network.
	labels map[string]hydro.Attrs
}

// keyed is a table with a unique key that keeps first-insertion order.
type keyed[T any] struct {
	rows []T
	pos  map[string]int
}

func (k *keyed[T]) upsert(key string, v T) {
	if k.pos == nil {
		k.pos = map[string]int{}
	}
	if i, ok := k.pos[key]; ok {
		k.rows[i] = v
		return
	}
	k.pos[key] = len(k.rows)
	k.rows = append(k.rows, v)
}

func (k *keyed[T]) has(key string) bool {
	_, ok := k.pos[key]
	return ok
}

func key(parts ...string) string { return strings.Join(parts, "\x00") }

func readingKey(r model.Reading) string {
	return key(r.Station, r.Time.UTC().Format(time.RFC3339Nano), r.Parameter)
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{networks: map[string]*memNetwork{}} }

var _ Store = (*Memory)(nil)

// ImportNetwork stores a copy of reaches under network, with the same
// validation and replace semantics as the PostGIS ImportNetwork; labels are
// cleared when the reaches differ from the stored ones.
func (m *Memory) ImportNetwork(ctx context.Context, network string, reaches []hydro.Reach, srid int, progress Progress) error {
	if _, err := reachRows(network, reaches, srid); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cp := copyReaches(reaches)
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.networks[network]
	if old != nil && old.srid == srid && sameReaches(old.reaches, cp) {
		progress.report(len(cp), len(cp))
		return nil
	}
	m.networks[network] = &memNetwork{srid: srid, reaches: cp}
	progress.report(len(cp), len(cp))
	return nil
}

// LoadReaches returns a copy of the stored reaches in import order.
func (m *Memory) LoadReaches(ctx context.Context, network string) ([]hydro.Reach, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.networks[network]
	if n == nil {
		return nil, 0, fmt.Errorf("%w %q", ErrUnknownNetwork, network)
	}
	return copyReaches(n.reaches), n.srid, nil
}

// WriteLabels keeps net's attributes for the stored network, failing with
// ErrMismatch when net's reaches are not exactly the stored ones.
func (m *Memory) WriteLabels(ctx context.Context, network string, net *hydro.Network) error {
	if net == nil {
		return errors.New("store: WriteLabels: nil network")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	labels := make(map[string]hydro.Attrs, net.Len())
	for i := 0; i < net.Len(); i++ {
		a := net.Attrs(int32(i))
		labels[a.ID] = a
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.networks[network]
	if n == nil {
		return fmt.Errorf("%w %q", ErrUnknownNetwork, network)
	}
	if len(labels) != len(n.reaches) {
		return fmt.Errorf("%w %s: %d reaches built, %d stored", ErrMismatch, network, len(labels), len(n.reaches))
	}
	for _, r := range n.reaches {
		if _, ok := labels[r.ID]; !ok {
			return fmt.Errorf("%w %s: stored reach %s is not in the built network", ErrMismatch, network, r.ID)
		}
	}
	n.labels = labels
	return nil
}

// Labels returns the attributes last written for a network's reaches, by
// id, or nil when there are none (never written, or cleared by an import).
func (m *Memory) Labels(network string) map[string]hydro.Attrs {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.networks[network]; n != nil {
		return n.labels
	}
	return nil
}

// ImportDataset merges ds like the PostGIS ImportDataset: validated in
// full first (an *InvalidError writes nothing), then upserted by key.
func (m *Memory) ImportDataset(ctx context.Context, ds *model.Dataset, progress Progress) error {
	if ds == nil {
		return errors.New("store: ImportDataset: nil dataset")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.known(ds)
	if err := validateDataset(ds, k); err != nil {
		return &InvalidError{Err: err}
	}
	total := len(ds.Facilities) + len(ds.Outfalls) + len(ds.Permits) + len(ds.Limits) + len(ds.Reports) + len(ds.Stations) + ds.NumReadings()
	progress.report(0, total)
	for _, f := range ds.Facilities {
		if f.Location != nil {
			p := *f.Location
			f.Location = &p
		}
		m.facilities.upsert(f.EmsNo, f)
	}
	for _, o := range ds.Outfalls {
		m.outfalls.upsert(key(o.Facility, o.ID), o)
	}
	for _, p := range ds.Permits {
		p.ValidFrom, p.ValidTo = date(p.ValidFrom), date(p.ValidTo)
		p.IntakeM3PerDay, p.TreatmentCapacityM3PerDay = clonePtr(p.IntakeM3PerDay), clonePtr(p.TreatmentCapacityM3PerDay)
		m.permits.upsert(p.PerNo, p)
	}
	for _, l := range ds.Limits {
		l, _ = l.Canonical() // validated above
		m.limits.upsert(key(l.Permit, l.Outfall, l.Parameter, string(l.StatBase), l.Bound.String()), l)
	}
	for _, r := range ds.Reports {
		r, _ = r.Canonical() // validated above
		r.Unit = canonUnit(r.Unit)
		r.Period.Start, r.Period.End = date(r.Period.Start), date(r.Period.End)
		m.reports.upsert(key(r.Facility, r.Permit, r.Outfall, r.Period.Start.Format(time.DateOnly), r.Period.End.Format(time.DateOnly), r.Parameter, string(r.StatBase)), r)
	}
	for _, s := range ds.Stations {
		m.stations.upsert(s.ID, s)
	}
	for _, r := range ds.CurrentReadings() {
		r, _ = r.Canonical() // validated above
		r = storedReading(r)
		m.readings.upsert(readingKey(r), r)
	}
	progress.report(total, total)
	return nil
}

// storedReading is a reading as the database gives it back: the time in
// the offset it was written with.
func storedReading(r model.Reading) model.Reading {
	_, off := r.Time.Zone()
	r.Time = inOffset(r.Time, off)
	return r
}

func clonePtr(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// known reports which of the records ds refers to but lacks are stored.
func (m *Memory) known(ds *model.Dataset) *known {
	r := externalRefs(ds)
	k := &known{facilities: map[string]bool{}, permits: map[string]string{}, outfalls: map[model.OutfallKey]bool{}, stations: map[string]bool{}}
	for _, f := range r.facilities {
		if m.facilities.has(f) {
			k.facilities[f] = true
		}
	}
	for _, p := range r.permits {
		if i, ok := m.permits.pos[p]; ok {
			k.permits[p] = m.permits.rows[i].Facility
		}
	}
	for _, s := range r.stations {
		if m.stations.has(s) {
			k.stations[s] = true
		}
	}
	for _, o := range outfallRefs(ds, k) {
		if m.outfalls.has(key(o.Facility, o.ID)) {
			k.outfalls[o] = true
		}
	}
	return k
}

// LoadDataset returns a copy of every stored record, indexed.
func (m *Memory) LoadDataset(ctx context.Context) (*model.Dataset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	ds := &model.Dataset{
		Facilities: slices.Clone(m.facilities.rows),
		Outfalls:   slices.Clone(m.outfalls.rows),
		Permits:    slices.Clone(m.permits.rows),
		Limits:     slices.Clone(m.limits.rows),
		Reports:    slices.Clone(m.reports.rows),
		Stations:   slices.Clone(m.stations.rows),
	}
	ds.SetReadings(slices.Clone(m.readings.rows))
	m.mu.Unlock()
	for i := range ds.Facilities {
		if p := ds.Facilities[i].Location; p != nil {
			q := *p
			ds.Facilities[i].Location = &q
		}
	}
	for i := range ds.Permits {
		p := &ds.Permits[i]
		p.IntakeM3PerDay, p.TreatmentCapacityM3PerDay = clonePtr(p.IntakeM3PerDay), clonePtr(p.TreatmentCapacityM3PerDay)
	}
	if err := ds.Index(); err != nil {
		return nil, fmt.Errorf("store: load dataset: %w", err)
	}
	return ds, nil
}

// IngestReadings stores new readings like the PostGIS IngestReadings:
// validated and made canonical first, all or nothing, repeats of the same
// measurement skipped and counted, another value for a stored key a
// *model.ConflictError.
func (m *Memory) IngestReadings(ctx context.Context, readings []model.Reading) (inserted, duplicates int, err error) {
	if len(readings) == 0 {
		return 0, 0, nil
	}
	if len(readings) > MaxIngestBatch {
		return 0, 0, ErrBatchTooLarge
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	canon, err := validateReadings(readings)
	if err != nil {
		return 0, 0, &InvalidError{Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for i, r := range canon {
		if !m.stations.has(r.Station) && len(errs) < 50 {
			errs = append(errs, &model.FieldError{File: model.FileReadings, Record: i, Column: "station_id", Value: r.Station, Err: errors.New("no such station in the store")})
		}
	}
	if len(errs) > 0 {
		return 0, 0, &InvalidError{Err: errors.Join(errs...)}
	}
	fresh, _, err := model.SortNew(canon, func(k model.ReadingKey) (*model.Reading, bool) {
		i, ok := m.readings.pos[key(k.Station, time.Unix(0, k.UnixNano).UTC().Format(time.RFC3339Nano), k.Parameter)]
		if !ok {
			return nil, false
		}
		return &m.readings.rows[i], true
	})
	if err != nil {
		return 0, 0, &InvalidError{Err: err}
	}
	for _, r := range fresh {
		r = storedReading(r)
		m.readings.upsert(readingKey(r), r)
	}
	return len(fresh), len(readings) - len(fresh), nil
}

func copyReaches(in []hydro.Reach) []hydro.Reach {
	out := make([]hydro.Reach, len(in))
	for i, r := range in {
		r.ToIDs = slices.Clone(r.ToIDs)
		r.Geometry = slices.Clone(r.Geometry)
		if r.NHD != nil {
			a := *r.NHD
			r.NHD = &a
		}
		out[i] = r
	}
	return out
}

// sameReaches compares reach lists field by field, NaN equal to NaN
// (hydro.Missing), as a database row comparison does.
func sameReaches(a, b []hydro.Reach) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !SameReach(a[i], b[i]) {
			return false
		}
	}
	return true
}

// SameReach reports whether two reaches carry the same source data, with
// hydro.Missing (NaN) equal to itself and an empty ToIDs equal to nil; it
// is the equality a stored-and-loaded reach keeps.
func SameReach(a, b hydro.Reach) bool {
	feq := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	if a.ID != b.ID || a.Name != b.Name || a.FromNode != b.FromNode || a.ToNode != b.ToNode ||
		!slices.Equal(a.ToIDs, b.ToIDs) || !feq(a.LengthKm, b.LengthKm) || !feq(a.VelocityFps, b.VelocityFps) ||
		a.StreamOrder != b.StreamOrder || !feq(a.TotDASqKm, b.TotDASqKm) || a.Divergence != b.Divergence ||
		!slices.Equal(a.Geometry, b.Geometry) || (a.NHD == nil) != (b.NHD == nil) {
		return false
	}
	if a.NHD != nil {
		x, y := a.NHD, b.NHD
		if !feq(x.Hydroseq, y.Hydroseq) || !feq(x.DnHydroseq, y.DnHydroseq) || !feq(x.DnMinorHyd, y.DnMinorHyd) ||
			!feq(x.UpHydroseq, y.UpHydroseq) || !feq(x.LevelPathID, y.LevelPathID) || !feq(x.TerminalPathID, y.TerminalPathID) ||
			!feq(x.PathLength, y.PathLength) || x.StartFlag != y.StartFlag || x.TerminalFlag != y.TerminalFlag || x.FCode != y.FCode {
			return false
		}
	}
	return true
}
