package api

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/hotspot"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/sensor"
	"github.com/envtrace/envtrace/tracing/signal"
)

// The analysis layers of the OGC API: hot spot classes per signal and
// method, the air risk areas and the odour triangulation surface. Who may
// read each is collectionPolicies.
const (
	CollectionRiskAreas    = "air-risk-areas"
	CollectionOdourSurface = "odour-surface"
)

// HotspotCollection is the id of the hot spot layer of a signal
// (signal.NamePetitions, ...) and method (hotspot.MethodGi or MethodEHSA).
func HotspotCollection(signalName, method string) string {
	return "hotspots-" + signalName + "-" + method
}

// analysisHexEdge is the hexagon edge (metres) of the hot spot and risk
// layers: hexagons 0.65 km² in area, finer than the REST risk screen's
// 1 km default because micro-sensor networks are dense (the ADF's
// neighbours lie within 3 km) and coarse enough that a public hexagon
// aggregates several petitions' shifted locations.
const analysisHexEdge = 500

// surfaceDays is the window of the odour-surface layer, ending at the
// latest petition held.
const surfaceDays = 30

// hotspotMethods are the hot spot layers' methods, for each of the
// petitions, sensor exceedances and violations; the scan answers
// clusters, not unit classes, and stays a REST analysis.
var hotspotMethods = []string{hotspot.MethodGi, hotspot.MethodEHSA}

// analysisCollections gives the analysis layers of the backend's current
// data: the snapshot snap, npetitions petitions, the sensor window sd and
// the air permits. A layer whose data are missing (no petitions, sensors
// or wind; fewer than three units) is left out. Each group is recomputed
// only when the data it reads changed (memoryOGC).
func (m *memoryOGC) analysisCollections(ctx context.Context, snap *tracingSnapshot, npetitions int, sd *sensor.Data, permits *airpermit.Data) ([]ogc.SourceOption, error) {
	src := m.b.airSources() // petitions shift to their public locations (src.Fuzz)
	var out []ogc.SourceOption
	groups := []struct {
		g     *layerGroup
		key   any
		build func() ([]ogc.SourceOption, error)
	}{
		{&m.screenLayer, sd, func() ([]ogc.SourceOption, error) {
			screen, err := m.sensorScreen(sd)
			if err != nil || screen == nil {
				m.screen = nil
				return nil, err
			}
			m.screen = screen
			return []ogc.SourceOption{ogc.WithSensorAnomalies(screen, sd)}, nil
		}},
		{&m.petitionLayers, npetitions, func() ([]ogc.SourceOption, error) { return hotspotLayers(ctx, src, signal.NamePetitions) }},
		{&m.sensorLayers, sd, func() ([]ogc.SourceOption, error) { return hotspotLayers(ctx, src, signal.NameSensorExceedances) }},
		{&m.violationLayers, snap, func() ([]ogc.SourceOption, error) { return hotspotLayers(ctx, src, signal.NameViolations) }},
		{&m.riskLayer, sd, func() ([]ogc.SourceOption, error) { return riskCollection(ctx, src, m.screen) }},
		{&m.surface, [2]any{npetitions, permits}, func() ([]ogc.SourceOption, error) {
			if m.b.od == nil {
				return nil, nil
			}
			opt, err := m.surfaceLayer(ctx)
			if err != nil || opt == nil {
				return nil, err
			}
			return []ogc.SourceOption{opt}, nil
		}},
	}
	for _, g := range groups {
		opts, err := g.g.get(g.key, g.build)
		if err != nil {
			return nil, err
		}
		out = append(out, opts...)
	}
	return out, nil
}

// hotspotLayers computes the hot spot layers of one signal, one per
// method; none when the signal's data are missing or too few.
func hotspotLayers(ctx context.Context, src *airquery.Sources, sig string) ([]ogc.SourceOption, error) {
	var opts []ogc.SourceOption
	for _, method := range hotspotMethods {
		res, err := airquery.RunHotspots(ctx, src, airquery.Hotspots{Signal: sig, Method: method, HexEdge: analysisHexEdge}, nil)
		if errors.Is(err, signal.ErrUnavailable) || errors.Is(err, hotspot.ErrTooFew) {
			continue
		}
		if err != nil {
			return nil, err
		}
		opts = append(opts, hotspotLayer(sig, method, res))
	}
	return opts, nil
}

