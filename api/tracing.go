package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/tracing/balance"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/permits"
	"github.com/envtrace/envtrace/tracing/rpi"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// TracingBackend answers the pollution-tracing endpoints: the monitoring
// stations and their readings, the controlled facilities with their
// outfalls, permits and limits, permit rationality checks, suspect
// tracing and load balances. It is a separate interface from
// NetworkBackend because a backend can hold a river network without any
// enforcement data; New registers the tracing routes only when the backend
// implements it (and, for backends that implement TracingAvailability,
// says it is enabled).
//
// The result types of the tracing engine (suspect.Result, balance.Report,
// permits.Report) cross the interface as they are: they are already the
// JSON contract of the CLI, and an HTTP answer that differed from
// `envtrace trace --json` would confuse the inspectors who use both.
// Records travel as model types or as the small Info types below, with
// positions in EPSG:4326 like every geometry of this package.
//
// Every method takes the request context and must stop when it is done.
// Unknown ids are *NotFoundError values (Kind "station", "facility",
// "permit"); input the data cannot answer (a station off the network, no
// river flow known) is a *TracingInputError naming the parameter to fix.
type TracingBackend interface {
	// Stations lists every monitoring station in id order, each with its
	// latest RPI when one can be computed.
	Stations(ctx context.Context) ([]StationInfo, error)
	// Station returns one station with the latest reading of every
	// parameter measured there.
	Station(ctx context.Context, id string) (StationDetail, error)
	// StationRPI returns the River Pollution Index of every sample of a
	// station that measured its four inputs together, oldest first.
	StationRPI(ctx context.Context, id string) ([]RPIInfo, error)
	// FacilityEffluent returns every reported value of a facility judged
	// against the permit limit it answers to, in report order: the data
	// of its effluent chart.
	FacilityEffluent(ctx context.Context, id string) ([]permits.Compared, error)
	// Readings returns a station's readings matching q, oldest first, at
	// most q.Limit of them (Truncated says whether more matched).
	Readings(ctx context.Context, q ReadingsQuery) (ReadingsPage, error)
	// Facilities lists every facility in id order with its outfalls.
	Facilities(ctx context.Context) ([]FacilityInfo, error)
	// Facility returns one facility with its outfalls and permits (each
	// with its limits).
	Facility(ctx context.Context, id string) (FacilityDetail, error)
	// Permit returns one permit with its limits.
	Permit(ctx context.Context, id string) (PermitInfo, error)
	// PermitChecks runs every permit rationality check over the data.
	PermitChecks(ctx context.Context) (*permits.Report, error)
	// FacilityChecks returns the rationality findings of one facility (an
	// empty list when it has none); an unknown facility is a
	// *NotFoundError.
	FacilityChecks(ctx context.Context, id string) ([]permits.Finding, error)
	// Trace ranks the suspects of one bad reading. An unknown station is a
	// *NotFoundError; the reading itself has been validated by the caller
	// (parameter, unit, finite value, time with zone).
	Trace(ctx context.Context, req TraceRequest) (*TraceResult, error)
	// Balance computes the load balance of one parameter over a period.
	Balance(ctx context.Context, parameter string, from, to time.Time) (*balance.Report, error)
}

// TracingAvailability is an optional method set for backend types that
// implement TracingBackend but may have been built without enforcement
// data (MemoryBackend over a bare network): New asks it before
// registering the tracing routes, so such a server answers 404 for them
// instead of a 500 on every call.
type TracingAvailability interface {
	TracingEnabled() bool
}

