package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/api"
)

type problem struct {
	Type          string `json:"type"`
	Title         string `json:"title"`
	Status        int    `json:"status"`
	Detail        string `json:"detail"`
	Instance      string `json:"instance"`
	RequestID     string `json:"request_id"`
	InvalidParams []struct {
		Name   string `json:"name"`
		Reason string `json:"reason"`
	} `json:"invalid-params"`
}

func (p problem) paramNames() []string {
	var out []string
	for _, ip := range p.InvalidParams {
		out = append(out, ip.Name)
	}
	return out
}

// checkProblem asserts rec is an RFC 9457 document consistent with itself
// and the response headers, and returns it.
func checkProblem(t *testing.T, rec interface {
	Result() *http.Response
}, body []byte, status int) problem {
	t.Helper()
	res := rec.Result()
	defer res.Body.Close()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != api.ProblemContentType {
		t.Fatalf("Content-Type %q, want %s", ct, api.ProblemContentType)
	}
	p := decode[problem](t, body)
	if p.Status != status || p.Type == "" || p.Title == "" {
		t.Errorf("problem %+v: want status %d with type and title", p, status)
	}
	if rid := res.Header.Get("X-Request-Id"); rid == "" || p.RequestID != rid {
		t.Errorf("request_id %q, header %q", p.RequestID, rid)
	}
	return p
}

func TestProblems(t *testing.T) {
	s := testServer(t)
	tests := []struct {
		name   string
		target string
		status int
		typ    string
		params []string // invalid-params names, in order
		detail string   // substring of detail
	}{
		{name: "unknown reach", target: "/api/v1/reaches/nope", status: 404, typ: api.ProblemNotFound, detail: `"nope"`},
		{name: "unknown reach with encoded slash", target: "/api/v1/reaches/a%2Fb", status: 404, typ: api.ProblemNotFound, detail: `"a/b"`},
		{name: "unknown start reach", target: "/api/v1/navigate?start=nope&mode=UT", status: 404, typ: api.ProblemNotFound, detail: `"nope"`},
		{name: "control character in id", target: "/api/v1/reaches/a%01b", status: 400, typ: api.ProblemInvalidParams, params: []string{"id"}},
		{name: "overlong id", target: "/api/v1/navigate?mode=UT&start=" + strings.Repeat("x", 300), status: 400, params: []string{"start"}},
		{name: "bad mode", target: "/api/v1/navigate?start=o&mode=XX", status: 400, typ: api.ProblemInvalidParams, params: []string{"mode"}, detail: "mode"},
		{name: "missing mode", target: "/api/v1/navigate?start=o", status: 400, params: []string{"mode"}},
		{name: "negative distance", target: "/api/v1/navigate?start=o&mode=UT&distance_km=-1", status: 400, params: []string{"distance_km"}},
		{name: "NaN distance", target: "/api/v1/navigate?start=o&mode=UT&distance_km=NaN", status: 400, params: []string{"distance_km"}},
		{name: "infinite distance", target: "/api/v1/navigate?start=o&mode=UT&distance_km=Inf", status: 400, params: []string{"distance_km"}},
		{name: "overflowing distance", target: "/api/v1/navigate?start=o&mode=UT&distance_km=1e999", status: 400, params: []string{"distance_km"}},
		{name: "hex distance", target: "/api/v1/navigate?start=o&mode=UT&distance_km=0x10", status: 400, params: []string{"distance_km"}},
		{name: "negative hours", target: "/api/v1/navigate?start=o&mode=UT&max_hours=-0.5", status: 400, params: []string{"max_hours"}},
		{name: "bad minor", target: "/api/v1/navigate?start=o&mode=UT&minor=maybe", status: 400, params: []string{"minor"}},
		{name: "bad format", target: "/api/v1/navigate?start=o&mode=UT&format=xml", status: 400, params: []string{"format"}},
		{name: "no start", target: "/api/v1/navigate?mode=UT", status: 400, params: []string{"start"}},
		{name: "start and point", target: "/api/v1/navigate?mode=UT&start=o&point=120.7,24.1", status: 400, params: []string{"point"}},
		{name: "point not numbers", target: "/api/v1/navigate?mode=UT&point=abc", status: 400, params: []string{"point"}},
		{name: "point with three numbers", target: "/api/v1/navigate?mode=UT&point=1,2,3", status: 400, params: []string{"point"}},
		{name: "latitude out of range", target: "/api/v1/snap?point=120,95", status: 400, params: []string{"point"}},
		{name: "swapped lat,lon", target: "/api/v1/snap?point=24.1,120.7", status: 400, params: []string{"point"}},
		{name: "point the network CRS cannot hold", target: "/api/v1/snap?point=-60,10", status: 400, params: []string{"point"}},
		{name: "unsupported crs", target: "/api/v1/navigate?mode=UT&point=1,2&crs=EPSG:9999", status: 400, params: []string{"crs"}, detail: "crs"},
		{name: "garbage crs", target: "/api/v1/snap?point=1,2&crs=WGS-84!", status: 400, params: []string{"crs"}},
		{name: "missing snap point", target: "/api/v1/snap", status: 400, params: []string{"point"}},
		{name: "k zero", target: "/api/v1/snap?point=120.7,24.1&k=0", status: 400, params: []string{"k"}},
		{name: "k too large", target: "/api/v1/snap?point=120.7,24.1&k=101", status: 400, params: []string{"k"}},
		{name: "k not a number", target: "/api/v1/snap?point=120.7,24.1&k=five", status: 400, params: []string{"k"}},
		{name: "nothing within radius", target: "/api/v1/snap?point=220500,2675000&crs=EPSG:3826&max_distance_m=10", status: 404, typ: api.ProblemNotFound},
		{name: "unknown parameter", target: "/api/v1/navigate?start=o&mode=UT&distance=5", status: 400, params: []string{"distance"}},
		{name: "repeated parameter", target: "/api/v1/navigate?start=o&mode=UT&mode=DM", status: 400, params: []string{"mode"}},
		{name: "parameter on a parameterless endpoint", target: "/api/v1/network?x=1", status: 400, params: []string{"x"}},
		{name: "malformed query", target: "/api/v1/navigate?start=o&mode=UT&distance_km=%zz", status: 400, params: []string{"query"}},
		{name: "every mistake at once", target: "/api/v1/navigate?start=o&mode=XX&distance_km=-1&k=3", status: 400,
			params: []string{"k", "mode", "distance_km"}},
		{name: "no such route", target: "/api/v1/nothing", status: 404, typ: "about:blank"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, s.Handler(), tc.target)
			p := checkProblem(t, rec, rec.Body.Bytes(), tc.status)
			if tc.typ != "" && p.Type != tc.typ {
				t.Errorf("type %q, want %q", p.Type, tc.typ)
			}
			if tc.params != nil {
				if got := p.paramNames(); !slices.Equal(got, tc.params) {
					t.Errorf("invalid-params %v, want %v (%+v)", got, tc.params, p.InvalidParams)
				}
				for _, ip := range p.InvalidParams {
					if ip.Reason == "" {
						t.Errorf("param %s without reason", ip.Name)
					}
				}
				if p.Type != api.ProblemInvalidParams {
					t.Errorf("type %q", p.Type)
				}
			}
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail %q does not contain %q", p.Detail, tc.detail)
			}
			if p.Instance == "" || !strings.HasPrefix(tc.target, strings.SplitN(p.Instance, "?", 2)[0]) {
				t.Errorf("instance %q for %s", p.Instance, tc.target)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := testServer(t)
	req, _ := http.NewRequest(http.MethodPost, "/api/v1/network", nil)
	rec := newRecorder()
	s.Handler().ServeHTTP(rec, req)
	checkProblem(t, rec, rec.Body.Bytes(), http.StatusMethodNotAllowed)
	if allow := rec.Header().Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("Allow %q", allow)
	}
}

