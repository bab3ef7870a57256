package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/balance"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/datadir"
	"github.com/envtrace/envtrace/tracing/farmland"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
	"github.com/envtrace/envtrace/tracing/rpi"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// MemoryOption configures the tracing side of a MemoryBackend.
type MemoryOption func(*memoryOptions)

type memoryOptions struct {
	cases     casework.Repository
	scenarios []Scenario
	trace     suspect.Options
	sink      IngestSink
	airData   *datadir.Dir
	inspect   *inspection.Source
	farmland  *FarmlandArea
	petitions *PetitionArea
}

// IngestSink stores readings durably (the PostGIS store's IngestReadings)
// before the memory backend acknowledges them.
type IngestSink func(ctx context.Context, readings []model.Reading) (inserted, duplicates int, err error)

// WithIngestSink makes ingest write each new batch through sink first: the
// readings join the in-memory data only after the sink has committed them,
// so an acknowledged reading is never lost, and a failing sink leaves the
// memory unchanged and fails the request.
func WithIngestSink(sink IngestSink) MemoryOption {
	return func(o *memoryOptions) { o.sink = sink }
}

// WithCases makes the backend keep case files in repo (store.Memory in
// the demo, store.PostGIS under --db), which mounts /api/v1/cases.
func WithCases(repo casework.Repository) MemoryOption {
	return func(o *memoryOptions) { o.cases = repo }
}

// CaseRepository implements CaseKeeper; nil when built without WithCases.
func (b *MemoryBackend) CaseRepository() casework.Repository {
	if b.tr == nil {
		return nil
	}
	return b.tr.opt.cases
}

// WithScenarios makes the backend offer demonstration scenarios at GET
// /api/v1/scenarios (the CLI passes the central fixture's when it serves
// the fixture, and nothing for real data).
func WithScenarios(s []Scenario) MemoryOption {
	return func(o *memoryOptions) { o.scenarios = slices.Clone(s) }
}

// WithTraceOptions sets the suspect engine's tuning (background window,
// matching windows). A request's max_hours overrides HorizonHours.
func WithTraceOptions(opt suspect.Options) MemoryOption {
	return func(o *memoryOptions) { o.trace = opt }
}

// tracingData is the enforcement data of a MemoryBackend.
//
// The data are copy-on-write snapshots: a request takes the current
// snapshot once and works on it without a lock, because the tracing
// packages read a Dataset without synchronisation. An ingest builds a new
// Dataset (sharing every unchanged slice), re-indexes it and swaps the
// pointer, so a trace never sees a half-appended slice or an index being
// rebuilt. mu (an RWMutex) guards only the pointer swap; ingestMu
// serialises ingests so that duplicates are decided against the latest
// data.
type tracingData struct {
	mu  sync.RWMutex
	cur *tracingSnapshot

	ingestMu sync.Mutex
	// seen maps every stored reading's key to its index in the current
	// snapshot's readings (guarded by ingestMu): readings are only ever
	// appended, so an index stays valid in every later snapshot.
	seen map[model.ReadingKey]int

	opt memoryOptions

	// farm is the farmland engine of the irrigation layers applied last
	// (WithFarmland's, then ApplyFarmland's), over the basin it was built
	// on; each snapshot caches its own engine over its basin (farm).
	farm atomic.Pointer[farmland.Engine]
}

// permitChecks are the permit checks of one version of the records:
// they read facilities, permits, limits and reports, which an ingest of
// readings never changes, so the snapshots an ingest makes share them and
// only applied records (ApplyRecords) start new ones.
type permitChecks struct {
	once   sync.Once
	report *permits.Report
}

