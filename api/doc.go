// Package api is envtrace's HTTP interface: a JSON API over echo v4 that
// lets inspectors' web maps and scripts navigate the river network, snap
// stations and outfalls to reaches, trace a bad reading to its likely
// sources, balance loads between stations, check permits and ingest new
// readings; and the web map itself (package api/webmap), served at /.
//
// # Shape
//
// New builds a Server from a typed Config (timeouts and limits, with
// defaults in code) and a Backend. The Backend is the only thing handlers
// talk to. Every server runs a MemoryBackend today: `serve --db` loads
// PostGIS into one at start-up (see Backend), so handlers never know where
// the data came from. Routes are registered by area (operations, network,
// tracing, the web map), each area in its own function, so adding one is a
// new register function and a new Backend interface, not an edit of
// existing handlers.
//
// Areas beyond the network are optional method sets that New detects with
// a type assertion: TracingBackend (stations, facilities, permits, checks,
// trace, balance), OdourBackend (odour rank and trace, air CPF: the REST
// twins of the CLI commands), AirBackend (the sensors' ADF screen,
// hotspots, air-permit checks, sensor ingest), ReadingIngester (POST /api/v1/readings),
// ScenarioBackend (demonstration cases for the web map), ReachLister (the
// whole network as GeoJSON), OGCBackend (OGC API Features at /ogc) and
// Pinger (/healthz) and Readier (/readyz). MemoryBackend implements all but
// Pinger and Readier, which cmd/envtrace's PostGIS wrapper adds; built with
// NewMemoryBackend over a bare network it reports TracingEnabled false and
// only the network routes exist, built with NewMemoryBackendWithBasin it
// serves everything:
//
//	b, _ := basin.New(net, ds, 0)
//	backend, _ := api.NewMemoryBackendWithBasin(b, api.WithScenarios(list))
//	srv, _ := api.New(api.Config{}, backend)
//
// # Conventions
//
//   - Query parameters are parsed into typed structs at the HTTP edge and
//     validated there; unknown or repeated parameters are rejected so that
//     a typo such as distance=5 cannot silently return a whole basin.
//   - Every error is written by one central HTTPErrorHandler as RFC 9457
//     problem JSON (application/problem+json) with an invalid-params list
//     for bad input. Handlers return typed errors (*ParamError,
//     ParamErrors, *NotFoundError) wrapped with %w; nothing else decides a
//     status code, and unexpected errors become a 500 that reveals nothing
//     but the request id.
//   - Geometry leaves the server in EPSG:4326 longitude/latitude order
//     (GeoJSON, RFC 7946), whatever CRS the network is stored in.
//     Coordinates a client sends are X,Y in the CRS named by the crs
//     parameter (lon,lat for geographic systems).
//   - Times a client sends (readings, trace times, balance periods) must be
//     RFC 3339 with a zone offset: a local time without one is ambiguous by
//     eight hours between UTC and Taiwan time. An offset whose '+' arrived
//     as a space (an unencoded query string) is repaired.
//   - Navigation results stream: features are encoded as the backend
//     yields them, through a buffered writer that is flushed to the client
//     periodically, so memory does not grow with the size of a trace. A
//     failure after the first byte has been sent cannot become a problem
//     document any more; the server then aborts the connection so the
//     client sees a truncated transfer instead of a short but valid-looking
//     result.
//
// The OpenAPI 3 document served at /openapi.json describes every route; its
// tests check that each registered route is documented and that handler
// responses validate against it.
package api
