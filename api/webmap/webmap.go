// Package webmap is envtrace's web map: one page, served at /, on which an
// inspector sees the river network, the monitoring stations coloured by
// their River Pollution Index and the controlled facilities, enters or
// confirms a bad reading at a station and traces it upstream to its ranked
// suspects.
//
// The page is plain HTML, CSS and JavaScript with no build step, and it
// works offline: Leaflet is vendored under static/vendor/leaflet (with its
// licence) and there is no tile layer; the rivers are drawn from the API's
// own GeoJSON. Everything is embedded in the binary, so `envtrace serve`
// needs no files beside it.
//
// The page talks only to the JSON API of package api (/api/v1/...), so it
// is the API's first client and a working example of it. This package does
// not import package api: the server calls Register.
package webmap

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// Prefix is the URL path under which the page's assets are served.
const Prefix = "/webmap/"

//go:embed static
var static embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets holds every embedded file by its path below static/.
var assets = loadAssets()

func loadAssets() map[string]asset {
	out := map[string]asset{}
	root, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // cannot happen: the directory is embedded
	}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = http.DetectContentType(b)
		}
		sum := sha256.Sum256(b)
		out[p] = asset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// Register mounts the page at / and its assets under Prefix on e, so they
// inherit the server's middleware (request ids, metrics, gzip) and its
// error handler (an unknown asset is a 404 problem like any other).
func Register(e *echo.Echo) {
	e.GET("/", func(c echo.Context) error { return serve(c, "index.html") })
	e.GET(Prefix+"*", func(c echo.Context) error {
		p := c.Param("*")
		if p == "" || strings.HasSuffix(p, "/") || p == "index.html" {
			return echo.ErrNotFound
		}
		return serve(c, p)
	})
}

// serve writes one asset, answering If-None-Match with 304 so a reload
// does not fetch Leaflet again. The page itself must be revalidated every
// time so that a new server version is picked up at once.
func serve(c echo.Context, p string) error {
	a, ok := assets[path.Clean(p)]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	if p == "index.html" {
		// The page loads only its own assets and talks only to its own
		// server: nothing else may run in it.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
	}
	if match := c.Request().Header.Get("If-None-Match"); match != "" && match == a.etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// Files lists the embedded asset paths, for tests that check every file
// the page refers to is served.
func Files() []string {
	out := make([]string, 0, len(assets))
	for p := range assets {
		out = append(out, p)
	}
	return out
}
