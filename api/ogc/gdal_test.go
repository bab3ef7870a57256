package ogc_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/hydro"
)

// EnvRequireGDAL makes a missing ogrinfo/ogr2ogr a test failure instead of
// a skip, for CI machines that are meant to have GDAL.
const EnvRequireGDAL = "REQUIRE_GDAL"

// gdalTool finds a GDAL command-line tool or skips (fails under
// REQUIRE_GDAL=1).
func gdalTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(EnvRequireGDAL) == "1" {
			t.Fatalf("%s not found and %s=1", name, EnvRequireGDAL)
		}
		t.Skipf("skipping: %s not found (apt-get install gdal-bin; %s=1 makes this a failure)", name, EnvRequireGDAL)
	}
	return p
}

// requestLog records the request URIs a server saw.
type requestLog struct {
	mu   sync.Mutex
	uris []string
}

func (l *requestLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.uris = append(l.uris, s)
}

func (l *requestLog) matching(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, u := range l.uris {
		if strings.Contains(u, substr) {
			out = append(out, u)
		}
	}
	return out
}

// serveReal starts a real HTTP server on a loopback port, as GDAL needs,
// and returns the service root URL and the log of requests.
func serveReal(t *testing.T, src ogc.Source, cfg ogc.Config) (string, *requestLog) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	e := echo.New()
	e.HideBanner = true
	e.HTTPErrorHandler = problemHandler
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			log.add(c.Request().RequestURI)
			return err
		}
	})
	ogc.Register(e.Group("/ogc"), src, cfg)
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
	})
	return "http://" + ln.Addr().String() + "/ogc", log
}

// runGDAL runs a GDAL tool with a time limit and without any proxy or
// network configuration leaking in from the environment.
func runGDAL(t *testing.T, tool string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=30", "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1",
		"CPL_DEBUG=OFF", "GDAL_HTTP_MAX_RETRY=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(tool), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ogr2ogrJSON copies a layer with ogr2ogr into a GeoJSON file (args
// before the source, such as -spat) and decodes the file into v.
func ogr2ogrJSON(t *testing.T, ogr2ogr, root, layer string, v any, args ...string) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), layer+".geojson")
	runGDAL(t, ogr2ogr, append(append([]string{"-f", "GeoJSON"}, args...), dst, "OAPIF:"+root, layer)...)
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode ogr2ogr output: %v", err)
	}
}

// extentCRS84 is the CRS84 bound of a network in EPSG:3826.
func extentCRS84(t *testing.T, netw *hydro.Network) orb.Bound {
	t.Helper()
	var mp orb.MultiPoint
	for i := int32(0); i < int32(netw.Len()); i++ {
		mp = append(mp, netw.Geometry(i)...)
	}
	g, err := crs.TransformGeometry(crs.TWD97TM2, crs.CRS84, mp)
	if err != nil {
		t.Fatal(err)
	}
	return g.Bound()
}

// roundBound rounds a box to the 6 decimals it was passed to GDAL with.
func roundBound(b orb.Bound) (orb.Bound, bool) {
	r := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	return orb.Bound{Min: orb.Point{r(b.Min[0]), r(b.Min[1])}, Max: orb.Point{r(b.Max[0]), r(b.Max[1])}}, true
}

