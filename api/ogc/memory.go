package ogc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/spatial"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/param"
	"github.com/envtrace/envtrace/tracing/permits"
	"github.com/envtrace/envtrace/tracing/rpi"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// Collection ids served by MemorySource.
const (
	CollectionReaches        = "reaches"
	CollectionStations       = "stations"
	CollectionFacilities     = "facilities"
	CollectionOutfalls       = "outfalls"
	CollectionReadingsLatest = "readings-latest"
)

// MemorySource serves a river network and a data directory held in
// memory. It is the Source of the single-process server: reaches are
// read straight from the hydro.Network (through an R-tree of their bounds
// for bbox queries, and never copied for paging), while the small
// point collections are built once as features and scanned.
//
// The dataset is read once, in NewMemorySource; later changes to it are
// not seen. A MemorySource is immutable and safe for concurrent use.
type MemorySource struct {
	cols []Collection
	byID map[string]*memCollection
}

// memCollection is one collection's data: either a network (reaches) or a
// list of prepared features.
type memCollection struct {
	col Collection

	net  *hydro.Network
	tree *spatial.BoundIndex

	feats []memFeature
	index map[string]int
	// normalize turns a filter value into the form the properties hold
	// (a parameter alias into its id); filters without one compare as
	// given.
	normalize map[string]func(string) (string, error)
}

// memFeature is a prepared point-collection feature.
type memFeature struct {
	Feature
	bound orb.Bound
	time  time.Time // the datetime filter's subject, for temporal collections
}

// NewMemorySource prepares the collections of net (reaches) and ds
// (stations, facilities, outfalls, readings-latest); either may be nil to
// serve only the other. The network must have geometry and a known,
// supported CRS (its SRID, or Geographic for lon/lat), since a feature
// service without coordinates is of no use to a map.
func NewMemorySource(net *hydro.Network, ds *model.Dataset, opts ...SourceOption) (*MemorySource, error) {
	var o sourceOptions
	for _, opt := range opts {
		opt(&o)
	}
	s := &MemorySource{byID: map[string]*memCollection{}}
	if net != nil {
		mc, err := reachCollection(net)
		if err != nil {
			return nil, err
		}
		s.add(mc)
	}
	if ds != nil {
		if o.findings == nil {
			o.findings = permits.Check(ds)
		}
		for _, mc := range datasetCollections(ds, o.findings) {
			s.add(mc)
		}
	}
	if len(o.petitions) > 0 && o.fuzz != nil {
		mc, err := petitionCollection(o.petitions, o.fuzz)
		if err != nil {
			return nil, err
		}
		s.add(mc)
	}
	if o.screen != nil && o.sensors != nil && len(o.sensors.Sensors) > 0 {
		s.add(sensorCollection(o.screen, o.sensors))
	}
	for _, mc := range o.extra {
		s.add(mc)
	}
	return s, nil
}

// SourceOption tunes NewMemorySource.
type SourceOption func(*sourceOptions)

type sourceOptions struct {
	findings  *permits.Report
	petitions []odour.Petition
	fuzz      PublicLocation
	screen    *adf.Result
	sensors   *sensor.Data
	extra     []*memCollection
}

// WithCollection adds a collection of prepared features in EPSG:3826
// (points, lines or polygons) after the dataset's: the irrigation intakes
// and irrigated areas of the farmland desk. Features keep the given order.
func WithCollection(col Collection, feats []Feature) SourceOption {
	return func(o *sourceOptions) {
		mc := newPointCollection(col)
		for _, f := range feats {
			mc.addFeature(f, time.Time{})
		}
		mc.finish()
		o.extra = append(o.extra, mc)
	}
}

// WithFindings gives the permit checks of the dataset, which the
// facilities collection summarises, so that a server that has run them
// already (api.MemoryBackend caches them) does not run them twice. Without
// it NewMemorySource runs permits.Check itself.
func WithFindings(rep *permits.Report) SourceOption {
	return func(o *sourceOptions) { o.findings = rep }
}

func (s *MemorySource) add(mc *memCollection) {
	s.cols = append(s.cols, mc.col)
	s.byID[mc.col.ID] = mc
}

// Collections lists the prepared collections: reaches first, then the
// dataset's. The slice is a copy, so callers cannot alter the source.
func (s *MemorySource) Collections(context.Context) ([]Collection, error) {
	return slices.Clone(s.cols), nil
}

