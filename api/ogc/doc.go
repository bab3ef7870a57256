// Package ogc serves envtrace's river network and monitoring data as an
// OGC API – Features service (Part 1: Core with GeoJSON and OpenAPI 3.0,
// Part 2: Coordinate Reference Systems by Reference), so that desktop GIS
// (QGIS, ArcGIS Pro), GDAL/OGR (the OAPIF driver) and web maps can read
// reaches, stations, facilities, outfalls and the latest readings without
// a bespoke client.
//
// # Mounting
//
// Register adds the routes to an echo group that the caller has rooted
// where the service should live (the envtrace server uses /ogc):
//
//	g := e.Group("/ogc")
//	ogc.Register(g, src, ogc.Config{Title: "envtrace"})
//
// which serves
//
//	GET /ogc                                      landing page
//	GET /ogc/api                                  OpenAPI 3.0 definition
//	GET /ogc/conformance                          conformance declaration
//	GET /ogc/collections                          collection list
//	GET /ogc/collections/{collectionId}           one collection
//	GET /ogc/collections/{collectionId}/items     features (GeoJSON, JSON or HTML)
//	GET /ogc/collections/{collectionId}/items/{featureId}
//
// Data come from a Source, an interface small enough for the in-memory
// MemorySource (a hydro.Network plus a model.Dataset, what envtrace serves
// today) and a database-backed source to implement alike. OpenAPI returns the definition served at
// /ogc/api; a server that keeps a single OpenAPI document can merge its
// paths and point Config.ServiceDescURL there.
//
// # Feature responses
//
// Items pages are streamed: features are encoded as the Source yields
// them, reprojected vertex by vertex, and the body is committed once 256
// KiB are buffered. An error before that becomes a normal error response;
// an error after it (a client gone, a failing database) is returned with
// the response already committed, and the caller's handler must abort the
// connection so the client sees a truncated transfer.
//
// A feature matches bbox when its vertices, joined by straight segments in
// the bbox's CRS, touch the box (boundary included). MemorySource finds
// candidate reaches with an R-tree in the storage CRS and tests them
// exactly; numberMatched is exact.
//
// # Errors
//
// Handlers return errors instead of writing error bodies, so that the
// caller's central echo HTTPErrorHandler renders every failure the same way
// (RFC 9457 problem JSON in envtrace). Every error this package creates
// has a Status() int method: *ParamError (400, naming the parameter
// through InvalidParam() (name, reason string)) and *NotFoundError (404,
// wrapping ErrNotFound). These are the StatusError and ParamNamer
// conventions of package api's error handler. Anything else is a server
// fault.
//
// # Choices the specification leaves open
//
//   - Unknown query parameters are rejected with 400, as Part 1
//     (/req/core/query-param-unknown) asks: a misspelt "bbx" must not
//     silently return an unfiltered collection. A parameter given twice
//     is rejected for the same reason.
//   - limit accepts 1 to Config.MaxLimit (default 10 000, the spec's
//     example maximum), default Config.DefaultLimit (10). A larger value is
//     clamped to the maximum rather than rejected, as Part 1 requires
//     (a client asking for "everything" gets the largest page and follows
//     next links); 0, negative and non-integer values are a 400.
//   - offset (a non-negative integer) pages through the result; the next
//     and prev links carry every query parameter of the request, so a
//     client that only follows links sees a consistent result.
//   - datetime takes an RFC 3339 date-time, a full date (the whole UTC
//     day), or an interval "start/end" with ".." or an empty string for
//     an open end. Giving it for a collection without a time dimension is
//     a 400: such a collection's API definition has no datetime parameter.
//   - bbox takes 4 numbers (or 6 with a height range, which is checked and
//     then ignored: all data are 2D) in the axis order of bbox-crs, so
//     EPSG:4326 is latitude first. In geographic CRSs a west edge east of
//     the east edge crosses the antimeridian.
//   - crs selects the output CRS from each collection's list (CRS84,
//     EPSG:4326, EPSG:3826 and the storage CRS). EPSG:4326 output is
//     latitude, longitude as its EPSG definition says; CRS84, the default,
//     is longitude, latitude. Every feature response names its CRS in the
//     Content-Crs header.
//   - Items are GeoJSON (application/geo+json); f=json or an Accept header
//     that asks only for application/json returns the same document as
//     application/json for clients that do not know the GeoJSON media
//     type. Other resources are application/json (the API definition is
//     application/vnd.oai.openapi+json;version=3.0). Every resource but the
//     API definition is also an HTML page (html.go), chosen by f=html or
//     by an Accept header that lists text/html first, as browsers send and
//     GIS clients never do. An unsupported f value is a 400; an Accept
//     header is never refused.
//   - A collection may name properties its items can be filtered on by
//     equality (Collection.Filters; readings-latest takes station and
//     parameter). Each is a query parameter of the same name, listed in
//     the API definition; elsewhere it is an unknown parameter.
//   - Coordinates are written with 8 decimals for degrees (about 1 mm) and
//     3 for metres.
package ogc
