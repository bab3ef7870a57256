package ogc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/gis/crs"
)

// Media types.
const (
	// MediaGeoJSON is the media type of feature responses.
	MediaGeoJSON = "application/geo+json"
	// MediaJSON is the media type of every other resource.
	MediaJSON = "application/json"
	// MediaOpenAPI is the media type of the API definition, as Part 1's
	// OpenAPI 3.0 conformance class names it.
	MediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	// MediaHTML is the media type of the pages for people browsing the
	// service (f=html, or a browser's Accept header).
	MediaHTML = "text/html; charset=utf-8"
)

// Conformance class URIs declared at /conformance.
const (
	ConfCore    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	ConfGeoJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	ConfOAS30   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	ConfCRS     = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
)

// Conformance lists the conformance classes the service implements, for
// clients and tests that check the declaration.
var Conformance = []string{ConfCore, ConfGeoJSON, ConfOAS30, ConfCRS}

// Limit defaults, from the example values of Part 1.
const (
	DefaultLimit = 10
	MaxLimit     = 10000
)

// Config tunes the service. The zero value is usable: every field has a
// default, so callers set only what differs.
type Config struct {
	// Title and Description appear on the landing page and in the API
	// definition; Title defaults to "envtrace OGC API – Features".
	Title       string
	Description string
	// BaseURL is the absolute URL of the service root (the group's
	// prefix, e.g. https://envtrace.example.tw/ogc) as clients see it.
	// Links are built from it. Empty means derive it from each request's
	// scheme, Host header and route, which is right unless a proxy
	// rewrites paths.
	BaseURL string
	// DefaultLimit is the page size when limit is absent (default 10).
	DefaultLimit int
	// MaxLimit is the largest page; larger limits are clamped to it
	// (default 10 000).
	MaxLimit int
	// ServiceDescURL is the href of the landing page's service-desc link.
	// Empty means the definition this package serves at {root}/api;
	// a server that merges these paths into its own OpenAPI document
	// points it there instead.
	ServiceDescURL string
	// Now returns the time reported as timeStamp; time.Now when nil.
	// Tests set it for reproducible output.
	Now func() time.Time
	// LeafletURL is the folder holding leaflet.js and leaflet.css; when
	// set, the HTML items and item pages draw their features on a map.
	// envtrace points it at the web map's vendored copy, so no page loads
	// anything from outside the server.
	LeafletURL string
}

