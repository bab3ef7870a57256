package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/hydro"
)

// Backend is what every server needs from its data: the river network.
// Handlers see data only through this interface and the optional ones
// below, so they never know where the data live.
//
// Today every backend is a MemoryBackend: `serve --data` builds one from a
// data directory, and `serve --db` loads the network and dataset from
// PostGIS into one at start-up and wraps it (cmd/envtrace's dbBackend) to
// add Pinger, Readier, durable ingest and the readings other replicas store
// (MemoryBackend.ApplyReadings). A backend that queries PostGIS per
// request would implement the same interfaces.
//
// Each further area is its own optional interface, detected by New with a
// type assertion, which registers that area's routes only when the backend
// implements it: TracingBackend (stations, facilities, permits, checks,
// trace, balance; gated by TracingAvailability), ReadingIngester,
// ScenarioBackend, ReachLister, OGCBackend, Pinger and Readier.
type Backend interface {
	NetworkBackend
}

// NetworkBackend answers the river-network endpoints. Every method takes the
// request context and must stop promptly when it is done, because the
// server's per-request deadline is carried there.
//
// Geometry comes back across this interface in EPSG:4326 longitude/latitude,
// and points go in with their own CRS (SnapRequest.CRS), so a backend
// transforms to and from its storage CRS itself (in Go for the in-memory
// network, with ST_Transform in PostGIS).
type NetworkBackend interface {
	// NetworkInfo summarises the network for GET /api/v1/network.
	NetworkInfo(ctx context.Context) (NetworkInfo, error)
	// Reach returns one reach's attributes and geometry. An unknown id is a
	// *NotFoundError wrapping hydro.ErrUnknownReach.
	Reach(ctx context.Context, id string) (ReachInfo, error)
	// Navigate streams the reaches a navigation reaches to yield, in no
	// particular order, until yield returns false. It never collects the
	// whole result. An unknown start is a *NotFoundError wrapping
	// hydro.ErrUnknownReach; a coastline start wraps hydro.ErrNotNavigable;
	// cancellation or deadline returns the context's error.
	Navigate(ctx context.Context, req NavigateRequest, yield func(NavigateHit) bool) error
	// Snap finds the reaches nearest a point, nearest first. A network
	// without geometry returns an error wrapping hydro.ErrNoGeometry; a
	// point the network's CRS cannot represent wraps ErrPointOutOfRange.
	Snap(ctx context.Context, req SnapRequest) ([]SnapCandidate, error)
}

// Pinger is an optional Backend method set for backends with something to
// lose (a database connection). When the backend implements it, /healthz
// calls Ping and reports 503 on failure, so an orchestrator restarts or
// drains an instance that can no longer answer.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Readier is an optional Backend method set for backends that can be alive
// but not fit to take traffic: a `serve --db` replica whose readings
// follower lost the database serves stale readings until it catches up.
// /readyz calls Ready and reports 503 while it fails, so a load balancer
// sends requests to the other replicas meanwhile; without Readier, /readyz
// answers like /healthz.
type Readier interface {
	Ready(ctx context.Context) error
}

// ErrPointOutOfRange is wrapped by backends when a point is valid in its own
// CRS but cannot be placed in the network's (for instance 90° of longitude
// from a Transverse Mercator zone's central meridian), so the handler can
// blame the point parameter rather than the server.
var ErrPointOutOfRange = errors.New("point is outside the area the network's CRS can represent")

// ErrNoNetworkCRS is returned when a geographic point must be placed on a
// network whose projected CRS is unknown (SRID 0), which no transformation
// can do; the fix is to load the network with its CRS.
var ErrNoNetworkCRS = errors.New("the network's coordinate reference system is unknown")

// NotFoundError says a named object does not exist. It carries the id so
// that the problem document can name it, and unwraps to a sentinel such as
// hydro.ErrUnknownReach so callers can test the kind with errors.Is.
type NotFoundError struct {
	// Kind is what was looked for, e.g. "reach".
	Kind string
	// ID is the identifier as the client gave it.
	ID string
	// Err is the sentinel this error stands for.
	Err error
}

// Error says what was not found, naming the id; it is shown to clients.
func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q does not exist", e.Kind, e.ID) }

// Unwrap exposes the sentinel to errors.Is.
func (e *NotFoundError) Unwrap() error { return e.Err }

