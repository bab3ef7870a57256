package webmap_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/api/webmap"
	"github.com/envtrace/envtrace/internal/config"
)

func newEcho() *echo.Echo {
	e := echo.New()
	if err := webmap.Register(e, webmap.Options{}); err != nil {
		panic(err)
	}
	return e
}

func get(h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestPageAssets checks that every script, style sheet and image the page
// and Leaflet's CSS refer to is embedded and served with its type: the map
// must work with no network but its own server.
func TestPageAssets(t *testing.T) {
	e := newEcho()
	page := get(e, "/")
	if page.Code != 200 || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %q", page.Code, page.Header().Get("Content-Type"))
	}
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("page CSP %q", csp)
	}
	refs := regexp.MustCompile(`(?:src|href)="(/webmap/[^"]+)"`).FindAllStringSubmatch(page.Body.String(), -1)
	if len(refs) < 4 {
		t.Fatalf("page refers to %d assets", len(refs))
	}
	css := get(e, "/webmap/vendor/leaflet/leaflet.css").Body.String()
	for _, m := range regexp.MustCompile(`url\((images/[^)]+)\)`).FindAllStringSubmatch(css, -1) {
		refs = append(refs, []string{"", "/webmap/vendor/leaflet/" + m[1]})
	}
	for _, r := range refs {
		rec := get(e, r[1])
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("%s: status %d, %d bytes", r[1], rec.Code, rec.Body.Len())
			continue
		}
		want := map[string]string{".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
		for ext, ct := range want {
			if strings.HasSuffix(r[1], ext) && !strings.HasPrefix(rec.Header().Get("Content-Type"), ct) {
				t.Errorf("%s: content type %q", r[1], rec.Header().Get("Content-Type"))
			}
		}
	}
	// No external URL may be loaded: the map runs offline.
	for _, p := range append([]string{"/", "/webmap/style.css"}, jsFiles()...) {
		body := get(e, p).Body.String()
		if m := regexp.MustCompile(`(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/`).FindString(body); m != "" && !strings.Contains(body, "openapi") {
			t.Errorf("%s refers to an external URL %q", p, m)
		}
	}
	if !slices.Contains(webmap.Files(), "vendor/leaflet/LICENSE") {
		t.Error("Leaflet's licence is not shipped with it")
	}
}

func TestAssetErrorsAndCaching(t *testing.T) {
	e := newEcho()
	tests := []struct {
		name, target string
		status       int
	}{
		{"unknown asset", "/webmap/nope.js", 404},
		{"directory", "/webmap/vendor/", 404},
		{"escape attempt", "/webmap/../webmap.go", 404},
		{"page only at root", "/webmap/index.html", 404},
		{"asset", "/webmap/js/app.js", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if rec := get(e, tc.target); rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
		})
	}
	first := get(e, "/webmap/vendor/leaflet/leaflet.js")
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if rec := get(e, "/webmap/vendor/leaflet/leaflet.js", "If-None-Match", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("revalidation: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// jsFiles lists the page's scripts.
func jsFiles() []string {
	var out []string
	for _, f := range webmap.Files() {
		if strings.HasPrefix(f, "js/") {
			out = append(out, "/webmap/"+f)
		}
	}
	slices.Sort(out)
	return out
}

// TestLanguages checks the contract: zh-Hant-TW by default, English with
// ?lang=en, each with the same assets.
func TestLanguages(t *testing.T) {
	e := newEcho()
	for target, want := range map[string]string{"/": `<html lang="zh-Hant-TW">`, "/?lang=en": `<html lang="en">`, "/?lang=xx": `<html lang="zh-Hant-TW">`} {
		rec := get(e, target)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: status %d, want %s", target, rec.Code, want)
		}
	}
	if a, b := get(e, "/").Header().Get("ETag"), get(e, "/?lang=en").Header().Get("ETag"); a == b {
		t.Errorf("both languages have ETag %s: a cache would serve one for the other", a)
	}
}

// catalogue reads one message catalogue.
func catalogue(t *testing.T, name string) map[string]string {
	t.Helper()
	rec := get(newEcho(), "/webmap/i18n/"+name)
	var m map[string]string
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &m) != nil || len(m) == 0 {
		t.Fatalf("catalogue %s: status %d", name, rec.Code)
	}
	return m
}