func (c Config) withDefaults() Config {
	if c.Title == "" {
		c.Title = "envtrace OGC API – Features"
	}
	if c.Description == "" {
		c.Description = "River network, monitoring stations, dischargers and latest water-quality readings for environmental enforcement in Taiwan."
	}
	if c.MaxLimit <= 0 {
		c.MaxLimit = MaxLimit
	}
	if c.DefaultLimit <= 0 {
		c.DefaultLimit = DefaultLimit
	}
	if c.DefaultLimit > c.MaxLimit {
		c.DefaultLimit = c.MaxLimit
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

// Route suffixes, relative to the group.
const (
	routeAPI         = "/api"
	routeConformance = "/conformance"
	routeCollections = "/collections"
	routeCollection  = "/collections/:collectionId"
	routeItems       = "/collections/:collectionId/items"
	routeItem        = "/collections/:collectionId/items/:featureId"
)

// Register adds the OGC API – Features routes to g, which the caller has
// rooted where the service lives (envtrace uses /ogc). Handlers return
// *ParamError and *NotFoundError for client mistakes and leave rendering
// them to the echo instance's HTTPErrorHandler. Register panics when src
// is nil, a wiring mistake no request can recover from.
func Register(g *echo.Group, src Source, cfg Config) {
	if src == nil {
		panic("ogc: Register with a nil Source")
	}
	h := &handler{src: src, cfg: cfg.withDefaults()}
	g.GET("", h.landing)
	g.GET("/", h.landing)
	g.GET(routeAPI, h.openAPI)
	g.GET(routeConformance, h.conformance)
	g.GET(routeCollections, h.collections)
	g.GET(routeCollection, h.collection)
	g.GET(routeItems, h.items)
	g.GET(routeItem, h.item)
}

type handler struct {
	src Source
	cfg Config
}

// link is an OGC API link object.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// root returns the absolute URL of the service root for a request served
// by the route with the given suffix.
func (h *handler) root(c echo.Context, suffix string) string {
	if h.cfg.BaseURL != "" {
		return h.cfg.BaseURL
	}
	prefix := strings.TrimSuffix(c.Path(), "/")
	prefix = strings.TrimSuffix(prefix, suffix)
	return c.Scheme() + "://" + c.Request().Host + prefix
}

// withQuery returns href with the query string of v (sorted by key).
func withQuery(href string, v url.Values) string {
	if len(v) == 0 {
		return href
	}
	return href + "?" + v.Encode()
}

// formatMedia and formatTitle describe each format in links.
var (
	formatMedia = map[format]string{formatJSON: MediaJSON, formatGeoJSON: MediaGeoJSON, formatHTML: MediaHTML}
	formatTitle = map[format]string{formatJSON: "as plain JSON", formatGeoJSON: "as GeoJSON", formatHTML: "as HTML"}
)

// selfAndAlternate builds the self link of the current request, in the
// format f it is answered in, and an alternate link for each other format
// the resource offers.
func selfAndAlternate(href string, q url.Values, f format, o offer) []link {
	links := []link{{Href: withQuery(href, q), Rel: "self", Type: formatMedia[f], Title: "this document"}}
	for _, g := range o.formats() {
		if g == f {
			continue
		}
		alt := cloneValues(q)
		alt.Set(paramF, formatName[g])
		links = append(links, link{Href: withQuery(href, alt), Rel: "alternate", Type: formatMedia[g], Title: "this document " + formatTitle[g]})
	}
	return links
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// writeJSON sends a complete JSON document.
func writeJSON(c echo.Context, status int, mediaType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, mediaType, append(b, '\n'))
}

// metaOffer is what the landing page, conformance, collections and
// collection resources are offered as.
var metaOffer = offer{html: true}

// metaFormat validates a non-feature request's parameters and picks its
// format.
func metaFormat(c echo.Context, o offer) (url.Values, format, error) {
	q := c.QueryParams()
	if err := checkParams(q, metaParams); err != nil {
		return q, 0, err
	}
	f, err := parseFormat(q, c.Request().Header.Get(echo.HeaderAccept), o)
	return q, f, err
}

func (h *handler) landing(c echo.Context) error {
	q, f, err := metaFormat(c, metaOffer)
	if err != nil {
		return err
	}
	root := h.root(c, "")
	desc := h.cfg.ServiceDescURL
	if desc == "" {
		desc = root + routeAPI
	}
	links := selfAndAlternate(root, q, f, metaOffer)
	links = append(links,
		link{Href: desc, Rel: "service-desc", Type: MediaOpenAPI, Title: "the API definition (OpenAPI 3.0)"},
		link{Href: root + routeConformance, Rel: "conformance", Type: MediaJSON, Title: "conformance classes implemented"},
		link{Href: root + routeConformance, Rel: "http://www.opengis.net/def/rel/ogc/1.0/conformance", Type: MediaJSON, Title: "conformance classes implemented"},
		link{Href: root + routeCollections, Rel: "data", Type: MediaJSON, Title: "feature collections"},
		link{Href: root + routeCollections, Rel: "http://www.opengis.net/def/rel/ogc/1.0/data", Type: MediaJSON, Title: "feature collections"},
	)
	if f == formatHTML {
		return h.page(c, "landing", h.cfg.Title, root, nil, links, nil)
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{
		"title":       h.cfg.Title,
		"description": h.cfg.Description,
		"links":       links,
	})
}

func (h *handler) conformance(c echo.Context) error {
	q, f, err := metaFormat(c, metaOffer)
	if err != nil {
		return err
	}
	if f == formatHTML {
		root := h.root(c, routeConformance)
		return h.page(c, "conformance", "符合類別 Conformance", root, []crumb{{"符合類別", ""}},
			selfAndAlternate(root+routeConformance, q, f, metaOffer), Conformance)
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{"conformsTo": Conformance})
}

func (h *handler) openAPI(c echo.Context) error {
	q, _, err := metaFormat(c, offer{})
	if err != nil {
		return err
	}
	mt := MediaOpenAPI
	if q.Has(paramF) {
		mt = MediaJSON
	}
	cols, err := h.src.Collections(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, mt, OpenAPI(h.cfg, h.root(c, routeAPI), cols))
}

// collectionJSON is a collection resource.
type collectionJSON struct {
	ID          string   `json:"id"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	ItemType    string   `json:"itemType"`
	Extent      *extent  `json:"extent,omitempty"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs,omitempty"`
	Links       []link   `json:"links"`
}

type extent struct {
	Spatial  *spatialExtent  `json:"spatial,omitempty"`
	Temporal *temporalExtent `json:"temporal,omitempty"`
}

type spatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

type temporalExtent struct {
	Interval [][2]*string `json:"interval"`
	TRS      string       `json:"trs"`
}

func timeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func crsURIs(list []crs.Code) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.URI()
	}
	return out
}

