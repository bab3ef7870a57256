package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/casework/farmalert"
	"github.com/envtrace/envtrace/tracing/farmland"
)

// FarmlandArea is the farmland desk: the forward-impact engine over the
// served basin and its irrigation system, and the book of alerts that
// sends them through the outbox.
type FarmlandArea struct {
	// Engine is nil while the desk waits for its first irrigation system
	// (a `serve --db` replica started before any was stored): the routes
	// answer 404 (errNoIrrigation) until ApplyFarmland gives it one.
	Engine *farmland.Engine
	Alerts *farmalert.Book
	// Now is the clock of alerts and of facility queries without a time
	// (default time.Now).
	Now func() time.Time

	// current, when set (MemoryBackend.FarmlandArea), is the engine over
	// the basin served now and the irrigation layers applied last.
	current func() (*farmland.Engine, error)
}

// engine is the forward-impact engine over the basin served now, with the
// records and readings applied since start (farmland.Engine.On), and the
// irrigation layers applied last (MemoryBackend.ApplyFarmland).
func (a *FarmlandArea) engine() (*farmland.Engine, error) {
	if a.current != nil {
		return a.current()
	}
	if a.Engine == nil {
		return nil, errNoIrrigation
	}
	return a.Engine, nil
}

// errNoIrrigation is what the farmland desk answers while it holds no
// irrigation system: a client learns the desk exists and what it waits
// for, as a 404 problem.
var errNoIrrigation error = noIrrigationError{}

type noIrrigationError struct{}

func (noIrrigationError) Error() string {
	return "no irrigation system is stored yet; the farmland desk answers once `envtrace import farmland` stores one"
}

// Status implements StatusError.
func (noIrrigationError) Status() int { return http.StatusNotFound }

// FarmlandBackend is a backend with a farmland desk; nil disables the
// routes.
type FarmlandBackend interface {
	FarmlandArea() *FarmlandArea
}

// WithFarmland gives a MemoryBackend the farmland desk.
func WithFarmland(a *FarmlandArea) MemoryOption {
	return func(o *memoryOptions) { o.farmland = a }
}

// FarmlandArea implements FarmlandBackend; nil when built without
// WithFarmland. Its engine answers over the current basin (Basin), so
// facilities, outfalls, permits and readings applied since start
// (ApplyRecords, the followers) reach the impact and accumulation, and
// over the irrigation layers applied last (ApplyFarmland).
func (b *MemoryBackend) FarmlandArea() *FarmlandArea {
	if b.tr == nil || b.tr.opt.farmland == nil {
		return nil
	}
	a := *b.tr.opt.farmland
	a.Engine = b.tr.farm.Load()
	a.current = b.farmlandEngine
	return &a
}

// farmlandCache is the farmland engine of one snapshot, built from base
// (the engine of the irrigation layers applied last).
type farmlandCache struct {
	base, eng *farmland.Engine
}

// farmlandEngine is the farmland engine over the current snapshot's basin
// and the irrigation layers applied last, built once per snapshot and
// layers (as Trace builds the suspect engine once per snapshot): a request
// reuses it until an ingest, an applied record or applied layers change
// what it answers over.
func (b *MemoryBackend) farmlandEngine() (*farmland.Engine, error) {
	s, err := b.snapshot()
	if err != nil {
		return nil, err
	}
	base := b.tr.farm.Load()
	if base == nil {
		return nil, errNoIrrigation
	}
	if c := s.farm.Load(); c != nil && c.base == base {
		return c.eng, nil
	}
	eng := base
	if s.basin != base.B {
		if eng, err = base.On(s.basin); err != nil {
			return nil, err
		}
	}
	// Two requests that miss at once both build it; either result is the
	// same engine.
	s.farm.Store(&farmlandCache{base: base, eng: eng})
	return eng, nil
}

// ApplyFarmland replaces the farmland desk's irrigation layers with d
// (`serve --db` replicas follow the layers an import stores this way):
// the intakes are placed on the current basin's network, and an intake
// that cannot be placed is an error that leaves the layers served
// unchanged. Requests already running finish on the layers they began
// with. A desk that waited for its first irrigation system (WithFarmland
// with a nil Engine) starts answering.
func (b *MemoryBackend) ApplyFarmland(d *farmland.Data) error {
	if b.tr == nil || b.tr.opt.farmland == nil {
		return errors.New("api: apply farmland: the backend has no farmland desk")
	}
	eng, err := farmland.New(b.Basin(), d, 0)
	if err != nil {
		return fmt.Errorf("api: apply farmland: %w", err)
	}
	b.tr.farm.Store(eng)
	return nil
}

func (a *FarmlandArea) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// registerFarmland mounts the REST twins of `envtrace farmland`.
func (s *Server) registerFarmland(g *echo.Group, a *FarmlandArea) {
	h := &farmlandHandlers{a: a}
	g.GET("/farmland/impact", h.impact)
	g.POST("/farmland/alerts", h.alert)
	g.GET("/farmland/alerts", h.alerts)
	g.GET("/farmland/accumulation", h.accumulation)
}

type farmlandHandlers struct{ a *FarmlandArea }

// impactParams are the query parameters of impact and alert.
var impactParams = []string{"facility", "station", "parameter", "value", "unit", "time"}