func (s *MemorySource) lookup(id string) (*memCollection, error) {
	mc, ok := s.byID[id]
	if !ok {
		return nil, &NotFoundError{Kind: "collection", ID: id}
	}
	return mc, nil
}

// Items pages through a collection in its fixed order: network order for
// reaches, file order (stations, facilities, outfalls) or station then
// parameter (readings-latest) for the rest.
func (s *MemorySource) Items(ctx context.Context, collection string, q Query, yield func(Feature) bool) (int, error) {
	mc, err := s.lookup(collection)
	if err != nil {
		return 0, err
	}
	filter, err := newBoxFilter(q, mc.col.StorageCRS, mc.col.BBox)
	if err != nil {
		return 0, err
	}
	if mc.net != nil {
		return mc.reachItems(ctx, q, filter, yield)
	}
	want, err := mc.filterValues(q.Properties)
	if err != nil {
		return 0, err
	}
	matched, sent := 0, 0
	for i := range mc.feats {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		f := &mc.feats[i]
		if filter != nil && !filter.match(f.Geometry, f.bound) {
			continue
		}
		if q.Datetime != nil && (f.time.IsZero() || !q.Datetime.Contains(f.time)) {
			continue
		}
		if !propertiesEqual(f.Properties, want) {
			continue
		}
		matched++
		if matched <= q.Offset || sent >= q.Limit {
			continue
		}
		sent++
		if !yield(f.Feature) {
			// The consumer stopped early; keep counting for numberMatched.
			sent = q.Limit
		}
	}
	return matched, nil
}

// filterValues normalises a request's property filters.
func (mc *memCollection) filterValues(props map[string]string) (map[string]string, error) {
	if len(props) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(props))
	for k, v := range props {
		if norm := mc.normalize[k]; norm != nil {
			n, err := norm(v)
			if err != nil {
				return nil, &ParamError{Name: k, Reason: err.Error()}
			}
			v = n
		}
		out[k] = v
	}
	return out, nil
}

// propertiesEqual reports whether every wanted property has its value.
func propertiesEqual(props map[string]any, want map[string]string) bool {
	for k, v := range want {
		if s, ok := props[k].(string); !ok || s != v {
			return false
		}
	}
	return true
}

// Item returns one feature by id.
func (s *MemorySource) Item(_ context.Context, collection, id string) (Feature, error) {
	mc, err := s.lookup(collection)
	if err != nil {
		return Feature{}, err
	}
	if mc.net != nil {
		i, ok := mc.net.Index(id)
		if !ok {
			return Feature{}, &NotFoundError{Kind: "feature", ID: id, Collection: collection}
		}
		return reachFeature(mc.net, i), nil
	}
	i, ok := mc.index[id]
	if !ok {
		return Feature{}, &NotFoundError{Kind: "feature", ID: id, Collection: collection}
	}
	return mc.feats[i].Feature, nil
}

// networkCRS is the CRS a network's geometry is in.
func networkCRS(net *hydro.Network) (crs.Code, error) {
	switch {
	case net.SRID == 0 && net.Geographic:
		return crs.CRS84, nil
	case net.SRID == 0:
		return 0, errors.New("ogc: the network's CRS is unknown (set Network.SRID)")
	}
	c := crs.Code(net.SRID)
	if !c.Supported() {
		return 0, fmt.Errorf("ogc: the network's CRS EPSG:%d: %w", net.SRID, crs.ErrUnsupported)
	}
	if c.IsGeographic() {
		// Geometry is always longitude first in envtrace, which is what
		// CRS84 (not the latitude-first EPSG:4326) denotes.
		return crs.CRS84, nil
	}
	return c, nil
}

// toCRS84 maps a storage-CRS bound to a CRS84 extent, padded slightly so
// that it covers the mapped outline's curvature.
func toCRS84(b orb.Bound, from crs.Code) (*[4]float64, error) {
	if !from.IsGeographic() {
		t, err := crs.NewTransformer(from, crs.CRS84)
		if err != nil {
			return nil, err
		}
		g, err := t.InPlace(b)
		if err != nil {
			return nil, err
		}
		b = g.(orb.Bound).Pad(padFor(crs.CRS84))
	}
	return &[4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}, nil
}