// tracingSnapshot is one immutable state of the data.
type tracingSnapshot struct {
	basin *basin.Basin
	ds    *model.Dataset
	// view is basin.Net with what the network routes derive from it.
	view *netView

	// latest is computed on first use, or carried over from the previous
	// snapshot by an ingest or a correction (refreshLatest); latestMu
	// serialises the computation.
	latestMu sync.Mutex
	latest   atomic.Pointer[map[string]*stationLatest]

	placedOnce sync.Once
	placed     map[model.OutfallKey]basin.Place

	checks *permitChecks
	// records counts the changes of records (ApplyRecords) and of the
	// network (ApplyNetwork) this snapshot has seen, so that engines built
	// from the records and the basin know to rebuild.
	records uint64

	// version numbers the snapshots of one backend, 1 the first: every
	// change of the data gives a new one (publish), so an answer computed
	// from a snapshot may be kept under its version (TraceVersion).
	version uint64

	// positions holds the outfalls' positions in EPSG:4326 (OutfallKey →
	// orb.Point), each projected the first time a trace names it.
	positions sync.Map

	// engineOnce builds one suspect engine per snapshot: its caches (flow
	// series, compliance histories) live as long as the data they were
	// built from.
	engineOnce sync.Once
	engine     *suspect.Engine

	// farm is the farmland engine over this snapshot's basin, built on
	// first use (MemoryBackend.farmlandEngine).
	farm atomic.Pointer[farmlandCache]
}

// stationLatest is what the station endpoints derive from all readings.
type stationLatest struct {
	// byParam holds the index (model.Dataset.Reading) of the latest
	// reading of each parameter.
	byParam map[string]int
	time    time.Time
	rpi     *RPIInfo
	// rpiSeries holds the RPI of every complete sample, oldest first.
	rpiSeries []RPIInfo
}

// NewMemoryBackendWithBasin serves a basin held in memory: its network
// (everything NewMemoryBackend serves) and the dataset placed on it (the
// tracing endpoints and reading ingest). This is what `envtrace serve`
// builds from a data directory.
//
// It re-indexes the dataset, which validates it and makes it safe for
// concurrent lookups, and fails when it is invalid. The backend takes
// ownership of the basin: ingested readings go into copies, never into
// b.DS, but the caller must not change b afterwards either.
func NewMemoryBackendWithBasin(b *basin.Basin, opts ...MemoryOption) (*MemoryBackend, error) {
	if b == nil || b.Net == nil || b.DS == nil {
		return nil, errors.New("api: basin without network or dataset")
	}
	mb, err := NewMemoryBackend(b.Net)
	if err != nil {
		return nil, err
	}
	if err := b.DS.Index(); err != nil {
		return nil, fmt.Errorf("api: dataset: %w", err)
	}
	td := &tracingData{seen: readingKeys(b.DS)}
	for _, o := range opts {
		o(&td.opt)
	}
	td.cur = &tracingSnapshot{basin: b, ds: b.DS, view: mb.bare, checks: &permitChecks{}, version: 1}
	if td.opt.farmland != nil {
		td.farm.Store(td.opt.farmland.Engine)
	}
	mb.tr = td
	air := &airquery.Sources{}
	if td.opt.airData != nil {
		air = airquery.FromDir(td.opt.airData)
	}
	if air.Water == nil {
		air.Water = b.DS
	}
	var desk *petition.Desk
	if td.opt.petitions != nil {
		desk = td.opt.petitions.Desk
		// The public shift is the desk's (keyed by the privacy secret);
		// without a desk no petition is mapped (fail closed).
		air.Fuzz = desk.PublicLocation
	}
	if mb.air, err = newAirData(air); err != nil {
		return nil, err
	}
	if mb.od, err = newOdourData(td.opt.airData, b, desk, mb.air.permits.Load, mb.records); err != nil {
		return nil, err
	}
	return mb, nil
}

// records returns the current basin and the version of its records.
func (b *MemoryBackend) records() (*basin.Basin, uint64) {
	s, _ := b.snapshot()
	return s.basin, s.records
}

// TracingEnabled implements TracingAvailability: the tracing routes exist
// only when the backend was built with a basin.
func (b *MemoryBackend) TracingEnabled() bool { return b.tr != nil }

// Basin returns the current basin (its dataset includes every ingested
// reading), nil without tracing data. The basin must not be modified.
func (b *MemoryBackend) Basin() *basin.Basin {
	s, err := b.snapshot()
	if err != nil {
		return nil
	}
	return s.basin
}

// publish makes next the current data, numbered after the snapshot it
// replaces. Callers hold ingestMu, so versions follow the order of the
// changes.
func (td *tracingData) publish(next *tracingSnapshot) {
	td.mu.Lock()
	next.version = td.cur.version + 1
	td.cur = next
	td.mu.Unlock()
}

