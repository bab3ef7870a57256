package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/api/webmap"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/farmland"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// OpenAPIDocument returns the document served at /openapi.json: every
// route of this server, OGC API paths included when they are mounted.
func (s *Server) OpenAPIDocument() []byte { return append([]byte(nil), s.openapi...) }

// OGCBackend is an optional method set for backends that can publish their
// network and enforcement data as OGC API – Features collections, so QGIS
// and GDAL can add them as layers.
type OGCBackend interface {
	OGCSource() (ogc.Source, error)
}

// ogcRoot is where the OGC API is mounted; "/" is the web map.
const ogcRoot = "/ogc"

// registerOGC mounts OGC API – Features at /ogc and merges its paths into
// the server's one OpenAPI document.
func (s *Server) registerOGC() error {
	ob, ok := s.backend.(OGCBackend)
	if !ok {
		return nil
	}
	src, err := ob.OGCSource()
	if err != nil {
		return fmt.Errorf("api: OGC API source: %w", err)
	}
	if src == nil {
		return nil
	}
	// The HTML pages draw their maps with the web map's vendored Leaflet,
	// so a browser exploring the layers loads nothing from elsewhere.
	cfg := ogc.Config{ServiceDescURL: "/openapi.json", LeafletURL: webmap.Prefix + "vendor/leaflet"}
	if s.cfg.PublicBaseURL != "" {
		cfg.BaseURL = strings.TrimSuffix(s.cfg.PublicBaseURL, "/") + ogcRoot
	}
	cols, err := src.Collections(context.Background())
	if err != nil {
		return fmt.Errorf("api: OGC API collections: %w", err)
	}
	if err := checkCollections(cols); err != nil {
		return err
	}
	ogc.Register(s.echo.Group(ogcRoot, s.ogcGuard), policySource{src}, cfg)
	doc, err := mergeOpenAPI(openAPIDocument, ogc.OpenAPI(cfg, ogcRoot, cols))
	if err != nil {
		return err
	}
	s.openapi = doc
	return nil
}