func reachCollection(net *hydro.Network) (*memCollection, error) {
	if !net.HasGeometry() {
		return nil, errors.New("ogc: the network has no reach geometry (build it with KeepGeometry)")
	}
	storage, err := networkCRS(net)
	if err != nil {
		return nil, err
	}
	mc := &memCollection{
		col: Collection{
			ID:          CollectionReaches,
			Title:       "River reaches",
			Description: "Reaches of the river network with their routing attributes (stream order, lengths, hydrologic sequence and level path), digitised upstream to downstream.",
			ItemType:    ItemTypeFeature,
			StorageCRS:  storage,
		},
		net:  net,
		tree: &spatial.BoundIndex{},
	}
	var all orb.Bound
	first := true
	for i := int32(0); i < int32(net.Len()); i++ {
		g := net.Geometry(i)
		if len(g) == 0 {
			continue
		}
		b := g.Bound()
		mc.tree.Add(i, b)
		if first {
			all, first = b, false
		} else {
			all = all.Union(b)
		}
	}
	if !first {
		if mc.col.BBox, err = toCRS84(all, storage); err != nil {
			return nil, fmt.Errorf("ogc: reach extent: %w", err)
		}
	}
	return mc, nil
}

// reachFeature builds reach i's feature on demand, sharing its geometry.
func reachFeature(net *hydro.Network, i int32) Feature {
	a := net.Attrs(i)
	props := map[string]any{
		"id":              a.ID,
		"name":            nilIfEmpty(a.Name),
		"down":            nilIfEmpty(a.Down),
		"stream_order":    a.StreamOrder,
		"length_km":       a.LengthKm,
		"pathlength_km":   a.PathLengthKm,
		"arbolate_sum_km": a.ArbolateSumKm,
		"hydroseq":        a.Hydroseq,
		"levelpath":       a.LevelPathID,
		"terminalpath":    a.TerminalPathID,
		"start_flag":      a.StartFlag,
		"terminal_flag":   a.TerminalFlag,
		"velocity_ms":     a.VelocityMS,
		"travel_hours":    a.TravelHours,
	}
	var g orb.Geometry
	if l := net.Geometry(i); len(l) > 0 {
		g = l
	}
	return Feature{ID: a.ID, Geometry: g, Properties: props}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// reachItems pages reaches. Without a bbox it walks the requested index
// range only; with one it collects the matching reach indexes (not the
// features) from the R-tree, sorts them into network order and walks the
// page.
func (mc *memCollection) reachItems(ctx context.Context, q Query, filter *boxFilter, yield func(Feature) bool) (int, error) {
	net := mc.net
	if filter == nil {
		n := net.Len()
		for i := q.Offset; i < n && i < q.Offset+q.Limit; i++ {
			if !yield(reachFeature(net, int32(i))) {
				break
			}
		}
		return n, nil
	}
	var hits []int32
	var cerr error
	checked := 0
	for _, sb := range filter.search {
		mc.tree.Search(sb, func(i int32, b orb.Bound) bool {
			if checked++; checked%4096 == 0 {
				if cerr = ctx.Err(); cerr != nil {
					return false
				}
			}
			if filter.match(net.Geometry(i), b) {
				hits = append(hits, i)
			}
			return true
		})
		if cerr != nil {
			return 0, cerr
		}
	}
	slices.Sort(hits)
	hits = slices.Compact(hits) // two search boxes may both find a reach
	for k := q.Offset; k < len(hits) && k < q.Offset+q.Limit; k++ {
		if !yield(reachFeature(net, hits[k])) {
			break
		}
	}
	return len(hits), nil
}

// point converts a model point to an orb point in EPSG:3826.
func point(p model.Point) orb.Point { return orb.Point{p.X, p.Y} }

// datasetCollections builds the point collections of a data directory.
func datasetCollections(ds *model.Dataset, findings *permits.Report) []*memCollection {
	stationAt := map[string]int{}
	for i, st := range ds.Stations {
		if _, dup := stationAt[st.ID]; !dup {
			stationAt[st.ID] = i
		}
	}
	latest := latestReadings(ds)
	rpis := rpi.LatestByStation(ds.CurrentReadings())

	// Stations, with the RPI of their latest complete sample.
	stations := newPointCollection(Collection{
		ID:          CollectionStations,
		Title:       "Water-quality monitoring stations",
		Description: "River monitoring stations with the River Pollution Index (RPI) of each station's most recent sample that measured DO, BOD5, SS and NH3-N together.",
	})
	for _, st := range ds.Stations {
		props := map[string]any{
			"id": st.ID, "name": nilIfEmpty(st.Name), "kind": nilIfEmpty(string(st.Kind)), "river": nilIfEmpty(st.River),
			"rpi": nil, "rpi_class": nil, "rpi_class_zh": nil, "rpi_time": nil,
		}
		if r, ok := rpis[st.ID]; ok {
			props["rpi"] = r.Index
			props["rpi_class"] = r.Class.String()
			props["rpi_class_zh"] = r.Class.Chinese()
			props["rpi_time"] = r.Time.Format(time.RFC3339)
		}
		stations.addFeature(Feature{ID: st.ID, Geometry: point(st.Point), Properties: props}, time.Time{})
	}

	// Facilities, at their site or else their first outfall.
	firstOutfall := map[string]model.Point{}
	for _, o := range ds.Outfalls {
		if _, ok := firstOutfall[o.Facility]; !ok {
			firstOutfall[o.Facility] = o.Point
		}
	}
	facilities := newPointCollection(Collection{
		ID:          CollectionFacilities,
		Title:       "Controlled dischargers",
		Description: "Facilities under water-pollution control, located at their site or, when the site is unknown, at their first outfall (location_source says which), with their current permit (the one valid longest) and a summary of their permit-check findings.",
	})
	byFacility := map[string][]permits.Finding{}
	for _, f := range findings.Findings {
		byFacility[f.Facility] = append(byFacility[f.Facility], f)
	}
	facName := map[string]string{}
	for _, f := range ds.Facilities {
		if _, dup := facName[f.EmsNo]; !dup {
			facName[f.EmsNo] = f.Name
		}
		props := map[string]any{
			"ems_no": f.EmsNo, "name": nilIfEmpty(f.Name), "industry": nilIfEmpty(f.Industry),
			"receiving_water": nilIfEmpty(f.ReceivingWater), "location_source": nil,
			"online_monitoring": len(ds.EffluentOf(f.EmsNo)) > 0,
		}
		maps.Copy(props, permitProps(ds.PermitsOf(f.EmsNo)))
		maps.Copy(props, findingProps(byFacility[f.EmsNo]))
		var g orb.Geometry
		switch p, ok := firstOutfall[f.EmsNo]; {
		case f.Location != nil:
			g, props["location_source"] = point(*f.Location), "site"
		case ok:
			g, props["location_source"] = point(p), "outfall"
		}
		facilities.addFeature(Feature{ID: f.EmsNo, Geometry: g, Properties: props}, time.Time{})
	}

	outfalls := newPointCollection(Collection{
		ID:          CollectionOutfalls,
		Title:       "Outfalls",
		Description: "Discharge points of controlled facilities. Feature ids are ems_no:outfall, since outfall ids repeat across facilities.",
	})
	for _, o := range ds.Outfalls {
		props := map[string]any{
			"facility": o.Facility, "facility_name": nilIfEmpty(facName[o.Facility]), "id": o.ID,
			"receiving_water": nilIfEmpty(o.ReceivingWater),
		}
		outfalls.addFeature(Feature{ID: o.Facility + ":" + o.ID, Geometry: point(o.Point), Properties: props}, time.Time{})
	}

	readings := newPointCollection(Collection{
		ID:          CollectionReadingsLatest,
		Title:       "Latest readings",
		Description: "The most recent value of every parameter measured at every station, at the station's position. datetime filters on the reading's time; station and parameter select by equality. Feature ids are station:parameter.",
		HasTime:     true,
		Filters: []Filter{
			{Name: "station", Description: "Only the readings of this station id."},
			{Name: "parameter", Description: "Only this parameter: its id (NH3-N) or any name tracing/param accepts (氨氮, ammonia nitrogen)."},
		},
	})
	readings.normalize = map[string]func(string) (string, error){"parameter": func(v string) (string, error) {
		p, err := param.Lookup(v)
		if err != nil {
			return "", err
		}
		return p.ID, nil
	}}
	for _, r := range latest {
		var g orb.Geometry
		props := map[string]any{
			"station": r.Station, "station_name": nil, "river": nil, "parameter": r.Parameter,
			"value": r.Value, "unit": nilIfEmpty(r.Unit), "censored": r.Censored, "time": r.Time.Format(time.RFC3339),
		}
		if i, ok := stationAt[r.Station]; ok {
			st := ds.Stations[i]
			g = point(st.Point)
			props["station_name"], props["river"] = nilIfEmpty(st.Name), nilIfEmpty(st.River)
		}
		readings.addFeature(Feature{ID: r.Station + ":" + r.Parameter, Geometry: g, Properties: props}, r.Time)
		readings.extendTime(r.Time)
	}

	out := []*memCollection{stations, facilities, outfalls, readings}
	for _, mc := range out {
		mc.finish()
	}
	return out
}

func newPointCollection(col Collection) *memCollection {
	col.ItemType = ItemTypeFeature
	col.StorageCRS = crs.TWD97TM2
	return &memCollection{col: col, index: map[string]int{}}
}

func (mc *memCollection) addFeature(f Feature, t time.Time) {
	mf := memFeature{Feature: f, time: t}
	if f.Geometry != nil {
		mf.bound = f.Geometry.Bound()
	}
	if _, dup := mc.index[f.ID]; !dup {
		mc.index[f.ID] = len(mc.feats)
	}
	mc.feats = append(mc.feats, mf)
}

func (mc *memCollection) extendTime(t time.Time) {
	if mc.col.TimeStart.IsZero() || t.Before(mc.col.TimeStart) {
		mc.col.TimeStart = t
	}
	if mc.col.TimeEnd.IsZero() || t.After(mc.col.TimeEnd) {
		mc.col.TimeEnd = t
	}
}

// finish computes the CRS84 extent from the features' positions.
func (mc *memCollection) finish() {
	t, err := crs.NewTransformer(mc.col.StorageCRS, crs.CRS84)
	if err != nil {
		return
	}
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	found := false
	for _, f := range mc.feats {
		if f.Geometry == nil {
			continue
		}
		for _, p := range []orb.Point{f.bound.Min, f.bound.Max, {f.bound.Min[0], f.bound.Max[1]}, {f.bound.Max[0], f.bound.Min[1]}} {
			q, err := t.Transform(p)
			if err != nil {
				continue
			}
			b = [4]float64{math.Min(b[0], q[0]), math.Min(b[1], q[1]), math.Max(b[2], q[0]), math.Max(b[3], q[1])}
			found = true
		}
	}
	if found {
		mc.col.BBox = &b
	}
}

// latestReadings returns the latest reading of every (station, parameter),
// ordered by station then parameter.
func latestReadings(ds *model.Dataset) []model.Reading {
	type key struct{ station, param string }
	latest := map[key]int{}
	for i := range ds.NumReadings() {
		r := ds.Reading(i)
		k := key{r.Station, r.Parameter}
		if j, ok := latest[k]; !ok || !r.Time.Before(ds.Reading(j).Time) {
			latest[k] = i
		}
	}
	out := make([]model.Reading, 0, len(latest))
	for _, i := range latest {
		out = append(out, *ds.Reading(i))
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Station != out[b].Station {
			return out[a].Station < out[b].Station
		}
		return out[a].Parameter < out[b].Parameter
	})
	return out
}