// TestGDALReadsService checks interoperability with GDAL's OAPIF driver:
// ogrinfo lists every collection, and ogr2ogr pages through all reaches
// (the server's page size is kept small so that it must follow next
// links) and gets exactly the source's features.
func TestGDALReadsService(t *testing.T) {
	ogrinfo := gdalTool(t, "ogrinfo")
	ogr2ogr := gdalTool(t, "ogr2ogr")

	networks := []struct {
		name string
		net  func(t *testing.T) *hydro.Network
	}{
		{"test network", func(t *testing.T) *hydro.Network { return testNetwork(t) }},
		{"Touqian real data", func(t *testing.T) *hydro.Network { return loadTouqian(t) }},
	}
	for _, nw := range networks {
		t.Run(nw.name, func(t *testing.T) {
			netw := nw.net(t)
			src, err := ogc.NewMemorySource(netw, testDataset())
			if err != nil {
				t.Fatal(err)
			}
			const pageSize = 50
			root, log := serveReal(t, src, ogc.Config{MaxLimit: pageSize})

			out := runGDAL(t, ogrinfo, "-ro", "-so", "OAPIF:"+root)
			for _, id := range []string{"reaches", "stations", "facilities", "outfalls", "readings-latest"} {
				if !strings.Contains(out, id) {
					t.Errorf("ogrinfo does not list %s:\n%s", id, out)
				}
			}

			summary := runGDAL(t, ogrinfo, "-ro", "-al", "-so", "OAPIF:"+root, "reaches")
			if !strings.Contains(summary, "Layer name: reaches") {
				t.Errorf("ogrinfo summary of reaches:\n%s", summary)
			}

			before := len(log.matching("/collections/reaches/items"))
			var fc struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
					Geometry   *struct {
						Type string `json:"type"`
					} `json:"geometry"`
				} `json:"features"`
			}
			ogr2ogrJSON(t, ogr2ogr, root, "reaches", &fc)
			pages := len(log.matching("/collections/reaches/items")) - before
			if want := (netw.Len() + pageSize - 1) / pageSize; pages < want {
				t.Errorf("ogr2ogr made %d items requests, want at least %d pages of %d", pages, want, pageSize)
			}
			if len(fc.Features) != netw.Len() {
				t.Errorf("GDAL read %d reaches, the source has %d", len(fc.Features), netw.Len())
			}
			seen := map[string]bool{}
			for _, f := range fc.Features {
				id, _ := f.Properties["id"].(string)
				if seen[id] {
					t.Errorf("GDAL saw reach %q twice", id)
				}
				seen[id] = true
				if f.Geometry == nil || f.Geometry.Type != "LineString" {
					t.Errorf("reach %q geometry %+v", id, f.Geometry)
				}
			}
			for i := int32(0); i < int32(netw.Len()); i++ {
				if !seen[netw.ID(i)] {
					t.Errorf("GDAL missed reach %s", netw.ID(i))
					break
				}
			}

			// A spatial filter becomes a bbox request; GDAL then gets the
			// same reaches as a brute-force test in CRS84.
			ext := extentCRS84(t, netw)
			c := ext.Center()
			box := orb.Bound{Min: orb.Point{c[0] - (c[0]-ext.Min[0])/3, c[1] - (c[1]-ext.Min[1])/4},
				Max: orb.Point{c[0] + (ext.Max[0]-c[0])/5, c[1] + (ext.Max[1]-c[1])/2}}
			f := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
			var sub struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			ogr2ogrJSON(t, ogr2ogr, root, "reaches", &sub, "-spat", f(box.Min[0]), f(box.Min[1]), f(box.Max[0]), f(box.Max[1]))
			if len(log.matching("bbox=")) == 0 {
				t.Error("GDAL sent no bbox parameter")
			}
			var got []string
			for _, f := range sub.Features {
				id, _ := f.Properties["id"].(string)
				got = append(got, id)
			}
			sort.Strings(got)
			box, _ = roundBound(box)
			want := bruteForce(t, netw, crs.CRS84, box)
			if !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("GDAL with -spat read %d reaches, brute force %d", len(got), len(want))
			}
		})
	}
}

// TestGDALCoordinateOrder checks the axis order GDAL's OAPIF driver gets.
// GDAL before 3.7 (Debian 12 ships 3.6.2) negotiates no CRS: it reads the
// default CRS84, longitude first. Each station read through ogr2ogr must
// sit at the source's longitude and latitude, not swapped, and the layer
// must be labelled WGS 84 with longitude as the first data axis.
func TestGDALCoordinateOrder(t *testing.T) {
	ogrinfo := gdalTool(t, "ogrinfo")
	ogr2ogr := gdalTool(t, "ogr2ogr")
	src, _, ds := testSource(t)
	root, _ := serveReal(t, src, ogc.Config{})

	info := runGDAL(t, ogrinfo, "-ro", "-so", "OAPIF:"+root, "stations")
	if !strings.Contains(info, "WGS 84") || !strings.Contains(info, "Data axis to CRS axis mapping: 2,1") {
		t.Errorf("ogrinfo does not describe the stations as WGS 84, longitude first:\n%s", info)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	ogr2ogrJSON(t, ogr2ogr, root, "stations", &fc)
	if len(fc.Features) != len(ds.Stations) {
		t.Fatalf("GDAL read %d stations, the source has %d", len(fc.Features), len(ds.Stations))
	}
	for _, f := range fc.Features {
		id, _ := f.Properties["id"].(string)
		st, ok := ds.Station(id)
		if !ok {
			t.Fatalf("GDAL read unknown station %q", id)
		}
		lon, lat := st.Point.LonLat()
		got := f.Geometry.Coordinates
		if math.Abs(got[0]-lon) > 1e-7 || math.Abs(got[1]-lat) > 1e-7 {
			t.Errorf("station %s at %v through GDAL, want lon %.8f lat %.8f", id, got, lon, lat)
		}
	}
}