// riskCollection computes the risk areas over the window of the sensor
// screen; none without a screen or with too few units.
func riskCollection(ctx context.Context, src *airquery.Sources, screen *adf.Result) ([]ogc.SourceOption, error) {
	if screen == nil {
		return nil, nil
	}
	risk, err := airquery.RunRisk(ctx, src, airquery.Risk{Anomalies: airquery.Anomalies{From: screen.From, To: screen.To}, HexEdge: analysisHexEdge})
	switch {
	case errors.Is(err, signal.ErrUnavailable) || errors.Is(err, hotspot.ErrTooFew):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return []ogc.SourceOption{riskLayer(risk, screen)}, nil
}

// optional turns an absent statistic into null.
func optional(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// hotspotLayer is every unit of a Gi* or EHSA result as a hexagon with
// its statistics and class.
func hotspotLayer(sig, method string, res *hotspot.Result) ogc.SourceOption {
	feats := make([]ogc.Feature, 0, len(res.Units))
	for _, u := range res.Units {
		props := map[string]any{"unit_id": u.ID, "signal": sig, "method": method, "count": u.Count, "z": optional(u.Z), "p": optional(u.P),
			"significant": u.Significant, "spot": u.Spot, "class": u.Class, "trend_z": optional(u.TrendZ), "trend_p": optional(u.TrendP),
			"steps_hot": u.StepsHot, "steps_cold": u.StepsCold, "window_from": res.From.Format(time.RFC3339), "window_to": res.To.Format(time.RFC3339)}
		feats = append(feats, ogc.Feature{ID: u.ID, Geometry: hotspot.HexCell(u.X, u.Y, analysisHexEdge), Properties: props})
	}
	what := map[string]string{hotspot.MethodGi: "Gi* hot and cold spots (binary distance band, Benjamini–Hochberg at α = 0.05; spot is hot or cold where significant)",
		hotspot.MethodEHSA: "emerging hot spot classes (Gi* per day, Mann–Kendall trend; class is new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating or historical hot or cold spot)"}[method]
	return ogc.WithCollection(ogc.Collection{ID: HotspotCollection(sig, method), Title: "Hot spots: " + sig + " (" + method + ")",
		Description: "The " + sig + " signal over all the data held on hexagons of 500 m edge (TWD97): " + what + ". docs/air.md, Hotspots."}, feats)
}

// riskLayer is every risk area as its hot spot hexagon with its terms.
func riskLayer(risk *airquery.RiskResult, screen *adf.Result) ogc.SourceOption {
	units := map[string]hotspot.UnitResult{}
	for _, u := range risk.Hotspots.Units {
		units[u.ID] = u
	}
	feats := make([]ogc.Feature, 0, len(risk.Areas))
	for _, a := range risk.Areas {
		u, ok := units[a.Unit]
		if !ok {
			continue
		}
		feats = append(feats, ogc.Feature{ID: a.Unit, Geometry: hotspot.HexCell(u.X, u.Y, analysisHexEdge), Properties: map[string]any{
			"unit_id": a.Unit, "score": a.Score, "hotspot_z": a.HotspotZ, "facilities": a.Facilities,
			"weighted_density_per_km2": a.WeightedDensity, "facility_term": a.FacilityTerm, "explanation": a.Explanation,
			"window_from": screen.From.Format(time.RFC3339), "window_to": screen.To.Format(time.RFC3339)}})
	}
	return ogc.WithCollection(ogc.Collection{ID: CollectionRiskAreas, Title: "Air risk areas",
		Description: "Significant Gi* hot spots of sensor exceedance hours (hexagons of 500 m edge) over the last 14 days of sensor readings held, " +
			"scored z × (1 + risk-weighted facility density per km²), each with its terms. For staff: docs/air.md, High-risk screening."}, feats)
}

// surfaceLayer is the odour triangulation surface of the last surfaceDays
// of petitions: each cell a square of the surface's cell size with its
// value and share of the maximum; nil without petitions or a surface.
func (m *memoryOGC) surfaceLayer(ctx context.Context) (ogc.SourceOption, error) {
	var last time.Time
	for _, p := range m.b.petitions() {
		if p.Time.After(last) {
			last = p.Time
		}
	}
	if last.IsZero() {
		return nil, nil
	}
	to := last.Add(time.Second)
	from := to.AddDate(0, 0, -surfaceDays)
	res, err := m.b.OdourRank(ctx, from, to)
	if errors.Is(err, odour.ErrNoWindData) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if res.SurfaceMax == nil || len(res.Surface) == 0 {
		return nil, nil // no candidates in range: no surface to draw
	}
	feats := make([]ogc.Feature, 0, len(res.Surface))
	half := res.SurfaceMax.SurfaceCellM / 2
	for i, c := range res.Surface {
		p := model.FromLonLat(c.Lon, c.Lat)
		sq := orb.Ring{{p.X - half, p.Y - half}, {p.X + half, p.Y - half}, {p.X + half, p.Y + half}, {p.X - half, p.Y + half}, {p.X - half, p.Y - half}}
		share := 0.0
		if res.SurfaceMax.Value > 0 {
			share = c.Value / res.SurfaceMax.Value
		}
		feats = append(feats, ogc.Feature{ID: cellID(i), Geometry: orb.Polygon{sq}, Properties: map[string]any{
			"value": c.Value, "share_of_max": share, "cell_m": res.SurfaceMax.SurfaceCellM,
			"window_from": from.Format(time.RFC3339), "window_to": to.Format(time.RFC3339)}})
	}
	return ogc.WithCollection(ogc.Collection{ID: CollectionOdourSurface, Title: "Odour triangulation surface",
		Description: "The likelihood surface of the odour petitions of the last 30 days held, traced upwind through the interpolated wind: " +
			"how many petitions a source in each cell would explain, and its share of the maximum (cells at or above 5 %). " +
			"It is computed from exact petition locations: for staff. docs/odour.md."}, feats), nil
}

// cellID numbers the surface's cells in the answer's order.
func cellID(i int) string { return "C" + strconv.Itoa(i+1) }
