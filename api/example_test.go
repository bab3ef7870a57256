package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// Serve a small network in memory and trace everything upstream of its
// outlet, as a web map or script would.
func ExampleNew() {
	// Two tributaries joining above an outlet, in TWD97 / TM2 metres.
	reach := func(id, to string, a, b orb.Point) hydro.Reach {
		r := hydro.Reach{ID: id, LengthKm: hydro.Missing, VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing,
			Geometry: orb.LineString{a, b}}
		if to != "" {
			r.ToIDs = []string{to}
		}
		return r
	}
	net, err := hydro.Build(context.Background(), []hydro.Reach{
		reach("west", "mouth", orb.Point{219000, 2671000}, orb.Point{220000, 2670000}),
		reach("east", "mouth", orb.Point{221000, 2671000}, orb.Point{220000, 2670000}),
		reach("mouth", "", orb.Point{220000, 2670000}, orb.Point{220000, 2669000}),
	}, hydro.Options{KeepGeometry: true})
	if err != nil {
		log.Fatal(err)
	}
	net.SRID = 3826

	backend, err := api.NewMemoryBackend(net)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := api.New(api.Config{
		RequestTimeout: 10 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, backend)
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	res, err := http.Get(ts.URL + "/api/v1/navigate?start=mouth&mode=UT&format=ids")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	ids := strings.Fields(string(body))
	slices.Sort(ids) // navigation results come in no particular order
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"))
	fmt.Println(ids)

	// A mistake comes back as an RFC 9457 problem naming the parameter.
	res, err = http.Get(ts.URL + "/api/v1/navigate?start=mouth&mode=XX")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"))
	// Output:
	// 200 text/plain; charset=utf-8
	// [east mouth west]
	// 400 application/problem+json
}

// How `envtrace serve` runs the server: Serve blocks until the signal
// context ends, then drains in-flight requests for up to ShutdownTimeout.
func ExampleServer_Serve() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	net, _, err := hydro.Load(ctx, "network.gpkg", hydro.LoadOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	backend, err := api.NewMemoryBackend(net)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	srv, err := api.New(api.Config{RequestTimeout: 30 * time.Second}, backend)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	if err := srv.Serve(ctx, "127.0.0.1:8080"); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// Serve the central-Taiwan fixture with its tracing data, as `envtrace
// serve` does, and trace one of its known cases over HTTP.
func ExampleNewMemoryBackendWithBasin() {
	dir, err := os.MkdirTemp("", "envtrace-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := fixtures.WriteCentral(dir); err != nil {
		log.Fatal(err)
	}
	ds, err := model.ReadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	net, _, err := hydro.Load(context.Background(), ds.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	b, err := basin.New(net, ds, 0)
	if err != nil {
		log.Fatal(err)
	}
	// The fixture's scenarios feed the web map's picker; real data has
	// none and simply omits the option.
	fx, err := fixtures.Scenarios()
	if err != nil {
		log.Fatal(err)
	}
	var scenarios []api.Scenario
	for _, s := range fx {
		scenarios = append(scenarios, api.Scenario{ID: s.ID, Description: s.Description, Station: s.Station,
			Parameter: s.Parameter, Value: s.Value, Unit: s.Unit, Time: s.Time, FlowM3s: s.FlowM3s, Culprit: s.Culprit})
	}
	backend, err := api.NewMemoryBackendWithBasin(b, api.WithScenarios(scenarios))
	if err != nil {
		log.Fatal(err)
	}
	srv, err := api.New(api.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, backend)
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	q := url.Values{"station": {"WQ-T5-02"}, "parameter": {"NH3-N"}, "value": {"3.61"}, "unit": {"mg/L"},
		"time": {"2026-08-12T11:20:00+08:00"}}
	res, err := http.Get(ts.URL + "/api/v1/trace?" + q.Encode())
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Suspects []struct {
			FacilityID string `json:"facility_id"`
			Rank       int    `json:"rank"`
		} `json:"suspects"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.StatusCode, out.Suspects[0].Rank, out.Suspects[0].FacilityID)
	// Output: 200 1 B1776678
}
