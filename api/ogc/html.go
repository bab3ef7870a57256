package ogc

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/gis/crs"
)

// The HTML pages let a person explore the service in a browser, as
// pg_featureserv and gokoala offer: the landing page, the collection list,
// each collection, a page of items as a table (and a map when
// Config.LeafletURL is set) and one item. They are what a browser gets by
// default (its Accept header puts text/html first) and what f=html asks
// for. Labels are in Traditional Chinese with the OGC terms beside them,
// and times in Taiwan time, for the agencies' staff; the data themselves
// are as the JSON has them.

// taipei is the zone the pages show times in.
var taipei = time.FixedZone("Asia/Taipei", 8*3600)

// crumb is one step of a page's breadcrumb; the last has no link.
type crumb struct{ Title, Href string }

// pageData is what every page template receives.
type pageData struct {
	Kind    string // which body to render
	Title   string
	Service string
	Home    string // the landing page as HTML
	Crumbs  []crumb
	Links   []link // self and alternates
	Leaflet string
	Body    any
}

// collectionPage is the body of a collection page.
type collectionPage struct {
	Collection Collection
	JSON       collectionJSON
}

// itemsPage is the body of an items page.
type itemsBody struct {
	Collection  Collection
	Columns     []string
	Rows        []itemRow
	Matched     int // -1 when unknown
	First, Last int
	Next, Prev  string
	TimeStamp   string
	GeoJSON     template.JS // the page's features in CRS84, for the map
}

// itemRow is one feature of the items table.
type itemRow struct {
	ID, Href string
	Cells    []string
}

// itemBody is the body of an item page.
type itemBody struct {
	Collection Collection
	ID         string
	Properties [][2]string
	GeoJSON    template.JS
}

