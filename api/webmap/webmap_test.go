package webmap_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/api/webmap"
)

func newEcho() *echo.Echo {
	e := echo.New()
	webmap.Register(e)
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
	for _, p := range []string{"/", "/webmap/app.js", "/webmap/style.css"} {
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
		{"asset", "/webmap/app.js", 200},
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
