package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/access"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airattr"
	"github.com/envtrace/envtrace/tracing/airpermit"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/calibrate"
	"github.com/envtrace/envtrace/tracing/hotspot"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/odour"
	"github.com/envtrace/envtrace/tracing/sensor"
	"github.com/envtrace/envtrace/tracing/signal"
)

// AirBackend answers the air questions: the ADF sensor screen, hotspots,
// the air-permit checks, and the ingest of Civil IoT sensor data. Results
// are the CLI's result types (adf.Result, hotspot.Result,
// airpermit.Report), so GET /api/v1/air/anomalies is `envtrace air
// anomalies --json` byte for byte in content.
type AirBackend interface {
	AirAnomalies(ctx context.Context, q airquery.Anomalies) (*adf.Result, error)
	// AirAnomaly resolves a sensor anomaly id (airquery.AnomalyID) to its
	// public summary, for a case to hold it by reference.
	AirAnomaly(ctx context.Context, id string) (*airquery.AnomalySummary, error)
	AirAttribution(ctx context.Context, q airquery.Attribution) (*airattr.Result, error)
	AirRisk(ctx context.Context, q airquery.Risk) (*airquery.RiskResult, error)
	AirCalibration(ctx context.Context, q airquery.Calibration) (*calibrate.Selection, error)
	Hotspots(ctx context.Context, q airquery.Hotspots) (*hotspot.Result, error)
	AirPermitChecks(ctx context.Context) (*airpermit.Report, error)
	IngestSensors(ctx context.Context, d *sensor.Data) (sensor.Stats, error)
	// IngestCEMS stores a batch of CEMS records whole or not at all
	// (airpermit.CEMSBatch.Admit decides); a refused batch's error holds
	// *model.FieldError values naming line and column, or an
	// *airpermit.ConflictError.
	IngestCEMS(ctx context.Context, b *airpermit.CEMSBatch) (airpermit.CEMSStats, error)
}

// SensorWindow is how long a server keeps sensor readings in memory: the
// ADF's longest MD window (14 days) plus a day.
const SensorWindow = 15 * 24 * time.Hour

// airData is a MemoryBackend's air state: the sources read at start, the
// recent window of sensor readings, which ingest extends, and the
// air-permit data, which ApplyAirPermits extends.
type airData struct {
	src    airquery.Sources
	window *sensor.Window
	// permits is replaced whole, never changed in place, so a request
	// keeps the data it started with.
	permits atomic.Pointer[airpermit.Data]
	// mu serialises the writers of permits.
	mu sync.Mutex
}

func newAirData(src *airquery.Sources) (*airData, error) {
	a := &airData{window: sensor.NewWindow(SensorWindow)}
	if src != nil {
		a.src = *src
		a.permits.Store(src.Permits)
		if src.Sensors != nil {
			if _, err := a.window.Add(src.Sensors); err != nil {
				return nil, fmt.Errorf("api: sensors: %w", err)
			}
		}
	}
	return a, nil
}

// sources returns the sources with the current sensor window.
func (a *airData) sources() *airquery.Sources {
	s := a.src
	s.Sensors = a.window.Snapshot()
	s.Permits = a.permits.Load()
	return &s
}

// ApplyAirPermits adds the air permits, fuel declarations, CEMS records
// and rainy hours another process stored (and its factor table, when a
// factor changed): `serve --db` follows the store with it
// (store.NewAirPermitFollower), so the permit checks, the air attribution's
// candidates and the odour ranking's evidence answer from them at once.
func (b *MemoryBackend) ApplyAirPermits(delta *airpermit.Data) {
	a := b.air
	a.mu.Lock()
	defer a.mu.Unlock()
	a.permits.Store(a.held().Extend(delta))
}

// held is the air-permit data held, empty (with the built-in factors)
// when there is none; the caller holds mu.
func (a *airData) held() *airpermit.Data {
	if d := a.permits.Load(); d != nil {
		return d
	}
	return &airpermit.Data{Rain: map[int64]bool{}, Factors: airpermit.DefaultFactors()}
}

