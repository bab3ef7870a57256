package api_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/hydro"
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
