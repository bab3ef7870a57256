package ogc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/crs"
)

// ItemTypeFeature is the only item type served: every collection holds
// features. It is spelled out because Part 1 lets clients rely on itemType.
const ItemTypeFeature = "feature"

// Collection describes one feature collection. It is what a Source knows
// about a collection before any feature is read, so that the collection
// pages and parameter validation need no feature access.
type Collection struct {
	// ID is the collection's path segment, e.g. "reaches".
	ID string
	// Title and Description are shown to users by GIS clients.
	Title       string
	Description string
	// ItemType is "feature" (ItemTypeFeature) when empty.
	ItemType string
	// StorageCRS is the CRS the Source's geometries are in (crs.CRS84 for
	// longitude/latitude data). It is announced as storageCrs and always
	// offered as an output CRS, because returning data in the CRS it is
	// stored in is exact.
	StorageCRS crs.Code
	// BBox is the spatial extent in CRS84 (min lon, min lat, max lon, max
	// lat), nil when the collection has no geometry.
	BBox *[4]float64
	// HasTime says features carry a time the datetime parameter filters
	// on; collections without one reject datetime.
	HasTime bool
	// TimeStart and TimeEnd are the temporal extent when HasTime; a zero
	// time is an open or unknown end.
	TimeStart, TimeEnd time.Time
	// Filters are the properties an items request may filter on by
	// equality, each as a query parameter of the same name (Part 1's
	// /rec/core/fc-filters): station=WQ-M01&parameter=NH3-N. Parameters
	// not listed here stay unknown parameters, a 400.
	Filters []Filter
}

// Filter is one property a collection's items can be selected by.
type Filter struct {
	// Name is the property and the query parameter.
	Name string
	// Description is shown in the API definition and the HTML pages.
	Description string
}

// Interval is a closed time interval from the datetime parameter; a zero
// Start or End is open. An instant has Start equal to End.
type Interval struct {
	Start, End time.Time
}

// Contains reports whether t lies in the interval (ends included), which is
// the datetime test for features with an instant as their time.
func (iv Interval) Contains(t time.Time) bool {
	if !iv.Start.IsZero() && t.Before(iv.Start) {
		return false
	}
	if !iv.End.IsZero() && t.After(iv.End) {
		return false
	}
	return true
}

// Query is a validated items request as the Source sees it. The handler
// has already checked every value, converted the bounding box and applied
// the limit rules, so a Source only filters and pages.
type Query struct {
	// BBox is the bounding box in CRS84 (min lon, min lat, max lon, max
	// lat), nil for no spatial filter. A box given in a projected bbox-crs
	// is converted to the CRS84 bounds of its outline. When BBox[0] >
	// BBox[2] the box crosses the antimeridian.
	BBox *[4]float64
	// BBoxCRS is the CRS the client gave the box in (crs.CRS84 when
	// bbox-crs was absent), and BBoxInCRS the box in that CRS with the
	// easting (longitude) first whatever the CRS's axis order. A Source
	// that can test geometries in BBoxCRS should use BBoxInCRS: the box is
	// a rectangle there, and only approximately one in CRS84.
	BBoxCRS   crs.Code
	BBoxInCRS *[4]float64
	// Datetime filters features by their time; nil for no filter. It is
	// only set for collections with HasTime.
	Datetime *Interval
	// Properties holds the equality filters of the request, by property
	// name; only names in the collection's Filters appear. The Source
	// decides what equal means (it may accept aliases of a value).
	Properties map[string]string
	// Limit is the page size, 1 to Config.MaxLimit.
	Limit int
	// Offset is the number of matching features to skip.
	Offset int
}

// Feature is one feature as a Source yields it. Geometries stay in the
// Source's CRS; the handler transforms them to the requested CRS while
// encoding, so a Source never allocates a reprojected copy.
type Feature struct {
	// ID is the feature id, unique within its collection and usable in
	// the items/{featureId} path.
	ID string
	// Geometry may be nil (a facility with no known location). The
	// handler only reads it, so a Source may hand out shared geometry.
	Geometry orb.Geometry
	// CRS is the CRS of Geometry; 0 means the collection's StorageCRS.
	CRS crs.Code
	// Properties become the GeoJSON properties. Values must be
	// JSON-encodable; non-finite float64 values are written as null.
	Properties map[string]any
}

// Source is where the service's data come from. It exists so that the
// in-memory network and a PostGIS database can serve the same API; the
// handlers do everything else (parameter validation, CRS conversion,
// encoding, links). Implementations must be safe for concurrent use.
type Source interface {
	// Collections lists the collections in the order they are shown.
	Collections(ctx context.Context) ([]Collection, error)
	// Items yields the features of a collection that match q, in an order
	// that is stable between requests (so that offset paging neither skips
	// nor repeats), skipping the first q.Offset matches and yielding at
	// most q.Limit, until yield returns false. It returns the number of
	// features matching the filters regardless of paging, or -1 when
	// counting is too expensive. An unknown collection is an error
	// wrapping ErrNotFound; a cancelled ctx returns ctx.Err().
	Items(ctx context.Context, collection string, q Query, yield func(Feature) bool) (numberMatched int, err error)
	// Item returns one feature by id; unknown collections and ids are
	// errors wrapping ErrNotFound.
	Item(ctx context.Context, collection, id string) (Feature, error)
}

// ErrNotFound is wrapped by every "no such collection or feature" error,
// so callers and Sources can test for it with errors.Is whatever the
// concrete error type.
var ErrNotFound = errors.New("not found")

// NotFoundError says a collection or feature does not exist. It carries
// what was looked for so that the problem document can name it.
type NotFoundError struct {
	// Kind is "collection" or "feature".
	Kind string
	// ID is the identifier as the client gave it.
	ID string
	// Collection is the collection searched for a feature, "" for
	// collections.
	Collection string
}

// Error names the missing object.
func (e *NotFoundError) Error() string {
	if e.Collection != "" {
		return fmt.Sprintf("%s %q does not exist in collection %q", e.Kind, e.ID, e.Collection)
	}
	return fmt.Sprintf("%s %q does not exist", e.Kind, e.ID)
}

// Unwrap makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// Status is the HTTP status the error maps to (404), for central error
// handlers that look for a Status() int method.
func (e *NotFoundError) Status() int { return http.StatusNotFound }

// ParamError reports one invalid, unknown or repeated query parameter. It
// names the parameter so that a client (or a form) can point at it.
type ParamError struct {
	// Name is the parameter as the client spelt it.
	Name string
	// Reason says what is wrong, in words meant for the client.
	Reason string
}

// Error names the parameter and the reason.
func (e *ParamError) Error() string { return fmt.Sprintf("parameter %s: %s", e.Name, e.Reason) }

// Status is the HTTP status the error maps to (400).
func (e *ParamError) Status() int { return http.StatusBadRequest }

// InvalidParam names the parameter and the reason. It is the method the
// envtrace server's central error handler (api.ParamNamer) reads to list
// the parameter in the problem's invalid-params without importing this
// package.
func (e *ParamError) InvalidParam() (name, reason string) { return e.Name, e.Reason }

// StatusOf returns the HTTP status an error from this package stands for:
// the Status() of the first error in its chain that has one, 404 for
// anything wrapping ErrNotFound, and 500 otherwise. It exists for error
// handlers that do not know this package's types.
func StatusOf(err error) int {
	var s interface{ Status() int }
	switch {
	case errors.As(err, &s):
		return s.Status()
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}