// IngestCEMS implements AirBackend: the batch is admitted against the
// permits and records held, and the new records join them (in memory:
// `serve --data` keeps them until it stops; `serve --db` stores them
// first).
func (b *MemoryBackend) IngestCEMS(ctx context.Context, batch *airpermit.CEMSBatch) (airpermit.CEMSStats, error) {
	if err := ctx.Err(); err != nil {
		return airpermit.CEMSStats{}, err
	}
	a := b.air
	a.mu.Lock()
	defer a.mu.Unlock()
	held := a.held()
	stored := make(map[airpermit.CEMSKey]*airpermit.CEMSRecord, len(held.CEMS))
	for i := range held.CEMS {
		stored[held.CEMS[i].Key()] = &held.CEMS[i]
	}
	fresh, st, err := batch.Admit(airpermit.PermittedStacks(held.Permits), func(k airpermit.CEMSKey) *airpermit.CEMSRecord { return stored[k] })
	if err != nil {
		return airpermit.CEMSStats{}, err
	}
	a.permits.Store(held.Extend(&airpermit.Data{CEMS: fresh}))
	return st, nil
}

// airSources are the air sources over the current water records (the
// facilities the attribution, the risk areas and the hot spots weigh,
// with those applied since start), with the petitions the desk has taken
// in beside the directory's.
func (b *MemoryBackend) airSources() *airquery.Sources {
	s := b.air.sources()
	if snap, err := b.snapshot(); err == nil && s.Water != nil {
		s.Water = snap.ds // with the records applied since start (ApplyRecords)
	}
	if ps := b.petitions(); ps != nil {
		s.Petitions = ps
	}
	return s
}

// AirAnomalies implements AirBackend.
func (b *MemoryBackend) AirAnomalies(ctx context.Context, q airquery.Anomalies) (*adf.Result, error) {
	return airquery.RunAnomalies(ctx, b.air.sources(), q)
}

// AirAnomaly implements AirBackend.
func (b *MemoryBackend) AirAnomaly(ctx context.Context, id string) (*airquery.AnomalySummary, error) {
	return airquery.Anomaly(ctx, b.air.sources(), id)
}

// AirAttribution implements AirBackend.
func (b *MemoryBackend) AirAttribution(ctx context.Context, q airquery.Attribution) (*airattr.Result, error) {
	return airquery.RunAttribution(ctx, b.airSources(), q)
}

// AirRisk implements AirBackend.
func (b *MemoryBackend) AirRisk(ctx context.Context, q airquery.Risk) (*airquery.RiskResult, error) {
	return airquery.RunRisk(ctx, b.airSources(), q)
}

// AirCalibration implements AirBackend.
func (b *MemoryBackend) AirCalibration(ctx context.Context, q airquery.Calibration) (*calibrate.Selection, error) {
	return airquery.RunCalibration(ctx, b.air.sources(), q)
}

// Hotspots implements AirBackend; named areas come from the data
// directory's areas folder.
func (b *MemoryBackend) Hotspots(ctx context.Context, q airquery.Hotspots) (*hotspot.Result, error) {
	src := b.airSources()
	return airquery.RunHotspots(ctx, src, q, airquery.AreaInDir(src.AreasDir))
}

// AirPermitChecks implements AirBackend.
func (b *MemoryBackend) AirPermitChecks(ctx context.Context) (*airpermit.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return airquery.CheckPermits(b.air.sources()), nil
}

// IngestSensors implements AirBackend: the readings join the in-memory
// window (conflicting records change nothing).
func (b *MemoryBackend) IngestSensors(ctx context.Context, d *sensor.Data) (sensor.Stats, error) {
	if err := ctx.Err(); err != nil {
		return sensor.Stats{}, err
	}
	return b.air.window.Add(d)
}

// registerAir mounts the air area.
func (s *Server) registerAir(g *echo.Group, b AirBackend) {
	h := &airHandlers{b: b}
	g.GET("/air/anomalies", h.anomalies)
	g.GET("/air/attribution", h.attribution)
	g.GET("/air/risk", h.risk)
	g.GET("/air/calibration", h.calibration)
	g.GET("/hotspots", h.hotspots)
	g.GET("/checks/air-permits", h.permitChecks)
	g.POST("/air/readings", h.ingest)
	g.POST("/air/cems", h.postCEMS)
}

type airHandlers struct{ b AirBackend }

// airError turns the air queries' errors into the problems' typed errors:
// a blamed field is a 400 naming it, data the backend lacks a 422.
func airError(err error) error {
	if ie, ok := airquery.IsInvalid(err); ok {
		return &ParamError{Name: ie.Field, Reason: ie.Reason, Err: err}
	}
	if errors.Is(err, calibrate.ErrTooLittle) {
		return &TracingInputError{Param: "day", Reason: err.Error(), Err: err}
	}
	if errors.Is(err, odour.ErrNoWindData) {
		return &TracingInputError{Param: "wind", Reason: err.Error(), Err: err}
	}
	if errors.Is(err, signal.ErrUnavailable) {
		return &TracingInputError{Param: "signal", Reason: err.Error(), Err: err}
	}
	return err
}