// TraceVersion implements TraceVersioner: the version of the current
// snapshot, which every ingest, correction and applied record changes.
func (b *MemoryBackend) TraceVersion() uint64 {
	s, err := b.snapshot()
	if err != nil {
		return 0
	}
	return s.version
}

// snapshot returns the current data.
func (b *MemoryBackend) snapshot() (*tracingSnapshot, error) {
	if b.tr == nil {
		return nil, ErrNoTracingData
	}
	b.tr.mu.RLock()
	defer b.tr.mu.RUnlock()
	return b.tr.cur, nil
}

// latestByStation returns every station's latest reading of each
// parameter and its latest RPI (tracing/rpi), computed once per snapshot
// from all readings unless an ingest or a correction carried it over
// (refreshLatest).
func (s *tracingSnapshot) latestByStation() map[string]*stationLatest {
	if m := s.latest.Load(); m != nil {
		return *m
	}
	s.latestMu.Lock()
	defer s.latestMu.Unlock()
	if m := s.latest.Load(); m != nil {
		return *m
	}
	out := map[string]*stationLatest{}
	for i := range s.ds.NumReadings() {
		addLatest(out, s.ds, i)
	}
	for st, series := range rpi.SeriesByStation(s.ds.CurrentReadings()) {
		out[st].setRPI(series)
	}
	s.latest.Store(&out)
	return out
}

// addLatest counts reading i of ds in its station's latest readings: the
// latest of each parameter (of two at one instant, the later in ds) and
// the station's latest time.
func addLatest(out map[string]*stationLatest, ds *model.Dataset, i int) {
	r := ds.Reading(i)
	sl := out[r.Station]
	if sl == nil {
		sl = &stationLatest{byParam: map[string]int{}}
		out[r.Station] = sl
	}
	if j, ok := sl.byParam[r.Parameter]; !ok || !r.Time.Before(ds.Reading(j).Time) {
		sl.byParam[r.Parameter] = i
	}
	if r.Time.After(sl.time) {
		sl.time = r.Time
	}
}

// setRPI keeps a station's RPI series: RPI is defined per sample
// (tracing/rpi), and the station's RPI is its latest complete sample's.
func (sl *stationLatest) setRPI(series []rpi.Latest) {
	if len(series) == 0 {
		sl.rpiSeries, sl.rpi = nil, nil
		return
	}
	infos := make([]RPIInfo, len(series))
	for i, l := range series {
		infos[i] = RPIInfo{Index: l.Index, Class: l.Class, Time: l.Time, Points: l.Points}
	}
	sl.rpiSeries, sl.rpi = infos, &infos[len(infos)-1]
}

// withData is the snapshot after old that holds ds, whose records are
// old's (readings appended or corrected): the same network, placements,
// permit checks and records version.
func (old *tracingSnapshot) withData(ds *model.Dataset) *tracingSnapshot {
	bs := *old.basin
	bs.DS = ds
	return &tracingSnapshot{basin: &bs, ds: ds, view: old.view, checks: old.checks, records: old.records}
}

// stationsOf is the set of the readings' stations.
func stationsOf(rs []model.Reading) map[string]bool {
	out := map[string]bool{}
	for i := range rs {
		out[rs[i].Station] = true
	}
	return out
}

// refreshLatest gives next (old's data with readings appended or
// corrected, all of them at stations) old's latest readings with the
// entries of those stations computed again from their own readings, when
// old has computed them: the other stations keep their entries, so an
// ingest or a correction costs the batch and its stations' series, not
// the whole dataset.
func refreshLatest(old, next *tracingSnapshot, stations map[string]bool) {
	m := old.latest.Load()
	if m == nil {
		return
	}
	out := maps.Clone(*m)
	for st := range stations {
		delete(out, st)
	}
	for st := range stations {
		own := next.ds.ReadingIndexesAt(st)
		rs := make([]model.Reading, len(own))
		for k, i := range own {
			addLatest(out, next.ds, i)
			rs[k] = *next.ds.Reading(i)
		}
		if sl := out[st]; sl != nil {
			sl.setRPI(rpi.SeriesByStation(rs)[st])
		}
	}
	next.latest.Store(&out)
}

