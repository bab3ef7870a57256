package ogc

// OpenAPI returns the OpenAPI 3.0 definition of the service rooted at
// serverURL (e.g. https://envtrace.example.tw/ogc), as a JSON-encodable
// map. It is served at {root}/api for the oas30 conformance class and for
// clients such as GDAL that read the limit bounds from it; a server that
// keeps one OpenAPI document for everything can merge its "paths" (which
// are relative to serverURL) into its own. cols are the collections served:
// their property filters become optional query parameters of the items
// path, each naming the collections that accept it.
func OpenAPI(cfg Config, serverURL string, cols []Collection) map[string]any {
	cfg = cfg.withDefaults()
	obj := func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	str := obj("type", "string")
	query := func(name, desc string, schema map[string]any) map[string]any {
		return obj("name", name, "in", "query", "required", false, "description", desc,
			"schema", schema, "style", "form", "explode", false)
	}
	fMeta := query(paramF, "Output format: json (the default) or html (a page for browsers, also chosen by an Accept header that lists text/html first).",
		obj("type", "string", "enum", []string{"json", "html"}))
	fAPI := query(paramF, "Output format; only json is offered.", obj("type", "string", "enum", []string{"json"}))
	fFeat := query(paramF, "Output format: geojson (application/geo+json, the default), json (the same document as application/json) or html (a table and a map for browsers).",
		obj("type", "string", "enum", []string{"geojson", "json", "html"}))
	crsURIList := crsURIs(offeredCRS)
	crsParam := query(paramCRS, "CRS of the returned geometries, as an OGC URI from the collection's crs list. Default CRS84 (longitude, latitude); EPSG:4326 is written latitude first.",
		obj("type", "string", "format", "uri", "example", crsURIList[2]))
	collectionID := obj("name", "collectionId", "in", "path", "required", true, "description", "Collection id.", "schema", str)
	featureID := obj("name", "featureId", "in", "path", "required", true, "description", "Feature id.", "schema", str)
	problem := obj("description", "An error, as an RFC 9457 problem document.",
		"content", obj("application/problem+json", obj("schema", obj("type", "object"))))
	html := obj("schema", obj("type", "string"))
	jsonResp := func(desc string) map[string]any {
		return obj("description", desc, "content", obj(MediaJSON, obj("schema", obj("type", "object")), "text/html", html))
	}
	featResp := func(desc string) map[string]any {
		return obj("description", desc,
			"headers", obj("Content-Crs", obj("description", "The CRS of the geometries, an OGC URI in angle brackets.", "schema", str)),
			"content", obj(
				MediaGeoJSON, obj("schema", obj("type", "object")),
				MediaJSON, obj("schema", obj("type", "object")),
				"text/html", html))
	}
	op := func(id, summary string, params []any, ok map[string]any, notFound bool) map[string]any {
		resp := obj("200", ok, "400", problem, "500", problem)
		if notFound {
			resp["404"] = problem
		}
		return obj("get", obj("operationId", id, "summary", summary, "parameters", params, "responses", resp))
	}
	itemsParams := []any{
		collectionID,
		query(paramBBox, "Only features whose geometry intersects the box: minx,miny,maxx,maxy (or 6 numbers with a height range) in the axis order of bbox-crs.",
			obj("type", "array", "minItems", 4, "maxItems", 6, "items", obj("type", "number"))),
		query(paramBBoxCRS, "CRS of bbox, an OGC URI from the collection's crs list. Default CRS84.", obj("type", "string", "format", "uri")),
		crsParam,
		query(paramDatetime, "Only features whose time lies in this RFC 3339 instant or interval (start/end, .. for an open end). Only for collections with a temporal extent.", str),
		query(paramLimit, "Page size. Values above the maximum are reduced to it.",
			obj("type", "integer", "minimum", 1, "maximum", cfg.MaxLimit, "default", cfg.DefaultLimit)),
		query(paramOffset, "Number of matching features to skip; next and prev links set it.", obj("type", "integer", "minimum", 0, "default", 0)),
		fFeat,
	}
	for _, f := range filterParams(cols) {
		itemsParams = append(itemsParams, query(f.Name, f.Description, str))
	}
	return obj(
		"openapi", "3.0.3",
		"info", obj("title", cfg.Title, "description", cfg.Description, "version", "1.0.0"),
		"servers", []any{obj("url", serverURL)},
		"paths", obj(
			"/", op("getLandingPage", "Landing page", []any{fMeta}, jsonResp("Links to the API definition, conformance and collections."), false),
			"/api", op("getAPI", "This API definition", []any{fAPI},
				obj("description", "The OpenAPI 3.0 document.", "content", obj(MediaOpenAPI, obj("schema", obj("type", "object")))), false),
			"/conformance", op("getConformance", "Conformance classes implemented", []any{fMeta}, jsonResp("The conformsTo list."), false),
			"/collections", op("getCollections", "Feature collections", []any{fMeta}, jsonResp("The collections with their extents and CRS lists."), false),
			"/collections/{collectionId}", op("describeCollection", "One feature collection", []any{collectionID, fMeta}, jsonResp("The collection."), true),
			"/collections/{collectionId}/items", op("getFeatures", "Features of a collection", itemsParams,
				featResp("A GeoJSON FeatureCollection with numberMatched, numberReturned, timeStamp and paging links."), true),
			"/collections/{collectionId}/items/{featureId}", op("getFeature", "One feature", []any{collectionID, featureID, crsParam, fFeat},
				featResp("A GeoJSON Feature."), true),
		),
	)
}

// filterParams merges the collections' property filters by name, each
// described with the collections that accept it, in first-seen order.
func filterParams(cols []Collection) []Filter {
	var out []Filter
	at := map[string]int{}
	for _, c := range cols {
		for _, f := range c.Filters {
			i, ok := at[f.Name]
			if !ok {
				at[f.Name] = len(out)
				out = append(out, Filter{Name: f.Name, Description: f.Description + " Accepted by collection " + c.ID})
				continue
			}
			out[i].Description += ", " + c.ID
		}
	}
	for i := range out {
		out[i].Description += "; any other collection answers 400."
	}
	return out
}