// FuzzHandler sends arbitrary paths and queries through the whole server:
// no input may panic it or produce a 500, and every error is a problem
// document.
func FuzzHandler(f *testing.F) {
	for _, s := range []string{
		"/api/v1/navigate?start=o&mode=UT&format=geojson",
		"/api/v1/navigate?point=220500,2671010&crs=EPSG:3826&mode=DM",
		"/api/v1/snap?point=120.7,24.1&k=100&max_distance_m=1e308",
		"/api/v1/reaches/%E5%A4%A7",
		"/api/v1/reaches/..%2F..",
		"/api/v1/network?%",
	} {
		f.Add(s)
	}
	s := testServer(f)
	f.Fuzz(func(t *testing.T, target string) {
		req, err := http.NewRequest(http.MethodGet, "http://x"+target, nil)
		if err != nil || req.URL.Host != "x" {
			return // not a request a client could send
		}
		rec := newRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s: status %d: %s", target, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != api.ProblemContentType {
			t.Fatalf("%s: status %d with Content-Type %q", target, rec.Code, rec.Header().Get("Content-Type"))
		}
	})
}

// foreignError stands for an error type of a package mounted on the server
// (api/ogc) that the api package does not import.
type foreignError struct {
	status       int
	param, why   string
	internalNote string
}

func (e *foreignError) Error() string {
	if e.status >= 500 {
		return "upstream failed: " + e.internalNote
	}
	return "parameter " + e.param + ": " + e.why
}
func (e *foreignError) Status() int { return e.status }

type foreignParamError struct{ foreignError }

func (e *foreignParamError) InvalidParam() (string, string) { return e.param, e.why }

// TestMountedPackageErrors checks the contract api/ogc relies on: routes
// mounted on Echo() get the same middleware, and their errors are rendered
// by the central handler through the Status and InvalidParam methods.
func TestMountedPackageErrors(t *testing.T) {
	s := testServer(t)
	g := s.Echo().Group("/ogc")
	g.GET("/bbox", func(echo.Context) error {
		return fmt.Errorf("items: %w", &foreignParamError{foreignError{status: 400, param: "bbox", why: "must be 4 or 6 numbers"}})
	})
	g.GET("/missing", func(echo.Context) error { return &foreignError{status: 404, param: "x", why: "no such collection"} })
	g.GET("/broken", func(echo.Context) error { return &foreignError{status: 502, internalNote: "secret-host:5432"} })

	rec := get(t, s.Handler(), "/ogc/bbox")
	p := checkProblem(t, rec, rec.Body.Bytes(), 400)
	if p.Type != api.ProblemInvalidParams || !slices.Equal(p.paramNames(), []string{"bbox"}) {
		t.Errorf("problem %+v", p)
	}
	rec = get(t, s.Handler(), "/ogc/missing")
	if p := checkProblem(t, rec, rec.Body.Bytes(), 404); p.Type != api.ProblemNotFound || !strings.Contains(p.Detail, "no such collection") {
		t.Errorf("problem %+v", p)
	}
	rec = get(t, s.Handler(), "/ogc/broken")
	checkProblem(t, rec, rec.Body.Bytes(), 502)
	if strings.Contains(rec.Body.String(), "secret-host") {
		t.Errorf("5xx leaks its message: %s", rec.Body)
	}
}