// ReadingIngester is an optional method set for backends that accept new
// river readings (POST /api/v1/readings). Its signature is the one of the
// store package's IngestReadings, so a durable sink (cmd/envtrace's
// PostGIS ingest, see WithIngestSink) forwards to it.
//
// Readings arrive validated and canonical (model.Reading.Canonical:
// parameter id, value in the parameter's unit, flow in m³/s, time with its
// zone). The call is all or nothing: a reading the backend rejects (an
// unknown station) is returned as a *model.FieldError of file readings.csv
// whose Record is the reading's index, joined with the others by
// errors.Join, and nothing is stored. A reading whose (station, time,
// parameter) is stored already with the same value, or repeats an earlier
// one of the same call, is skipped and counted as a duplicate, so a feed
// may re-send a batch whose acknowledgement it lost; one with another value
// is a *model.ConflictError (a 409 naming both values) and nothing is
// stored (model.SortNew is the rule).
type ReadingIngester interface {
	IngestReadings(ctx context.Context, readings []model.Reading) (inserted, duplicates int, err error)
}

// ScenarioBackend is an optional method set for backends that know
// demonstration scenarios (bad readings with a known cause, such as the
// central-Taiwan fixture's). The web map offers them in a picker; a
// backend without them gets an empty list, so package api never depends on
// the fixtures.
type ScenarioBackend interface {
	Scenarios(ctx context.Context) ([]Scenario, error)
}

// ReachLister is an optional method set for backends that can stream their
// whole network, for GET /api/v1/network.geojson: a web map with no tile
// server draws the rivers from it.
type ReachLister interface {
	// Reaches yields every reach with its geometry in EPSG:4326 (nil when
	// there is none), in no particular order, until yield returns false.
	// The geometry is valid only during the yield call.
	Reaches(ctx context.Context, yield func(NavigateHit) bool) error
}

// Scenario is a demonstration reading whose cause is known. Its fields and
// JSON names are those of fixtures.Scenario, so the command converts with
// one function (cmd/envtrace apiScenarios) that a test checks field by
// field.
type Scenario struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	Station     string    `json:"station"`
	Parameter   string    `json:"parameter"`
	Value       float64   `json:"value"`
	Unit        string    `json:"unit"`
	Time        time.Time `json:"time"`
	FlowM3s     float64   `json:"flow_m3s"`
	// Culprit is the facility that caused the reading; empty when the
	// source is unpermitted.
	Culprit string `json:"culprit,omitempty"`
	// UnexplainedBetween names [upstream station, station] around an
	// unpermitted source.
	UnexplainedBetween []string `json:"unexplained_between,omitempty"`
	// TravelHours is the design travel time from the source to the
	// station.
	TravelHours float64 `json:"travel_hours,omitempty"`
}

// RPIInfo is a station's River Pollution Index from one sample.
type RPIInfo struct {
	Index float64
	Class rpi.Class
	// Time is when the sample that gave the index was taken.
	Time time.Time
	// Points holds each input's score (1, 3, 6 or 10).
	Points map[string]int
}

// StationInfo is a monitoring station as the station list shows it.
type StationInfo struct {
	Station model.Station
	// Position is the station in EPSG:4326.
	Position orb.Point
	// Place is where the station sits on the network, nil when it is too
	// far from any reach to be traced from.
	Place *PlaceInfo
	// RPI is the index of the station's latest sample that measured DO,
	// BOD5, SS and NH3-N together; nil when there is none.
	RPI *RPIInfo
	// LatestTime is the time of the station's latest reading, zero when it
	// has none.
	LatestTime time.Time
}

// PlaceInfo locates a point on the network.
type PlaceInfo struct {
	Reach string
	// Measure runs 0–100 from the reach's downstream end.
	Measure float64
	OffsetM float64
}

// StationDetail is one station with its latest readings.
type StationDetail struct {
	StationInfo
	// Latest holds the latest reading of each parameter, by parameter id.
	Latest []model.Reading
}

// ReadingsQuery selects readings of one station.
type ReadingsQuery struct {
	Station string
	// Parameter is a canonical parameter id; "" selects all.
	Parameter string
	// From and To bound the time, From inclusive and To exclusive; zero
	// means open.
	From, To time.Time
	// Limit bounds the result; the handler always sets it.
	Limit int
}

// ReadingsPage is a bounded list of readings.
type ReadingsPage struct {
	Readings []model.Reading
	// Truncated says more readings matched than Limit.
	Truncated bool
}