func (h *airHandlers) anomalies(c echo.Context) error {
	q := newQuery(c, "from", "to", "distance")
	aq := airquery.Anomalies{From: q.timeParam("from", true), To: q.timeParam("to", true),
		Distance: q.enum("distance", "geodesic", "geodesic", "course")}
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.b.AirAnomalies(c.Request().Context(), aq)
	if err != nil {
		return airError(err)
	}
	return c.JSON(http.StatusOK, res)
}

// attribution is the REST twin of `envtrace air attribute`.
func (h *airHandlers) attribution(c echo.Context) error {
	q := newQuery(c, "from", "to", "distance", "event")
	aq := airquery.Attribution{Anomalies: airquery.Anomalies{From: q.timeParam("from", true), To: q.timeParam("to", true),
		Distance: q.enum("distance", "geodesic", "geodesic", "course")}, Event: q.str("event")}
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.b.AirAttribution(c.Request().Context(), aq)
	if err == nil && res != nil {
		r := *res
		r.Attribution = redactOdour(c, res.Attribution)
		res = &r
	}
	if err != nil {
		return airError(err)
	}
	return c.JSON(http.StatusOK, res)
}

// risk is the REST twin of `envtrace air risk`.
func (h *airHandlers) risk(c echo.Context) error {
	q := newQuery(c, "from", "to", "distance", "hex_edge", "limit")
	rq := airquery.Risk{Anomalies: airquery.Anomalies{From: q.timeParam("from", true), To: q.timeParam("to", true),
		Distance: q.enum("distance", "geodesic", "geodesic", "course")},
		HexEdge: q.nonNegative("hex_edge", 1000), Limit: q.nonNegative("limit", signal.DefaultExceedance)}
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.b.AirRisk(c.Request().Context(), rq)
	if err != nil {
		return airError(err)
	}
	return c.JSON(http.StatusOK, res)
}

// calibration is the REST twin of `envtrace air calibrate`.
func (h *airHandlers) calibration(c echo.Context) error {
	q := newQuery(c, "sensor", "reference", "day")
	cq := airquery.Calibration{Sensor: q.str("sensor"), Reference: q.str("reference")}
	for _, name := range []string{"sensor", "reference", "day"} {
		if !q.has(name) {
			q.fail(name, "required", nil)
		}
	}
	if q.has("day") {
		d, err := airquery.ParseDay(q.str("day"))
		if err != nil {
			q.fail("day", "a Taiwan calendar day, YYYY-MM-DD", err)
		}
		cq.Day = d
	}
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.b.AirCalibration(c.Request().Context(), cq)
	if err != nil {
		return airError(err)
	}
	return c.JSON(http.StatusOK, res)
}

func (h *airHandlers) hotspots(c echo.Context) error {
	q := newQuery(c, "signal", "method", "hex_edge", "areas", "band", "step", "from", "to", "replicates", "seed", "limit")
	hq := airquery.Hotspots{
		Signal:  q.enum("signal", "", signal.NamePetitions, signal.NameSensorExceedances, signal.NameViolations),
		Method:  q.enum("method", "", hotspot.MethodGi, hotspot.MethodEHSA, hotspot.MethodScan),
		HexEdge: q.nonNegative("hex_edge", 0), Areas: q.str("areas"), Band: q.nonNegative("band", 0),
		From: q.timeParam("from", false), To: q.timeParam("to", false),
		Replicates: q.intRange("replicates", 999, 1, 99999), Limit: q.nonNegative("limit", signal.DefaultExceedance), Step: 24 * time.Hour,
	}
	for _, name := range []string{"signal", "method"} {
		if !q.has(name) {
			q.fail(name, "required", nil)
		}
	}
	if q.has("step") {
		d, err := time.ParseDuration(q.str("step"))
		if err != nil || d <= 0 {
			q.fail("step", `must be a positive duration such as "24h"`, err)
		}
		hq.Step = d
	}
	hq.Seed = 1
	if q.has("seed") {
		v, err := strconv.ParseUint(q.str("seed"), 10, 64)
		if err != nil {
			q.fail("seed", "must be a non-negative integer", err)
		}
		hq.Seed = v
	}
	if err := q.err(); err != nil {
		return err
	}
	hq.Facilities = seesInFull(c) // a bureau's violations are its own county's
	res, err := h.b.Hotspots(c.Request().Context(), hq)
	if err != nil {
		return airError(err)
	}
	return c.JSON(http.StatusOK, res)
}