// lonLat converts a TWD97 point to EPSG:4326.
func lonLat(p model.Point) orb.Point {
	lon, lat := p.LonLat()
	return orb.Point{lon, lat}
}

func (s *tracingSnapshot) place(p basin.Place) *PlaceInfo {
	return &PlaceInfo{Reach: s.basin.Net.ID(p.Reach), Measure: p.Measure, OffsetM: p.OffsetM}
}

func (s *tracingSnapshot) stationInfo(st *model.Station) StationInfo {
	info := StationInfo{Station: *st, Position: lonLat(st.Point)}
	if p, ok := s.basin.Station(st.ID); ok {
		info.Place = s.place(p)
	}
	if sl := s.latestByStation()[st.ID]; sl != nil {
		info.RPI, info.LatestTime = sl.rpi, sl.time
	}
	return info
}

// Stations implements TracingBackend.
func (b *MemoryBackend) Stations(ctx context.Context) ([]StationInfo, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]StationInfo, 0, len(s.ds.Stations))
	for i := range s.ds.Stations {
		out = append(out, s.stationInfo(&s.ds.Stations[i]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Station.ID < out[j].Station.ID })
	return out, nil
}

// Station implements TracingBackend.
func (b *MemoryBackend) Station(ctx context.Context, id string) (StationDetail, error) {
	s, err := b.snapshot()
	if err != nil {
		return StationDetail{}, err
	}
	if err := ctx.Err(); err != nil {
		return StationDetail{}, err
	}
	st, ok := s.ds.Station(id)
	if !ok {
		return StationDetail{}, unknownStation(id)
	}
	d := StationDetail{StationInfo: s.stationInfo(st), Latest: []model.Reading{}}
	if sl := s.latestByStation()[id]; sl != nil {
		for _, i := range sl.byParam {
			d.Latest = append(d.Latest, *s.ds.Reading(i))
		}
	}
	sort.Slice(d.Latest, func(i, j int) bool { return d.Latest[i].Parameter < d.Latest[j].Parameter })
	return d, nil
}

// StationRPI implements TracingBackend.
func (b *MemoryBackend) StationRPI(ctx context.Context, id string) ([]RPIInfo, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, ok := s.ds.Station(id); !ok {
		return nil, unknownStation(id)
	}
	out := []RPIInfo{}
	if sl := s.latestByStation()[id]; sl != nil {
		out = append(out, sl.rpiSeries...)
	}
	return out, nil
}

// FacilityEffluent implements TracingBackend.
func (b *MemoryBackend) FacilityEffluent(ctx context.Context, id string) ([]permits.Compared, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, ok := s.ds.Facility(id); !ok {
		return nil, unknownFacility(id)
	}
	return permits.Comparisons(s.ds, id), nil
}

// Readings implements TracingBackend.
func (b *MemoryBackend) Readings(ctx context.Context, q ReadingsQuery) (ReadingsPage, error) {
	s, err := b.snapshot()
	if err != nil {
		return ReadingsPage{}, err
	}
	if err := ctx.Err(); err != nil {
		return ReadingsPage{}, err
	}
	if _, ok := s.ds.Station(q.Station); !ok {
		return ReadingsPage{}, unknownStation(q.Station)
	}
	page := ReadingsPage{Readings: []model.Reading{}}
	for _, r := range s.ds.ReadingsAt(q.Station) {
		if q.Parameter != "" && r.Parameter != q.Parameter {
			continue
		}
		if !q.From.IsZero() && r.Time.Before(q.From) || !q.To.IsZero() && !r.Time.Before(q.To) {
			continue
		}
		page.Readings = append(page.Readings, *r)
	}
	sort.SliceStable(page.Readings, func(i, j int) bool { return page.Readings[i].Time.Before(page.Readings[j].Time) })
	if q.Limit > 0 && len(page.Readings) > q.Limit {
		page.Readings, page.Truncated = page.Readings[:q.Limit], true
	}
	return page, nil
}