// Status is the HTTP status the error maps to (404).
func (e *NotFoundError) Status() int { return http.StatusNotFound }

// unknownReach is the error every backend returns for a missing reach id.
func unknownReach(id string) error {
	return &NotFoundError{Kind: "reach", ID: id, Err: hydro.ErrUnknownReach}
}

// NetworkInfo is the network summary: enough for a client to check it is
// talking to the network it expects.
type NetworkInfo struct {
	// Reaches and LengthKm measure the whole network.
	Reaches  int
	LengthKm float64
	// Outlets, Headwaters and Divergences count river mouths and sinks,
	// reaches with nothing upstream, and minor-divergence edges.
	Outlets     int
	Headwaters  int
	Divergences int
	// MaxOrder is the largest Strahler stream order.
	MaxOrder int
	// Topology says where the topology came from (NHDPlus attributes,
	// id → toid, nodes, or geometry), which bounds how far to trust it.
	Topology hydro.Topology
	// SRID is the EPSG code of the stored geometry, 0 when unknown.
	SRID int
	// Geographic says stored coordinates are lon/lat degrees.
	Geographic bool
	// HasGeometry says reaches have polylines (snapping and GeoJSON need
	// them).
	HasGeometry bool
	// Problems counts the warnings found while building the network.
	Problems int
	// LargestOutlets lists up to 20 outlets, most reaches upstream first.
	LargestOutlets []OutletInfo
}

// OutletInfo describes one outlet: a river mouth or a sink.
type OutletInfo struct {
	ID string
	// Reaches drain to the outlet, itself included; UpstreamKm is their
	// total length.
	Reaches    int
	UpstreamKm float64
	// End is the outlet's last vertex in EPSG:4326, nil when unknown.
	End *orb.Point
}

// ReachInfo is one reach as GET /api/v1/reaches/{id} reports it.
type ReachInfo struct {
	Attrs hydro.Attrs
	// UpstreamReaches counts the reaches on the main-path tree above this
	// one, itself included (a drainage-size proxy).
	UpstreamReaches int
	// Geometry is the reach polyline in EPSG:4326, nil when the backend
	// holds no geometry or cannot place it.
	Geometry orb.LineString
}

// NavigateRequest is a validated navigation query by reach id; the handler
// snaps a start point to an id first.
type NavigateRequest struct {
	// Start is the external id of the start reach.
	Start string
	Mode  hydro.Mode
	// DistanceKm limits the result when HasDistance is set; a limit of 0
	// keeps only the start, as NLDI does.
	DistanceKm  float64
	HasDistance bool
	MaxHours    float64 // 0 = no limit
	SkipMinor   bool
	// Geometry asks for reach polylines; backends skip the work otherwise.
	Geometry bool
}

// NavigateHit is one reach of a navigation result.
type NavigateHit struct {
	ReachID string
	// Name is the stream name, "" when unknown.
	Name string
	// DistanceKm and TravelHours are the network distance and travel time
	// from the start, as hydro.Hit defines them.
	DistanceKm  float64
	TravelHours float64
	StreamOrder int
	// Geometry is in EPSG:4326 and valid only during the yield call: a
	// backend may reuse its storage for the next hit. Nil when not asked
	// for or not available.
	Geometry orb.LineString
}

// SnapRequest asks for the K reaches nearest Point.
type SnapRequest struct {
	// Point is (x, y) in CRS; for geographic systems that is (lon, lat).
	Point orb.Point
	CRS   crs.Code
	K     int
	// MaxDistanceM bounds the search; 0 means any distance.
	MaxDistanceM float64
}

// SnapCandidate is one reach near a snapped point.
type SnapCandidate struct {
	ReachID string
	// Measure runs 0–100 from the reach's downstream end (NHDPlus style).
	Measure float64
	// OffsetM is the distance from the point to the reach in metres.
	OffsetM float64
	// StreamOrder lets a client notice that the nearest reach is a small
	// tributary beside the river it meant.
	StreamOrder int
	// Point is the snapped position in EPSG:4326, nil when unknown.
	Point *orb.Point
	// ReachCode and ReachCodeMeasure are the NHD reach code and the
	// NHDPlus measure on it (hydro.Snap), "" and 0 when the network's
	// source has no REACHCODE, FROMMEAS and TOMEAS.
	ReachCode        string
	ReachCodeMeasure float64
}