// OutfallInfo is a facility's discharge point.
type OutfallInfo struct {
	Outfall  model.Outfall
	Position orb.Point
	Place    *PlaceInfo
}

// FacilityInfo is a facility as the facility list shows it.
type FacilityInfo struct {
	Facility model.Facility
	// Position is the site, or the first outfall when the site is
	// unknown (LocationSource says which); nil when neither is known.
	Position       *orb.Point
	LocationSource string
	Outfalls       []OutfallInfo
}

// PermitInfo is a permit with its limits.
type PermitInfo struct {
	Permit       model.Permit
	FacilityName string
	Limits       []model.PermitLimit
}

// FacilityDetail is one facility with its permits.
type FacilityDetail struct {
	FacilityInfo
	Permits []PermitInfo
	// Downstream lists the monitoring stations below the facility's
	// outfalls, nearest first.
	Downstream []NearbyStation
}

// NearbyStation is a monitoring station below a facility, with the
// distance and travel time along the river from the nearest outfall.
type NearbyStation struct {
	Station     string
	DistanceKm  float64
	TravelHours float64
}

// TraceRequest is a validated trace: the reading and the travel-time
// horizon.
type TraceRequest struct {
	suspect.Request
	// MaxHours bounds how far upstream (in travel time) to look.
	MaxHours float64
}

// TraceVersioner is a TracingBackend whose trace answers are a function
// of the request and a version of its data: the server keeps rendered
// answers under the version (Config.TraceCacheBytes), and a change of the
// data must change the version. A backend that is not one gets no cache.
type TraceVersioner interface {
	TraceVersion() uint64
}

// TraceResult is the engine's answer plus what a map needs to draw it.
type TraceResult struct {
	Result *suspect.Result
	// StationPosition is the traced station in EPSG:4326.
	StationPosition orb.Point
	// Outfalls holds the position (EPSG:4326) of every outfall named in
	// the result, by OutfallKey.
	Outfalls map[model.OutfallKey]orb.Point
}

// Problem type of tracing input the data cannot answer.
const (
	// ProblemUntraceable: the reading cannot be traced or balanced with
	// the data held (the station is off the network, no river flow is
	// known, the parameter carries no load); invalid-params names what to
	// change.
	ProblemUntraceable = "urn:envtrace:problem:untraceable"
)

// TracingInputError says a well-formed tracing request cannot be answered
// with the data held, and which parameter the client can change to make it
// answerable (give flow, pick another station). It becomes a 422 problem.
type TracingInputError struct {
	// Param is the request parameter to change.
	Param string
	// Reason is shown to the client.
	Reason string
	Err    error
}

// Error names the parameter and the reason.
func (e *TracingInputError) Error() string {
	return fmt.Sprintf("parameter %s: %s", e.Param, e.Reason)
}

// Unwrap exposes the cause.
func (e *TracingInputError) Unwrap() error { return e.Err }

// Status is 422: the request is well formed but the data cannot answer it.
func (e *TracingInputError) Status() int { return http.StatusUnprocessableEntity }

// InvalidParam names the parameter for the problem's invalid-params.
func (e *TracingInputError) InvalidParam() (name, reason string) { return e.Param, e.Reason }

// ErrNoTracingData is returned by MemoryBackend's tracing methods when it
// was built without a basin.
var ErrNoTracingData = errors.New("api: the backend holds no tracing data")

// Not-found errors of the tracing area.
func unknownStation(id string) error {
	return &NotFoundError{Kind: "station", ID: id, Err: suspect.ErrUnknownStation}
}

// ErrUnknownFacility and ErrUnknownPermit are the sentinels of the
// tracing area's not-found errors, for errors.Is.
var (
	ErrUnknownFacility = errors.New("unknown facility")
	ErrUnknownPermit   = errors.New("unknown permit")
)

func unknownFacility(id string) error {
	return &NotFoundError{Kind: "facility", ID: id, Err: ErrUnknownFacility}
}

func unknownPermit(id string) error {
	return &NotFoundError{Kind: "permit", ID: id, Err: ErrUnknownPermit}
}