// placedOutfalls maps every outfall the basin placed to its place,
// computed once per snapshot: the basin indexes outfalls by reach only.
func (s *tracingSnapshot) placedOutfalls() map[model.OutfallKey]basin.Place {
	s.placedOnce.Do(func() {
		s.placed = map[model.OutfallKey]basin.Place{}
		for i := 0; i < s.basin.Net.Len(); i++ {
			for _, p := range s.basin.OutfallsOn(int32(i)) {
				s.placed[model.OutfallKey{Facility: p.Outfall.Facility, ID: p.Outfall.ID}] = p.Place
			}
		}
	})
	return s.placed
}

func (s *tracingSnapshot) facilityInfo(f *model.Facility) FacilityInfo {
	placed := s.placedOutfalls()
	info := FacilityInfo{Facility: *f, Outfalls: []OutfallInfo{}}
	for _, o := range s.ds.OutfallsOf(f.EmsNo) {
		oi := OutfallInfo{Outfall: *o, Position: lonLat(o.Point)}
		if p, ok := placed[model.OutfallKey{Facility: o.Facility, ID: o.ID}]; ok {
			oi.Place = s.place(p)
		}
		info.Outfalls = append(info.Outfalls, oi)
	}
	lon, lat, sited := f.Position()
	switch {
	case sited:
		p := orb.Point{lon, lat}
		info.Position, info.LocationSource = &p, "site"
	case len(info.Outfalls) > 0:
		p := info.Outfalls[0].Position
		info.Position, info.LocationSource = &p, "outfall"
	}
	return info
}

// Facilities implements TracingBackend.
func (b *MemoryBackend) Facilities(ctx context.Context) ([]FacilityInfo, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]FacilityInfo, 0, len(s.ds.Facilities))
	for i := range s.ds.Facilities {
		out = append(out, s.facilityInfo(&s.ds.Facilities[i]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Facility.EmsNo < out[j].Facility.EmsNo })
	return out, nil
}

func (s *tracingSnapshot) permitInfo(pm *model.Permit) PermitInfo {
	pi := PermitInfo{Permit: *pm, Limits: []model.PermitLimit{}}
	if f, ok := s.ds.Facility(pm.Facility); ok {
		pi.FacilityName = f.Name
	}
	for _, l := range s.ds.LimitsOf(pm.PerNo) {
		pi.Limits = append(pi.Limits, *l)
	}
	return pi
}

// Facility implements TracingBackend.
func (b *MemoryBackend) Facility(ctx context.Context, id string) (FacilityDetail, error) {
	s, err := b.snapshot()
	if err != nil {
		return FacilityDetail{}, err
	}
	if err := ctx.Err(); err != nil {
		return FacilityDetail{}, err
	}
	f, ok := s.ds.Facility(id)
	if !ok {
		return FacilityDetail{}, unknownFacility(id)
	}
	d := FacilityDetail{FacilityInfo: s.facilityInfo(f), Permits: []PermitInfo{}}
	for _, pm := range s.ds.PermitsOf(id) {
		d.Permits = append(d.Permits, s.permitInfo(pm))
	}
	d.Downstream, err = s.downstreamStations(ctx, d.Outfalls)
	return d, err
}

// downstreamKm is how far below a facility's outfalls its view looks for
// monitoring stations: a day's travel at a typical 0.3 m/s.
const downstreamKm = 25

// downstreamStations lists the stations within downstreamKm below any of
// outfalls along the main path, nearest first (basin.StationsBelow): the
// stations whose readings a discharge there would reach.
func (s *tracingSnapshot) downstreamStations(ctx context.Context, outfalls []OutfallInfo) ([]NearbyStation, error) {
	var places []basin.Place
	for _, o := range outfalls {
		if o.Place == nil {
			continue
		}
		if r, ok := s.basin.Net.Index(o.Place.Reach); ok {
			places = append(places, basin.Place{Reach: r, Measure: o.Place.Measure})
		}
	}
	below, err := s.basin.StationsBelow(ctx, places, downstreamKm)
	if err != nil {
		return nil, err
	}
	out := make([]NearbyStation, len(below))
	for i, b := range below {
		out[i] = NearbyStation{Station: b.Station, DistanceKm: b.DistanceKm, TravelHours: b.TravelHours}
	}
	return out, nil
}

