package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/api"
)

// registerDecoders lets the validator read the web map's responses, whose
// bodies are documented as plain strings.
var registerDecoders = sync.OnceFunc(func() {
	for _, ct := range []string{"text/html", "text/javascript", "text/css", "image/png"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
})

func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	return loadOpenAPIFrom(t, api.OpenAPI())
}

func loadOpenAPIFrom(t *testing.T, data []byte) (*openapi3.T, routers.Router) {
	t.Helper()
	registerDecoders()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI document is invalid: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return doc, router
}

var echoParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// TestOpenAPIMatchesRoutes checks that the document describes exactly the
// routes the server registers: a route added without documentation, or a
// documented route that no longer exists, fails here.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	// The server over the central fixture registers every area,
	// tracing and OGC API Features included.
	s, _ := sharedServer(t)
	doc, _ := loadOpenAPIFrom(t, s.OpenAPIDocument())
	registered := map[string]bool{}
	for _, r := range s.Echo().Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		// echo's trailing wildcard (the web map's assets) is documented
		// as a {path} parameter.
		path := strings.Replace(echoParam.ReplaceAllString(r.Path, "{$1}"), "*", "{path}", 1)
		key := r.Method + " " + path
		registered[key] = true
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s is not in the OpenAPI document", key)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !registered[method+" "+path] {
				t.Errorf("documented operation %s %s is not registered", method, path)
			}
		}
	}
	if len(registered) < 7 {
		t.Errorf("only %d routes registered", len(registered))
	}
}

// TestResponsesMatchOpenAPI runs requests, good and bad, through the
// handlers and validates each response (status, content type, body)
// against the document; valid requests are also validated as requests, so
// the documented parameters accept what the server accepts.
func TestResponsesMatchOpenAPI(t *testing.T) {
	_, router := loadOpenAPI(t)
	s := testServer(t)
	tests := []struct {
		target     string
		validInput bool // the request itself conforms to the document
	}{
		{"/healthz", true},
		{"/metrics", true},
		{"/openapi.json", true},
		{"/api/v1/network", true},
		{"/api/v1/reaches/m2", true},
		{"/api/v1/reaches/o", true},
		{"/api/v1/reaches/nope", true},
		{"/api/v1/navigate?start=o&mode=UT", true},
		{"/api/v1/navigate?start=o&mode=UT&distance_km=2&max_hours=3&minor=false", true},
		{"/api/v1/navigate?start=o&mode=UM&format=geojson", true},
		{"/api/v1/navigate?start=h1&mode=DD&format=ids", true},
		{"/api/v1/navigate?point=220500,2671010&crs=EPSG:3826&mode=DM&format=geojson", true},
		{"/api/v1/navigate?point=120.70973,24.14399&mode=DM", true},
		{"/api/v1/navigate?start=nope&mode=UT", true},
		{"/api/v1/snap?point=220500,2671010&crs=EPSG:3826&k=3", true},
		{"/api/v1/snap?point=120.70973,24.14399&max_distance_m=5000", true},
		{"/api/v1/snap?point=220500,2675000&crs=EPSG:3826&max_distance_m=10", true},
		{"/api/v1/snap?point=abc", true},
		{"/api/v1/basin?start=o", true},
		{"/api/v1/basin?start=m2&minor=false", true},
		{"/api/v1/basin?start=nope", true},
		{"/api/v1/basin", false},
		{"/api/v1/navigate?start=o&mode=XX", false},
		{"/api/v1/navigate?start=o&mode=UT&distance_km=-1", false},
		{"/api/v1/snap?point=120.7,24.1&k=0", false},
		{"/api/v1/navigate?mode=UT&point=1,2&crs=EPSG:9999", true},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			checkOpenAPI(t, router, s.Handler(), httptest.NewRequest(http.MethodGet, tc.target, nil), nil, tc.validInput)
		})
	}
}

// checkOpenAPI runs req through h and validates the response (status,
// content type, body) against the document; when validInput is set the
// request is validated too, so the documented parameters accept what the
// server accepts, and otherwise the document must reject it as the server
// does.
func checkOpenAPI(t *testing.T, router routers.Router, h http.Handler, req *http.Request, body []byte, validInput bool) {
	t.Helper()
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}

	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("no documented route: %v", err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if validInput && reqErr != nil {
		t.Errorf("request does not conform: %v", reqErr)
	}
	if !validInput && reqErr == nil {
		t.Errorf("document accepts a request the server rejects")
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%d response does not conform: %v\n%.400s", rec.Code, err, strings.TrimSpace(rec.Body.String()))
	}
}

func TestOpenAPIServed(t *testing.T) {
	s := testServer(t)
	rec := get(t, s.Handler(), "/openapi.json")
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), s.OpenAPIDocument()) {
		t.Fatalf("status %d, body differs from the server's document", rec.Code)
	}
}