// page renders one HTML page.
func (h *handler) page(c echo.Context, kind, title, root string, crumbs []crumb, links []link, body any) error {
	d := pageData{Kind: kind, Title: title, Service: h.cfg.Title, Home: root + "?f=html", Crumbs: crumbs,
		Links: links, Leaflet: h.cfg.LeafletURL, Body: body}
	var buf bytes.Buffer
	if err := pages.Execute(&buf, d); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// cell writes a property value for a table cell.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		if x {
			return "是 true"
		}
		return "否 false"
	case int:
		return strconv.Itoa(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// mapGeoJSON encodes features in CRS84 for the page's map.
func mapGeoJSON(storage crs.Code, feats []Feature) (template.JS, error) {
	ps := &projectors{out: crs.CRS84, storage: storage}
	buf := []byte(`{"type":"FeatureCollection","features":[`)
	for i, f := range feats {
		p, err := ps.get(f.CRS)
		if err != nil {
			return "", err
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		if buf, err = appendFeature(buf, f, p, nil); err != nil {
			return "", err
		}
	}
	// encoding/json escapes <, > and & in every string, so the document
	// cannot close the script element it is written into.
	return template.JS(append(buf, "]}"...)), nil
}

// itemsPage answers an items request with f=html: the same features, the
// same paging, as a table and a map.
func (h *handler) itemsPage(c echo.Context, col Collection, req itemsRequest, root, href string) error {
	var feats []Feature
	matched, err := h.src.Items(c.Request().Context(), col.ID, req.query, func(f Feature) bool {
		if len(feats) >= req.query.Limit {
			return false
		}
		feats = append(feats, f)
		return true
	})
	if err != nil {
		return err
	}
	q := c.QueryParams()
	links := itemsLinks(root, href, q, col, req, len(feats), matched)
	body := itemsBody{Collection: col, Matched: matched, First: req.query.Offset + 1, Last: req.query.Offset + len(feats),
		TimeStamp: h.cfg.Now().In(taipei).Format("2006-01-02 15:04:05 (UTC+8)")}
	for _, l := range links {
		switch l.Rel {
		case "next":
			body.Next = l.Href
		case "prev":
			body.Prev = l.Href
		}
	}
	for _, f := range feats {
		for k := range f.Properties {
			if !slices.Contains(body.Columns, k) {
				body.Columns = append(body.Columns, k)
			}
		}
	}
	slices.Sort(body.Columns)
	for _, f := range feats {
		row := itemRow{ID: f.ID, Href: href + "/" + url.PathEscape(f.ID) + "?f=html"}
		for _, k := range body.Columns {
			row.Cells = append(row.Cells, cell(f.Properties[k]))
		}
		body.Rows = append(body.Rows, row)
	}
	if body.GeoJSON, err = mapGeoJSON(col.StorageCRS, feats); err != nil {
		return err
	}
	colHref := root + "/collections/" + url.PathEscape(col.ID)
	return h.page(c, "items", col.Title, root, []crumb{{"圖層", root + routeCollections + "?f=html"},
		{col.Title, colHref + "?f=html"}, {"圖徵 Items", ""}}, links, body)
}

// itemPage answers a single feature with f=html.
func (h *handler) itemPage(c echo.Context, col Collection, f Feature, root string, links []link) error {
	body := itemBody{Collection: col, ID: f.ID}
	keys := make([]string, 0, len(f.Properties))
	for k := range f.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		body.Properties = append(body.Properties, [2]string{k, cell(f.Properties[k])})
	}
	var err error
	if body.GeoJSON, err = mapGeoJSON(col.StorageCRS, []Feature{f}); err != nil {
		return err
	}
	colHref := root + "/collections/" + url.PathEscape(col.ID)
	return h.page(c, "item", col.Title+" "+f.ID, root, []crumb{{"圖層", root + routeCollections + "?f=html"},
		{col.Title, colHref + "?f=html"}, {"圖徵 Items", colHref + "/items?f=html"}, {f.ID, ""}}, links, body)
}

var pages = template.Must(template.New("page").Funcs(template.FuncMap{
	"uri": func(c crs.Code) string { return c.URI() },
}).Parse(pageTemplate))

const pageTemplate = `<!DOCTYPE html>
<html lang="zh-Hant-TW">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Service}}</title>
{{if and .Leaflet (or (eq .Kind "items") (eq .Kind "item"))}}<link rel="stylesheet" href="{{.Leaflet}}/leaflet.css">{{end}}
<style>
body{font-family:system-ui,"Noto Sans TC","Microsoft JhengHei",sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem 2rem;color:#1b1b1b}
header{border-bottom:1px solid #ccc;padding:.75rem 0}
nav.crumbs a{color:#0b5cad}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}
.scroll{overflow-x:auto}
#map{height:24rem;margin:1rem 0;border:1px solid #ccc;background:#eef3f7}
.formats a{margin-right:.75rem}
@media (max-width:600px){#map{height:16rem}table{font-size:.8rem}}
</style>
</head>
<body>
<header>
<nav class="crumbs"><a href="{{.Home}}">{{.Service}}</a>{{range .Crumbs}} › {{if .Href}}<a href="{{.Href}}">{{.Title}}</a>{{else}}<span>{{.Title}}</span>{{end}}{{end}}</nav>
<p class="formats">其他格式 Other formats: {{range .Links}}{{if eq .Rel "alternate"}}<a rel="alternate" type="{{.Type}}" href="{{.Href}}">{{.Type}}</a>{{end}}{{end}}</p>
</header>
<main>
<h1>{{.Title}}</h1>
{{if eq .Kind "landing"}}
<ul>
{{range .Links}}{{if eq .Rel "data"}}<li><a href="{{.Href}}?f=html">圖層 Collections</a></li>{{end}}{{if eq .Rel "conformance"}}<li><a href="{{.Href}}?f=html">符合類別 Conformance</a></li>{{end}}{{if eq .Rel "service-desc"}}<li><a href="{{.Href}}">API 定義 API definition (OpenAPI 3.0)</a></li>{{end}}{{end}}
</ul>
{{else if eq .Kind "conformance"}}
<ul>{{range .Body}}<li>{{.}}</li>{{end}}</ul>
{{else if eq .Kind "collections"}}
<div class="scroll"><table>
<thead><tr><th>圖層 Collection</th><th>說明 Description</th><th>圖徵 Items</th></tr></thead>
<tbody>{{range .Body}}<tr><td><a href="{{(index .Links 0).Href}}?f=html">{{.Title}}</a><br><code>{{.ID}}</code></td><td>{{.Description}}</td>
<td>{{range .Links}}{{if eq .Rel "items"}}<a href="{{.Href}}">{{.Type}}</a><br>{{end}}{{end}}</td></tr>{{end}}</tbody>
</table></div>
{{else if eq .Kind "collection"}}{{with .Body}}
<p>{{.Collection.Description}}</p>
<table>
<tr><th>識別碼 id</th><td><code>{{.Collection.ID}}</code></td></tr>
{{with .JSON.Extent}}{{with .Spatial}}<tr><th>範圍 Extent (CRS84)</th><td>{{range .BBox}}{{index . 0}}, {{index . 1}} – {{index . 2}}, {{index . 3}}{{end}}</td></tr>{{end}}
{{with .Temporal}}<tr><th>時間範圍 Temporal extent</th><td>{{range .Interval}}{{with index . 0}}{{.}}{{else}}..{{end}} / {{with index . 1}}{{.}}{{else}}..{{end}}{{end}}</td></tr>{{end}}{{end}}
<tr><th>儲存座標系統 Storage CRS</th><td>{{.JSON.StorageCRS}}</td></tr>
<tr><th>可用座標系統 CRS</th><td>{{range .JSON.CRS}}{{.}}<br>{{end}}</td></tr>
{{range .Collection.Filters}}<tr><th>篩選 Filter <code>{{.Name}}</code></th><td>{{.Description}}</td></tr>{{end}}
</table>
<p>{{range .JSON.Links}}{{if eq .Rel "items"}}<a href="{{.Href}}">圖徵 Items ({{.Type}})</a> {{end}}{{end}}</p>
{{end}}{{else if eq .Kind "items"}}{{with .Body}}
<p>第 {{.First}}–{{.Last}} 筆{{if ge .Matched 0}}，共 {{.Matched}} 筆{{end}} (features {{.First}}–{{.Last}}{{if ge .Matched 0}} of {{.Matched}}{{end}}) · {{.TimeStamp}}</p>
<p>{{if .Prev}}<a rel="prev" href="{{.Prev}}">‹ 上一頁 previous</a>{{end}} {{if .Next}}<a rel="next" href="{{.Next}}">下一頁 next ›</a>{{end}}</p>
{{if $.Leaflet}}<div id="map" role="img" aria-label="圖徵地圖 map of these features"></div>{{end}}
<div class="scroll"><table id="items">
<thead><tr><th>id</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr><td><a href="{{.Href}}">{{.ID}}</a></td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody>
</table></div>
{{end}}{{else if eq .Kind "item"}}{{with .Body}}
{{if $.Leaflet}}<div id="map" role="img" aria-label="圖徵地圖 map of this feature"></div>{{end}}
<table id="properties"><tbody>{{range .Properties}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</tbody></table>
{{end}}{{end}}
</main>
{{if and .Leaflet (or (eq .Kind "items") (eq .Kind "item"))}}
<script src="{{.Leaflet}}/leaflet.js"></script>
<script>
(function () {
  var data = {{.Body.GeoJSON}};
  var map = L.map('map', {attributionControl: false});
  var layer = L.geoJSON(data, {
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 6, weight: 2}); },
    onEachFeature: function (f, l) { l.bindTooltip(String(f.id)); }
  }).addTo(map);
  var b = layer.getBounds();
  if (b.isValid()) { map.fitBounds(b, {maxZoom: 15, padding: [12, 12]}); } else { map.setView([23.7, 121], 7); }
  window.ogcFeatureCount = data.features.length;
})();
</script>
{{end}}
</body>
</html>
`