// Permit implements TracingBackend.
func (b *MemoryBackend) Permit(ctx context.Context, id string) (PermitInfo, error) {
	s, err := b.snapshot()
	if err != nil {
		return PermitInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return PermitInfo{}, err
	}
	pm, ok := s.ds.Permit(id)
	if !ok {
		return PermitInfo{}, unknownPermit(id)
	}
	return s.permitInfo(pm), nil
}

// PermitChecks implements TracingBackend. The report is shared between
// callers and must not be modified.
func (b *MemoryBackend) PermitChecks(ctx context.Context) (*permits.Report, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.checks.once.Do(func() { s.checks.report = permits.Check(s.ds) })
	return s.checks.report, nil
}

// FacilityChecks implements TracingBackend.
func (b *MemoryBackend) FacilityChecks(ctx context.Context, id string) ([]permits.Finding, error) {
	rep, err := b.PermitChecks(ctx)
	if err != nil {
		return nil, err
	}
	s, _ := b.snapshot()
	if _, ok := s.ds.Facility(id); !ok {
		return nil, unknownFacility(id)
	}
	out := rep.ForFacility(id)
	if out == nil {
		out = []permits.Finding{}
	}
	return out, nil
}

// Trace implements TracingBackend.
func (b *MemoryBackend) Trace(ctx context.Context, req TraceRequest) (*TraceResult, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	st, ok := s.ds.Station(req.Station)
	if !ok {
		return nil, unknownStation(req.Station)
	}
	s.engineOnce.Do(func() { s.engine = suspect.New(s.basin, b.tr.opt.trace) })
	r := req.Request
	r.HorizonHours = req.MaxHours
	res, err := s.engine.Trace(ctx, r)
	switch {
	case errors.Is(err, suspect.ErrUnknownStation):
		return nil, unknownStation(req.Station)
	case errors.Is(err, suspect.ErrNotOnNetwork):
		return nil, &TracingInputError{Param: "station", Err: err,
			Reason: fmt.Sprintf("station %s lies too far from every reach of the network to be traced from", req.Station)}
	case errors.Is(err, suspect.ErrNoFlow):
		return nil, &TracingInputError{Param: "flow", Err: err,
			Reason: fmt.Sprintf("the reading is abnormal, but no river flow has been measured at station %s: give the flow (m³/s) with the reading", req.Station)}
	case err != nil:
		return nil, fmt.Errorf("trace %s %s: %w", req.Station, req.Parameter, err)
	}
	n := len(res.Suspects) + len(res.Insufficient) + len(res.RuledOut)
	out := &TraceResult{Result: res, StationPosition: lonLat(st.Point), Outfalls: make(map[model.OutfallKey]orb.Point, n)}
	for _, list := range [][]suspect.Suspect{res.Suspects, res.Insufficient, res.RuledOut} {
		for _, sp := range list {
			k := model.OutfallKey{Facility: sp.FacilityID, ID: sp.Evidence.Outfall}
			if p, ok := s.outfallPosition(k); ok {
				out.Outfalls[k] = p
			}
		}
	}
	return out, nil
}

// outfallPosition is an outfall's position in EPSG:4326, false for an
// outfall the dataset lacks.
func (s *tracingSnapshot) outfallPosition(k model.OutfallKey) (orb.Point, bool) {
	if p, ok := s.positions.Load(k); ok {
		return p.(orb.Point), true
	}
	o, ok := s.ds.Outfall(k.Facility, k.ID)
	if !ok {
		return orb.Point{}, false
	}
	p, _ := s.positions.LoadOrStore(k, lonLat(o.Point))
	return p.(orb.Point), true
}

// Balance implements TracingBackend.
func (b *MemoryBackend) Balance(ctx context.Context, parameter string, from, to time.Time) (*balance.Report, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	rep, err := balance.Compute(ctx, s.basin, parameter, from, to)
	if err != nil {
		return nil, fmt.Errorf("balance %s: %w", parameter, err)
	}
	return rep, nil
}