// mergeOpenAPI adds another document's paths, under their server's root,
// to the main document.
func mergeOpenAPI(main []byte, other map[string]any) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(main, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.json: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		paths = map[string]any{}
		doc["paths"] = paths
	}
	op, _ := other["paths"].(map[string]any)
	for p, item := range op {
		paths[ogcRoot+p] = item
		if p == "/" {
			// The landing page answers with and without the slash; the
			// copy needs its own operation id.
			paths[ogcRoot] = renameOperations(item, "Slashless")
		}
	}
	if _, ok := paths[ogcRoot+"/api"]; !ok {
		paths[ogcRoot+"/api"] = map[string]any{"get": map[string]any{
			"summary":     "The OGC API's own OpenAPI 3.0 definition (the oas30 conformance class).",
			"operationId": "ogcAPIDefinition",
			"responses": map[string]any{"200": map[string]any{
				"description": "OpenAPI 3.0 document of the OGC API.",
				"content":     map[string]any{"application/vnd.oai.openapi+json;version=3.0": map[string]any{"schema": map[string]any{"type": "object"}}, "application/json": map[string]any{"schema": map[string]any{"type": "object"}}},
			}},
		}}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// OGCSource implements OGCBackend. The collections follow the backend's
// current data: after an ingest the next request sees the new readings.
func (b *MemoryBackend) OGCSource() (ogc.Source, error) {
	if !b.view().net.HasGeometry() {
		return nil, nil // nothing to draw: the OGC API is not mounted
	}
	if b.tr == nil {
		return ogc.NewMemorySource(b.bare.net, nil)
	}
	return &memoryOGC{b: b}, nil
}

// memoryOGC builds one ogc.MemorySource per data snapshot, lazily. The
// analysis layers are cached by group, each with the data it was computed
// from, so a change recomputes only the layers it touches: new petitions
// the petition hot spots and the odour surface, new sensor readings the
// sensor screen, its hot spots and the risk areas, new water readings the
// violation hot spots.
type memoryOGC struct {
	b     *MemoryBackend
	mu    sync.Mutex
	snap  *tracingSnapshot
	cache *ogc.MemorySource
	// petitions is how many petitions the cache shows (the desk's
	// arrivals rebuild it); sensors is the sensor window it screened
	// (ingest replaces the window's snapshot); permits the air permits
	// the odour surface was ranked with.
	petitions int
	sensors   *sensor.Data
	permits   *airpermit.Data
	// farm is the irrigation system the farmland layers show (nil
	// without a farmland desk or before its first irrigation system;
	// ApplyFarmland replaces it).
	farm *farmland.Data
	// The analysis groups, and the sensor screen the risk areas read.
	screenLayer, petitionLayers, sensorLayers, violationLayers, riskLayer, surface layerGroup
	screen                                                                         *adf.Result
}

// layerGroup is a group of OGC layers and the data they were computed
// from.
type layerGroup struct {
	key  any
	done bool
	opts []ogc.SourceOption
}

// get returns the group's layers, computing them with build when key
// differs from the data they were computed from.
func (g *layerGroup) get(key any, build func() ([]ogc.SourceOption, error)) ([]ogc.SourceOption, error) {
	if g.done && g.key == key {
		return g.opts, nil
	}
	opts, err := build()
	if err != nil {
		return nil, err
	}
	g.key, g.done, g.opts = key, true, opts
	return opts, nil
}

// screenDays is the window of the sensor-anomalies layer: the ADF's
// longest MD window.
const screenDays = 14

// sensorScreen runs the ADF screen over the last screenDays of the sensor
// window; nil without readings.
func (m *memoryOGC) sensorScreen(sd *sensor.Data) (*adf.Result, error) {
	if sd == nil || len(sd.Readings) == 0 {
		return nil, nil
	}
	to := m.b.air.window.Latest().Truncate(5 * time.Minute).Add(5 * time.Minute)
	return airquery.RunAnomalies(context.Background(), &airquery.Sources{Sensors: sd}, airquery.Anomalies{From: to.AddDate(0, 0, -screenDays), To: to})
}

func (m *memoryOGC) current() (*ogc.MemorySource, error) {
	snap, err := m.b.snapshot()
	if err != nil {
		return nil, err
	}
	ps := m.b.petitions()
	var sd *sensor.Data
	var permits *airpermit.Data
	if m.b.air != nil {
		sd, permits = m.b.air.window.Snapshot(), m.b.air.permits.Load()
	}
	var farm *farmland.Data
	if e := m.b.tr.farm.Load(); e != nil {
		farm = e.D
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap != snap || m.cache == nil || m.petitions != len(ps) || m.sensors != sd || m.permits != permits || m.farm != farm {
		checks, err := m.b.PermitChecks(context.Background())
		if err != nil {
			return nil, err
		}
		opts := []ogc.SourceOption{ogc.WithFindings(checks)}
		if pa := m.b.PetitionArea(); m.b.od != nil && pa != nil {
			opts = append(opts, ogc.WithPetitions(ps, pa.Desk.PublicLocation))
		}
		if farm != nil {
			opts = append(opts, farmlandCollections(farm)...)
		}
		analysis, err := m.analysisCollections(context.Background(), snap, len(ps), sd, permits)
		if err != nil {
			return nil, err
		}
		opts = append(opts, analysis...)
		src, err := ogc.NewMemorySource(snap.view.net, snap.ds, opts...)
		if err != nil {
			return nil, err
		}
		m.snap, m.cache, m.petitions, m.sensors, m.permits, m.farm = snap, src, len(ps), sd, permits, farm
	}
	return m.cache, nil
}

// Collections implements ogc.Source.
func (m *memoryOGC) Collections(ctx context.Context) ([]ogc.Collection, error) {
	src, err := m.current()
	if err != nil {
		return nil, err
	}
	return src.Collections(ctx)
}

// Items implements ogc.Source.
func (m *memoryOGC) Items(ctx context.Context, collection string, q ogc.Query, yield func(ogc.Feature) bool) (int, error) {
	src, err := m.current()
	if err != nil {
		return 0, err
	}
	return src.Items(ctx, collection, q, yield)
}

// Item implements ogc.Source.
func (m *memoryOGC) Item(ctx context.Context, collection, id string) (ogc.Feature, error) {
	src, err := m.current()
	if err != nil {
		return ogc.Feature{}, err
	}
	return src.Item(ctx, collection, id)
}

// renameOperations copies a path item, suffixing its operation ids.
func renameOperations(item any, suffix string) any {
	b, _ := json.Marshal(item)
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return item
	}
	for _, op := range m {
		if o, ok := op.(map[string]any); ok {
			if id, ok := o["operationId"].(string); ok {
				o["operationId"] = id + suffix
			}
		}
	}
	return m
}