// TestCatalogues checks that every string comes from the catalogues: the
// scripts hold no Chinese text, every key they name exists in both
// languages, and both languages have the same keys.
func TestCatalogues(t *testing.T) {
	e := newEcho()
	zh, en := map[string]string{}, map[string]string{}
	for _, f := range webmap.Files() {
		if name, ok := strings.CutSuffix(f, ".zh-TW.json"); ok {
			name = strings.TrimPrefix(name, "i18n/")
			maps.Copy(zh, catalogue(t, name+".zh-TW.json"))
			maps.Copy(en, catalogue(t, name+".en.json"))
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is in zh-TW, not in en", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("key %q is in en, not in zh-TW", k)
		}
	}
	han := regexp.MustCompile(`\p{Han}`)
	keyUse := regexp.MustCompile(`\b(?:t|field)\('([a-z][A-Za-z0-9_.-]*[A-Za-z0-9])'`)
	used := 0
	for _, p := range jsFiles() {
		src := get(e, p).Body.String()
		if m := han.FindString(src); m != "" {
			t.Errorf("%s holds Chinese text (%q): it belongs in a catalogue", p, m)
		}
		for _, m := range keyUse.FindAllStringSubmatch(src, -1) {
			used++
			if _, ok := zh[m[1]]; !ok {
				t.Errorf("%s uses key %q, which no catalogue has", p, m[1])
			}
		}
	}
	page := get(e, "/").Body.String()
	for _, m := range regexp.MustCompile(`data-i18n(?:-label)?="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		used++
		if _, ok := zh[m[1]]; !ok {
			t.Errorf("index.html uses key %q, which no catalogue has", m[1])
		}
	}
	if used < 150 {
		t.Errorf("only %d message keys found in the page: the scan missed them", used)
	}
	for _, p := range []string{"param.COD", "param.NH3-N", "param.DO"} {
		if !han.MatchString(zh[p]) {
			t.Errorf("%s = %q: parameters appear as staff know them", p, zh[p])
		}
	}
}

// TestBasemapConfig checks that the configured tile servers reach the page
// and its Content-Security-Policy, and that a bad one fails at start.
func TestBasemapConfig(t *testing.T) {
	e := echo.New()
	if err := webmap.Register(e, webmap.Options{Basemaps: config.DefaultBasemaps()}); err != nil {
		t.Fatal(err)
	}
	csp := get(e, "/").Header().Get("Content-Security-Policy")
	for _, host := range []string{"https://wmts.nlsc.gov.tw", "https://tile.openstreetmap.org"} {
		if !strings.Contains(csp, host) {
			t.Errorf("CSP %q does not let %s in", csp, host)
		}
	}
	var cfg struct {
		Basemaps []config.Basemap `json:"basemaps"`
	}
	if err := json.Unmarshal(get(e, "/webmap/config.json").Body.Bytes(), &cfg); err != nil || len(cfg.Basemaps) != 3 || cfg.Basemaps[0].ID != "nlsc-emap" {
		t.Errorf("config.json: %v %+v", err, cfg)
	}
	offline := get(newEcho(), "/").Header().Get("Content-Security-Policy")
	if strings.Contains(offline, "https:") {
		t.Errorf("with no basemap the CSP still lets tiles in: %q", offline)
	}
	for _, bad := range []config.Basemap{{ID: "x", URL: "http://tiles.example.org/{z}/{x}/{y}.png"}, {ID: "y", URL: "https://t.example.org/tile.png"}} {
		if err := webmap.Register(echo.New(), webmap.Options{Basemaps: []config.Basemap{bad}}); err == nil {
			t.Errorf("basemap %+v accepted", bad)
		}
	}
	if !slices.Contains(webmap.Files(), "vendor/uplot/LICENSE") {
		t.Error("uPlot's licence is not shipped with it")
	}
}