// Scenarios implements ScenarioBackend.
func (b *MemoryBackend) Scenarios(ctx context.Context) ([]Scenario, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []Scenario{}
	if b.tr != nil {
		out = append(out, b.tr.opt.scenarios...)
	}
	return out, nil
}

// IngestReadings implements ReadingIngester: it writes the new readings
// through the sink (when there is one) and appends them to the data (see
// apply). A reading already stored with the same value is a duplicate and
// skipped; one with another value conflicts (a *model.ConflictError with
// both values) and the whole batch is refused.
func (b *MemoryBackend) IngestReadings(ctx context.Context, readings []model.Reading) (inserted, duplicates int, err error) {
	return b.ingest(ctx, readings, true)
}

// ApplyReadings adds readings another server already stored in the shared
// database (a replica follows the others this way): they are not written
// through the sink again, and those this backend holds already (its own
// ingests, or a batch seen twice after a reconnect) are skipped.
func (b *MemoryBackend) ApplyReadings(ctx context.Context, readings []model.Reading) (inserted int, err error) {
	inserted, _, err = b.ingest(ctx, readings, false)
	return inserted, err
}

// ingest decides which readings are new against the latest data, stores
// them through the sink when durable is set, and makes a snapshot with
// them appended current. The append costs time in proportion to the batch,
// not to the dataset (model.Dataset.WithReadings): records are shared with
// the previous snapshot, which requests still holding it keep reading.
func (b *MemoryBackend) ingest(ctx context.Context, readings []model.Reading, durable bool) (inserted, duplicates int, err error) {
	if b.tr == nil {
		return 0, 0, ErrNoTracingData
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	td := b.tr
	td.ingestMu.Lock()
	defer td.ingestMu.Unlock()
	old, _ := b.snapshot()
	if err := unknownStations(old.ds, readings); err != nil {
		return 0, 0, err
	}
	fresh, duplicates, err := model.SortNew(readings, func(k model.ReadingKey) (*model.Reading, bool) {
		if j, ok := td.seen[k]; ok {
			return old.ds.Reading(j), true
		}
		return nil, false
	})
	if err != nil || len(fresh) == 0 {
		return 0, duplicates, err
	}
	if durable && td.opt.sink != nil {
		if _, _, err := td.opt.sink(ctx, fresh); err != nil {
			return 0, 0, fmt.Errorf("ingest readings: %w", err)
		}
	}
	ds, err := old.ds.WithReadings(fresh)
	if err != nil {
		// The readings were validated at the edge; a failure here is a
		// rule the edge does not know, so nothing is stored.
		return 0, 0, fmt.Errorf("ingest readings: %w", err)
	}
	next := old.withData(ds)
	refreshLatest(old, next, stationsOf(fresh))
	td.publish(next)
	for i := range fresh {
		td.seen[model.KeyOf(&fresh[i])] = old.ds.NumReadings() + i
	}
	if td.opt.inspect != nil {
		// The risk ranking's water-trace term follows the new readings
		// (traced in the background), on every replica: followed readings
		// come through here too.
		td.opt.inspect.AddReadings(next.basin, fresh)
	}
	return len(fresh), duplicates, nil
}

// unknownStations refuses readings of stations the dataset lacks, each a
// *model.FieldError naming the reading's index.
func unknownStations(ds *model.Dataset, readings []model.Reading) error {
	var errs []error
	for i := range readings {
		if _, ok := ds.Station(readings[i].Station); !ok && len(errs) < maxIngestErrors {
			errs = append(errs, &model.FieldError{File: model.FileReadings, Record: i, Column: "station_id",
				Value: readings[i].Station, Err: errors.New("no such station")})
		}
	}
	return errors.Join(errs...)
}

// Reaches implements ReachLister.
func (b *MemoryBackend) Reaches(ctx context.Context, yield func(NavigateHit) bool) error {
	v := b.view()
	n := v.net
	var buf orb.LineString
	for i := int32(0); i < int32(n.Len()); i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		buf = v.geometry(i, buf)
		if !yield(NavigateHit{ReachID: n.ID(i), Name: n.Name(i), StreamOrder: n.StreamOrder(i), Geometry: buf}) {
			return nil
		}
	}
	return ctx.Err()
}