// permitProps flattens a facility's permits into layer attributes: GIS
// clients show flat columns, not lists. The permit that runs longest is the
// one described; permits counts them all.
func permitProps(pms []*model.Permit) map[string]any {
	out := map[string]any{"permits": len(pms), "permit_no": nil, "permit_valid_from": nil, "permit_valid_to": nil,
		"permitted_m3_day": nil, "treatment_capacity_m3_day": nil}
	var cur *model.Permit
	for _, pm := range pms {
		if cur == nil || pm.ValidTo.After(cur.ValidTo) {
			cur = pm
		}
	}
	if cur == nil {
		return out
	}
	out["permit_no"] = cur.PerNo
	out["permit_valid_from"] = cur.ValidFrom.Format(time.DateOnly)
	out["permit_valid_to"] = cur.ValidTo.Format(time.DateOnly)
	out["permitted_m3_day"] = cur.MaxDailyM3
	if cur.TreatmentCapacityM3PerDay != nil {
		out["treatment_capacity_m3_day"] = *cur.TreatmentCapacityM3PerDay
	}
	return out
}

// findingProps summarises a facility's permit-check findings: counts by
// severity, the worst severity and the checks that found something.
func findingProps(fs []permits.Finding) map[string]any {
	count := map[permits.Severity]int{}
	var checks []string
	for _, f := range fs {
		count[f.Severity]++
		if !slices.Contains(checks, f.Check) {
			checks = append(checks, f.Check)
		}
	}
	slices.Sort(checks)
	out := map[string]any{"findings": len(fs), "findings_high": count[permits.High], "findings_medium": count[permits.Medium],
		"findings_low": count[permits.Low], "worst_severity": nil, "finding_checks": nil}
	for _, s := range []permits.Severity{permits.Low, permits.Medium, permits.High} {
		if count[s] > 0 {
			out["worst_severity"] = string(s)
		}
	}
	if len(checks) > 0 {
		out["finding_checks"] = strings.Join(checks, ", ")
	}
	return out
}
