package ogc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/model"
)

// Mount the service at /ogc of an echo server, with an error handler that
// turns the package's errors into problem JSON, and page through reaches
// in TWD97 metres (reaches come in network order, outlet first).
func ExampleRegister() {
	reach := func(id, to string, pts ...orb.Point) hydro.Reach {
		r := hydro.Reach{ID: id, LengthKm: hydro.Missing, VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing, Geometry: pts}
		if to != "" {
			r.ToIDs = []string{to}
		}
		return r
	}
	net, err := hydro.Build(context.Background(), []hydro.Reach{
		reach("a", "c", orb.Point{249000, 2750000}, orb.Point{250000, 2749000}),
		reach("b", "c", orb.Point{251000, 2750000}, orb.Point{250000, 2749000}),
		reach("c", "", orb.Point{250000, 2749000}, orb.Point{250000, 2748000}),
	}, hydro.Options{KeepGeometry: true})
	if err != nil {
		panic(err)
	}
	net.SRID = 3826 // TWD97 / TM2 zone 121
	ds := &model.Dataset{Stations: []model.Station{
		{ID: "1001", Name: "竹林大橋", Kind: model.Fixed, Point: model.Point{X: 250010, Y: 2748500}},
	}}
	src, err := ogc.NewMemorySource(net, ds)
	if err != nil {
		panic(err)
	}

	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		status := ogc.StatusOf(err)
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status = he.Code
		}
		_ = c.JSON(status, map[string]any{"status": status, "detail": err.Error()})
	}
	ogc.Register(e.Group("/ogc"), src, ogc.Config{})
	srv := httptest.NewServer(e)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/ogc/collections/reaches/items?limit=2&crs=EPSG:3826")
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var page struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates [][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
		NumberMatched  int `json:"numberMatched"`
		NumberReturned int `json:"numberReturned"`
		Links          []struct{ Rel, Href string }
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		panic(err)
	}
	fmt.Println(res.Header.Get("Content-Type"), res.Header.Get("Content-Crs"))
	fmt.Println("matched", page.NumberMatched, "returned", page.NumberReturned)
	for _, f := range page.Features {
		fmt.Print(f.ID)
		for _, p := range f.Geometry.Coordinates {
			fmt.Printf(" (%.0f %.0f)", p[0], p[1])
		}
		fmt.Println()
	}
	for _, l := range page.Links {
		if l.Rel == "next" {
			fmt.Println("next has offset=2:", l.Href[len(l.Href)-len("limit=2&offset=2"):] == "limit=2&offset=2")
		}
	}

	bad, err := http.Get(srv.URL + "/ogc/collections/reaches/items?limit=0")
	if err != nil {
		panic(err)
	}
	bad.Body.Close()
	fmt.Println("limit=0:", bad.StatusCode)
	// Output:
	// application/geo+json <http://www.opengis.net/def/crs/EPSG/0/3826>
	// matched 3 returned 2
	// c (250000 2749000) (250000 2748000)
	// a (249000 2750000) (250000 2749000)
	// next has offset=2: true
	// limit=0: 400
}
