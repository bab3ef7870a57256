package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/hydro"
)

// The test basin, in EPSG:3826 metres near Taichung (about 120.70°E,
// 24.13°N). Water flows south; every reach is 1 km except the two
// headwaters (√2 km):
//
//	h1   h2
//	  \ /
//	  m1      t1
//	   \     /
//	    m2 ─┘
//	    |
//	    o   (outlet)
func testReaches() []hydro.Reach {
	const x, y = 220000.0, 2670000.0
	r := func(id, name string, to string, pts ...orb.Point) hydro.Reach {
		rc := hydro.Reach{ID: id, Name: name, LengthKm: hydro.Missing, VelocityFps: hydro.Missing,
			TotDASqKm: hydro.Missing, Geometry: orb.LineString(pts)}
		if to != "" {
			rc.ToIDs = []string{to}
		}
		return rc
	}
	return []hydro.Reach{
		r("h1", "", "m1", orb.Point{x - 1000, y + 3000}, orb.Point{x, y + 2000}),
		r("h2", "", "m1", orb.Point{x + 1000, y + 3000}, orb.Point{x, y + 2000}),
		r("m1", "大甲溪", "m2", orb.Point{x, y + 2000}, orb.Point{x, y + 1000}),
		r("t1", "", "m2", orb.Point{x + 1000, y + 1000}, orb.Point{x, y + 1000}),
		r("m2", "大甲溪", "o", orb.Point{x, y + 1000}, orb.Point{x, y}),
		r("o", "大甲溪", "", orb.Point{x, y}, orb.Point{x, y - 1000}),
	}
}

func testNetwork(t testing.TB) *hydro.Network {
	t.Helper()
	net, err := hydro.Build(context.Background(), testReaches(), hydro.Options{KeepGeometry: true})
	if err != nil {
		t.Fatalf("build test network: %v", err)
	}
	net.SRID = 3826
	return net
}

// quietConfig is a config whose logs go nowhere, so test output stays
// readable.
func quietConfig() api.Config {
	return api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func newServer(t testing.TB, cfg api.Config, b api.Backend) *api.Server {
	t.Helper()
	s, err := api.New(cfg, b)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	return s
}

func memoryBackend(t testing.TB, net *hydro.Network) *api.MemoryBackend {
	t.Helper()
	b, err := api.NewMemoryBackend(net)
	if err != nil {
		t.Fatalf("NewMemoryBackend: %v", err)
	}
	return b
}

// testServer is the server over the test basin.
func testServer(t testing.TB) *api.Server {
	return newServer(t, quietConfig(), memoryBackend(t, testNetwork(t)))
}

// get runs one request against h in-process.
func get(t testing.TB, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %T: %v\nbody: %s", v, err, body)
	}
	return v
}

// chain builds a synthetic river of n reaches, "0" at the mouth and each
// reach i draining into i-1, so UT from "0" returns everything.
var chain = sync.OnceValues(func() (*hydro.Network, error) {
	const n = 200_000
	rs := make([]hydro.Reach, n)
	for i := range rs {
		rs[i] = hydro.Reach{ID: strconv.Itoa(i), LengthKm: 0.5, VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing}
		if i > 0 {
			rs[i].ToIDs = []string{strconv.Itoa(i - 1)}
		}
	}
	return hydro.Build(context.Background(), rs, hydro.Options{})
})

func chainNetwork(t testing.TB) *hydro.Network {
	t.Helper()
	net, err := chain()
	if err != nil {
		t.Fatalf("build chain: %v", err)
	}
	return net
}

// lines splits a format=ids body.
func lines(body string) []string {
	body = strings.TrimSuffix(body, "\n")
	if body == "" {
		return nil
	}
	return strings.Split(body, "\n")
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