// request reads the impact query the way the CLI reads its flags.
func (h *farmlandHandlers) request(c echo.Context) (farmland.Request, error) {
	q := newQuery(c, impactParams...)
	if err := q.err(); err != nil {
		return farmland.Request{}, err
	}
	r, err := farmland.ParseRequest(q.str("facility"), q.str("station"), q.str("parameter"), q.str("value"), q.str("unit"), q.str("time"), h.a.now())
	var fe *farmland.FieldError
	if errors.As(err, &fe) {
		return r, &ParamError{Name: fe.Field, Reason: fe.Reason, Err: err}
	}
	return r, err
}

func (h *farmlandHandlers) impact(c echo.Context) error {
	r, err := h.request(c)
	if err != nil {
		return err
	}
	eng, err := h.a.engine()
	if err != nil {
		return err
	}
	im, err := eng.Impact(c.Request().Context(), r)
	if err != nil {
		return farmlandError(r, err)
	}
	return c.JSON(http.StatusOK, im)
}

// alert runs the impact and, when an intake exceeds the standard,
// records the alert and sends it to the offices (201); otherwise it
// answers 200 with a null alert.
func (h *farmlandHandlers) alert(c echo.Context) error {
	r, err := h.request(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	eng, err := h.a.engine()
	if err != nil {
		return err
	}
	im, err := eng.Impact(ctx, r)
	if err != nil {
		return farmlandError(r, err)
	}
	a, ok := eng.Alert(r, im, h.a.now())
	if !ok {
		return c.JSON(http.StatusOK, map[string]any{"alert": nil})
	}
	created, err := h.a.Alerts.Record(ctx, *a)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"alert": a})
}

func (h *farmlandHandlers) alerts(c echo.Context) error {
	q := newQuery(c)
	if err := q.err(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"alerts": h.a.Alerts.List()})
}

func (h *farmlandHandlers) accumulation(c echo.Context) error {
	q := newQuery(c, "from", "to")
	from, to := q.timeParam("from", true), q.timeParam("to", true)
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		q.fail("to", "must be after from", nil)
	}
	if err := q.err(); err != nil {
		return err
	}
	eng, err := h.a.engine()
	if err != nil {
		return err
	}
	res, err := eng.Accumulate(c.Request().Context(), from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// farmlandError turns the engine's errors into the problems clients see:
// unknown ids are 404, what the data cannot answer (no mean flow, no
// permit limit) 422 naming the parameter to change.
func farmlandError(r farmland.Request, err error) error {
	kind, id := "station", r.Station
	if r.Facility != "" {
		kind, id = "facility", r.Facility
	}
	switch {
	case errors.Is(err, farmland.ErrUnknownParameter):
		return &ParamError{Name: "parameter", Reason: err.Error(), Err: err}
	case errors.Is(err, farmland.ErrUnknown):
		return &NotFoundError{Kind: kind, ID: id, Err: err}
	case errors.Is(err, farmland.ErrNoFlow):
		return &TracingInputError{Param: kind, Reason: err.Error(), Err: err}
	case errors.Is(err, farmland.ErrNoValue):
		return &TracingInputError{Param: "value", Reason: err.Error(), Err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	}
	return &TracingInputError{Param: kind, Reason: err.Error(), Err: err}
}

// Collection ids of the farmland layers in the OGC API.
const (
	CollectionIntakes       = "intakes"
	CollectionIrrigatedArea = "irrigated-areas"
)

// farmlandCollections are the OGC API layers of the irrigation system:
// the intake gates (points) and the areas they water (polygons), both in
// EPSG:3826.
func farmlandCollections(d *farmland.Data) []ogc.SourceOption {
	var intakes []ogc.Feature
	for _, in := range d.Intakes {
		intakes = append(intakes, ogc.Feature{ID: in.ID, Geometry: orb.Point{in.Point.X, in.Point.Y}, Properties: map[string]any{
			"intake_id": in.ID, "name": in.Name, "reach_id": in.ReachID, "capacity_m3s": in.CapacityM3s,
			"office": in.Office, "contact": in.Contact, "area_ha": intakeArea(d, in.ID)}})
	}
	var areas []ogc.Feature
	for _, a := range d.Areas {
		props := map[string]any{"area_id": a.ID, "intake_ids": strings.Join(a.IntakeIDs, ","), "area_ha": a.AreaHa, "crops": a.Crops}
		for _, m := range farmland.SoilMetals() {
			props["soil_"+strings.ToLower(m)] = nil
			if v, ok := a.Soil[m]; ok {
				props["soil_"+strings.ToLower(m)] = v
			}
		}
		areas = append(areas, ogc.Feature{ID: a.ID, Geometry: a.Geometry, Properties: props})
	}
	return []ogc.SourceOption{
		ogc.WithCollection(ogc.Collection{ID: CollectionIntakes, Title: "Irrigation intakes",
			Description: "Irrigation intake gates (head gates on rivers, turnouts on canals) with the office that operates each and the irrigated area it waters."}, intakes),
		ogc.WithCollection(ogc.Collection{ID: CollectionIrrigatedArea, Title: "Irrigated areas",
			Description: "Areas watered by the intakes, with their crops and measured soil metals (mg/kg)."}, areas),
	}
}

// intakeArea is the irrigated area an intake waters, ha.
func intakeArea(d *farmland.Data, id string) float64 {
	ha := 0.0
	for _, a := range d.AreasOf(id) {
		ha += a.AreaHa
	}
	return ha
}