func (h *handler) describe(root string, col Collection) collectionJSON {
	href := root + "/collections/" + url.PathEscape(col.ID)
	out := collectionJSON{
		ID: col.ID, Title: col.Title, Description: col.Description, ItemType: col.ItemType,
		CRS: crsURIs(crsList(col)),
		Links: []link{
			{Href: href, Rel: "self", Type: MediaJSON, Title: "this collection"},
			{Href: href + "/items", Rel: "items", Type: MediaGeoJSON, Title: col.Title + " as GeoJSON"},
			{Href: href + "/items?f=json", Rel: "items", Type: MediaJSON, Title: col.Title + " as plain JSON"},
			{Href: href + "/items?f=html", Rel: "items", Type: MediaHTML, Title: col.Title + " as HTML"},
		},
	}
	if out.ItemType == "" {
		out.ItemType = ItemTypeFeature
	}
	if col.StorageCRS != 0 {
		out.StorageCRS = col.StorageCRS.URI()
	}
	if col.BBox != nil || col.HasTime {
		out.Extent = &extent{}
		if col.BBox != nil {
			out.Extent.Spatial = &spatialExtent{BBox: [][4]float64{*col.BBox}, CRS: crs.CRS84.URI()}
		}
		if col.HasTime {
			out.Extent.Temporal = &temporalExtent{
				Interval: [][2]*string{{timeOrNil(col.TimeStart), timeOrNil(col.TimeEnd)}},
				TRS:      "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
			}
		}
	}
	return out
}

func (h *handler) collections(c echo.Context) error {
	q, f, err := metaFormat(c, metaOffer)
	if err != nil {
		return err
	}
	cols, err := h.src.Collections(c.Request().Context())
	if err != nil {
		return err
	}
	root := h.root(c, routeCollections)
	out := make([]collectionJSON, len(cols))
	for i, col := range cols {
		out[i] = h.describe(root, col)
	}
	links := selfAndAlternate(root+routeCollections, q, f, metaOffer)
	if f == formatHTML {
		return h.page(c, "collections", "圖層 Collections", root, []crumb{{"圖層", ""}}, links, out)
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{
		"links":       links,
		"collections": out,
		"crs":         crsURIs(offeredCRS),
	})
}

// findCollection looks a collection up by its path id.
func (h *handler) findCollection(ctx context.Context, id string) (Collection, error) {
	cols, err := h.src.Collections(ctx)
	if err != nil {
		return Collection{}, err
	}
	for _, col := range cols {
		if col.ID == id {
			return col, nil
		}
	}
	return Collection{}, &NotFoundError{Kind: "collection", ID: id}
}

// pathParam reads a path parameter as the client meant it: echo leaves
// it percent-encoded when the raw path differs from the decoded one.
func pathParam(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath != "" {
		u, err := url.PathUnescape(v)
		if err != nil {
			return "", &ParamError{Name: name, Reason: "malformed percent-encoding"}
		}
		v = u
	}
	return v, nil
}

func (h *handler) collection(c echo.Context) error {
	q, f, err := metaFormat(c, metaOffer)
	if err != nil {
		return err
	}
	id, err := pathParam(c, "collectionId")
	if err != nil {
		return err
	}
	col, err := h.findCollection(c.Request().Context(), id)
	if err != nil {
		return err
	}
	root := h.root(c, routeCollection)
	d := h.describe(root, col)
	if f == formatHTML {
		alt := selfAndAlternate(root+"/collections/"+url.PathEscape(col.ID), q, f, metaOffer)
		return h.page(c, "collection", col.Title, root, []crumb{{"圖層", root + routeCollections + "?f=html"}, {col.Title, ""}}, alt,
			collectionPage{Collection: col, JSON: d})
	}
	return writeJSON(c, http.StatusOK, MediaJSON, d)
}

// contentCRS is the Content-Crs header value for c (Part 2).
func contentCRS(c crs.Code) string { return "<" + c.URI() + ">" }

func mediaOf(f format) string { return formatMedia[f] }