func (h *airHandlers) permitChecks(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	rep, err := h.b.AirPermitChecks(c.Request().Context())
	if err != nil {
		return err
	}
	out := *rep
	out.Findings = visibleFindings(c, rep.Findings)
	return c.JSON(http.StatusOK, out)
}

// maxSensorUpload bounds one ingest body (the 3.4 MB course file fits
// many times over).
const maxSensorUpload = 64 << 20

// ingest is the REST twin of `envtrace import sensors --format civiliot`:
// the body is a Civil IoT CSV; the answer is the import's counts.
func (h *airHandlers) ingest(c echo.Context) error {
	q := newQuery(c, "format")
	if f := q.enum("format", "civiliot", "civiliot"); f != "civiliot" {
		q.fail("format", "the supported format is civiliot", nil)
	}
	if err := q.err(); err != nil {
		return err
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxSensorUpload)
	d, err := sensor.ReadCivilIoT(body, "body")
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &ParamError{Name: "body", Reason: fmt.Sprintf("at most %d bytes", maxSensorUpload), Err: err}
		}
		return &ParamError{Name: "body", Reason: err.Error(), Err: err}
	}
	devices := make([]string, len(d.Readings))
	for i, r := range d.Readings {
		devices[i] = r.Device
	}
	if err := access.CheckStations(principal(c), devices); err != nil {
		return err
	}
	st, err := h.b.IngestSensors(c.Request().Context(), d)
	if err != nil {
		return &ParamError{Name: "body", Reason: err.Error(), Err: err}
	}
	return c.JSON(http.StatusOK, st)
}

// maxCEMSUpload bounds one CEMS body: a day of 15-minute records of 100
// stacks and six items is about 58,000 rows, some 5 MB.
const maxCEMSUpload = 32 << 20

// postCEMS answers POST /api/v1/air/cems, the REST twin of `envtrace
// import cems`: the body is CEMS records in cems.csv's format, in their
// reported basis; the answer is the batch's counts. The caller must see
// every record's facility in full (its own for a facility, its county's
// for an officer), and the whole batch is stored or none of it.
func (h *airHandlers) postCEMS(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxCEMSUpload)
	b, err := airpermit.ReadCEMS("body", body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return &ParamError{Name: "body", Reason: fmt.Sprintf("at most %d bytes; split the batch", maxCEMSUpload), Err: err}
		}
		return cemsError(err)
	}
	seen := map[string]bool{}
	for _, r := range b.Records {
		if !seen[r.Facility] && facilityView(c, r.Facility) != access.Full {
			return access.Denied(principal(c), "write the CEMS records of facility "+r.Facility)
		}
		seen[r.Facility] = true
	}
	st, err := h.b.IngestCEMS(c.Request().Context(), b)
	if err != nil {
		return cemsError(err)
	}
	return c.JSON(http.StatusOK, st)
}

// cemsError turns a refused CEMS batch into problems: the rows at fault
// as a 400 naming each "line N.column" (up to 50), a conflict with
// stored records as a 409; anything else is the server's.
func cemsError(err error) error {
	var pes ParamErrors
	eachError(err, func(e error) bool {
		fe, ok := e.(*model.FieldError) //nolint:errorlint // eachError unwraps the tree itself
		if !ok || len(pes) >= maxIngestErrors {
			return ok
		}
		name := fmt.Sprintf("line %d", fe.Line)
		if fe.Column != "" {
			name += "." + fe.Column
		}
		reason := fe.Err.Error()
		if fe.Value != "" {
			reason = fmt.Sprintf("%q: %s", fe.Value, reason)
		}
		pes = append(pes, &ParamError{Name: name, Reason: reason, Err: fe})
		return true
	})
	var ce *airpermit.ConflictError
	switch {
	case len(pes) > 0:
		return pes
	case errors.As(err, &ce):
		return &cemsConflictError{ce}
	}
	return fmt.Errorf("ingest CEMS records: %w", err)
}

// cemsConflictError refuses a CEMS batch that contradicts stored records
// (409, a conflict problem); its message names every line.
type cemsConflictError struct{ err *airpermit.ConflictError }

func (e *cemsConflictError) Error() string { return e.err.Error() + "; nothing was stored" }

// Status is 409: the batch contradicts the stored records.
func (e *cemsConflictError) Status() int { return http.StatusConflict }
