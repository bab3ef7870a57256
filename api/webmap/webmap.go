// Package webmap is envtrace's web map: one page, served at /, on which an
// inspector sees the river network, the monitoring stations coloured by
// their River Pollution Index and the controlled facilities, enters or
// confirms a bad reading at a station and traces it upstream to its ranked
// suspects.
//
// The page is plain HTML, CSS and JavaScript ES modules with no build step
// (docs/webmap.md), in Traditional Chinese by default and English with
// ?lang=en. It works offline: Leaflet and uPlot are vendored under
// static/vendor (with their licences), the rivers, their names and the
// basin outline are drawn from the API's own GeoJSON, and the configured
// basemaps (Options.Basemaps) are only an addition. Everything is embedded
// in the binary, so `envtrace serve` needs no files beside it.
//
// The page talks only to the JSON API of package api (/api/v1/...), so it
// is the API's first client and a working example of it. This package does
// not import package api: the server calls Register.
package webmap

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/envtrace/envtrace/internal/config"
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

// Options configure the page.
type Options struct {
	// Basemaps are the tile layers offered in the layer switcher; none
	// means the page draws only its own context from the data.
	Basemaps []config.Basemap
	// Login, when set, gives the page a login button that signs in at an
	// OpenID Connect issuer with the authorization-code flow and PKCE
	// (js/login.js); its ID token then goes with every API call.
	Login *Login
	// OpenedStyles are the CSP hash sources ('sha256-…') of the inline
	// style sheets of the server's own pages that the map opens from a
	// blob URL (the facility portal's): such a page keeps the map's
	// policy, which lets these style sheets in and no other inline style.
	OpenedStyles []string
}

// Login is the page's OpenID Connect client: the issuer and the public
// client id registered for the page (redirect URI: the page's own
// origin + "/"). The client id must be an audience the API accepts.
type Login struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
}

// site is the page as configured: its config.json, the two language
// variants of index.html and the Content-Security-Policy that lets the
// configured tile servers (and nothing else) in.
type site struct {
	config asset
	index  map[string]asset // by language: "zh-TW", "en"
	csp    string
}

func newSite(o Options) (*site, error) {
	if err := config.CheckBasemaps(o.Basemaps); err != nil {
		return nil, err
	}
	bs := o.Basemaps
	if bs == nil {
		bs = []config.Basemap{}
	}
	cfg, err := json.Marshal(struct {
		Basemaps []config.Basemap `json:"basemaps"`
		Login    *Login           `json:"login,omitempty"`
	}{bs, o.Login})
	if err != nil {
		return nil, err
	}
	imgSrc := []string{"'self'", "data:"}
	for _, b := range bs {
		u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(b.URL))
		if err != nil {
			return nil, fmt.Errorf("webmap: basemap %s: %w", b.ID, err)
		}
		if o := u.Scheme + "://" + u.Host; !slices.Contains(imgSrc, o) {
			imgSrc = append(imgSrc, o)
		}
	}
	connectSrc := "'self'"
	if o.Login != nil {
		u, err := url.Parse(o.Login.Issuer)
		if err != nil || u.Host == "" || o.Login.ClientID == "" {
			return nil, fmt.Errorf("webmap: login needs an issuer URL and a client id, got %q and %q", o.Login.Issuer, o.Login.ClientID)
		}
		// The page fetches the issuer's discovery document and exchanges
		// the code at its token endpoint, which lies at the issuer's
		// origin for the providers envtrace supports.
		connectSrc += " " + u.Scheme + "://" + u.Host
	}
	zh := assets["index.html"]
	en := bytes.Replace(zh.body, []byte(`<html lang="zh-Hant-TW">`), []byte(`<html lang="en">`), 1)
	return &site{
		config: newAsset(cfg, "application/json"),
		index:  map[string]asset{"zh-TW": zh, "en": newAsset(en, zh.contentType)},
		csp: "default-src 'self'; img-src " + strings.Join(imgSrc, " ") +
			"; style-src " + strings.Join(append([]string{"'self'"}, o.OpenedStyles...), " ") +
			"; script-src 'self'; connect-src " + connectSrc + "; frame-ancestors 'none'",
	}, nil
}

func newAsset(b []byte, contentType string) asset {
	sum := sha256.Sum256(b)
	return asset{body: b, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// Register mounts the page at / (zh-Hant-TW, or English with ?lang=en),
// its configuration at Prefix+"config.json" and its assets under Prefix on
// e, so they inherit the server's middleware (request ids, metrics, gzip)
// and its error handler (an unknown asset is a 404 problem like any other).
// It fails on a basemap the page could not use.
func Register(e *echo.Echo, o Options) error {
	st, err := newSite(o)
	if err != nil {
		return err
	}
	e.GET("/", func(c echo.Context) error {
		lang := "zh-TW"
		if c.QueryParam("lang") == "en" {
			lang = "en"
		}
		h := c.Response().Header()
		// The page loads only its own assets, talks only to its own
		// server and shows only the configured tiles.
		h.Set("Content-Security-Policy", st.csp)
		h.Set("Vary", "Accept-Encoding")
		return send(c, st.index[lang])
	})
	e.GET(Prefix+"*", func(c echo.Context) error {
		p := c.Param("*")
		switch {
		case p == "config.json":
			return send(c, st.config)
		case p == "" || strings.HasSuffix(p, "/") || p == "index.html":
			return echo.ErrNotFound
		}
		a, ok := assets[path.Clean(p)]
		if !ok {
			return echo.ErrNotFound
		}
		return send(c, a)
	})
	return nil
}

// send writes one asset, answering If-None-Match with 304 so a reload
// does not fetch Leaflet again. Everything is revalidated (no-cache), so
// that a new server version is picked up at once.
func send(c echo.Context, a asset) error {
	h := c.Response().Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
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