func (h *handler) items(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathParam(c, "collectionId")
	if err != nil {
		return err
	}
	col, err := h.findCollection(ctx, id)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	req, err := parseItems(q, c.Request().Header.Get(echo.HeaderAccept), col, h.cfg)
	if err != nil {
		return err
	}
	ps := &projectors{out: req.out, storage: col.StorageCRS}
	if _, err := ps.get(0); err != nil {
		return err
	}
	root := h.root(c, routeItems)
	href := root + "/collections/" + url.PathEscape(col.ID) + "/items"
	if req.format == formatHTML {
		return h.itemsPage(c, col, req, root, href)
	}

	s := newStream(c, map[string]string{
		echo.HeaderContentType: mediaOf(req.format),
		"Content-Crs":          contentCRS(req.out),
	})
	s.buf = append(s.buf, `{"type":"FeatureCollection","features":[`...)
	returned := 0
	var ferr error
	matched, err := h.src.Items(ctx, col.ID, req.query, func(f Feature) bool {
		if returned >= req.query.Limit {
			return false
		}
		p, err := ps.get(f.CRS)
		if err != nil {
			ferr = err
			return false
		}
		if returned > 0 {
			s.buf = append(s.buf, ',')
		}
		if s.buf, ferr = appendFeature(s.buf, f, p, nil); ferr != nil {
			return false
		}
		returned++
		ferr = s.maybeFlush()
		return ferr == nil
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}

	links := itemsLinks(root, href, q, col, req, returned, matched)
	tail := struct {
		NumberMatched  *int   `json:"numberMatched,omitempty"`
		NumberReturned int    `json:"numberReturned"`
		TimeStamp      string `json:"timeStamp"`
		Links          []link `json:"links"`
	}{NumberReturned: returned, TimeStamp: h.cfg.Now().UTC().Format(time.RFC3339), Links: links}
	if matched >= 0 {
		tail.NumberMatched = &matched
	}
	b, err := json.Marshal(tail)
	if err != nil {
		return err
	}
	s.buf = append(s.buf, "],"...)
	s.buf = append(s.buf, b[1:]...) // the tail's members continue the object
	s.buf = append(s.buf, '\n')
	return s.flush()
}

// itemsLinks are the links of an items page: self and alternates, next
// and prev when there are such pages (in the page's own format), and the
// collection.
func itemsLinks(root, href string, q url.Values, col Collection, req itemsRequest, returned, matched int) []link {
	links := selfAndAlternate(href, q, req.format, featureOffer)
	page := func(offset int, rel, title string) link {
		v := cloneValues(q)
		v.Set(paramOffset, strconv.Itoa(offset))
		v.Set(paramLimit, strconv.Itoa(req.query.Limit))
		if req.format == formatHTML {
			v.Set(paramF, formatName[formatHTML]) // a page chosen by Accept keeps its format when shared
		}
		return link{Href: withQuery(href, v), Rel: rel, Type: mediaOf(req.format), Title: title}
	}
	end := req.query.Offset + returned
	if (matched >= 0 && end < matched) || (matched < 0 && returned == req.query.Limit) {
		links = append(links, page(end, "next", "next page"))
	}
	if req.query.Offset > 0 {
		links = append(links, page(max(0, req.query.Offset-req.query.Limit), "prev", "previous page"))
	}
	return append(links, link{Href: root + "/collections/" + url.PathEscape(col.ID), Rel: "collection", Type: MediaJSON, Title: col.Title})
}

// featureOffer is what items and single features are offered as.
var featureOffer = offer{features: true, html: true}

func (h *handler) item(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathParam(c, "collectionId")
	if err != nil {
		return err
	}
	fid, err := pathParam(c, "featureId")
	if err != nil {
		return err
	}
	col, err := h.findCollection(ctx, id)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	if err := checkParams(q, itemParams); err != nil {
		return err
	}
	f, err := parseFormat(q, c.Request().Header.Get(echo.HeaderAccept), featureOffer)
	if err != nil {
		return err
	}
	out := crs.CRS84
	if q.Has(paramCRS) {
		if out, err = parseCRSParam(paramCRS, q.Get(paramCRS), col); err != nil {
			return err
		}
	}
	feat, err := h.src.Item(ctx, col.ID, fid)
	if err != nil {
		return err
	}
	ps := &projectors{out: out, storage: col.StorageCRS}
	p, err := ps.get(feat.CRS)
	if err != nil {
		return err
	}
	root := h.root(c, routeItem)
	colHref := root + "/collections/" + url.PathEscape(col.ID)
	links := selfAndAlternate(colHref+"/items/"+url.PathEscape(feat.ID), q, f, featureOffer)
	links = append(links, link{Href: colHref, Rel: "collection", Type: MediaJSON, Title: col.Title})
	if f == formatHTML {
		return h.itemPage(c, col, feat, root, links)
	}
	buf, err := appendFeature(nil, feat, p, links)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Crs", contentCRS(out))
	return c.Blob(http.StatusOK, mediaOf(f), append(buf, '\n'))
}
