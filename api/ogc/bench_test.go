package ogc_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/hydro"
)

// bigNetwork builds rows·cols reaches: rows parallel chains of cols
// reaches 200 m long, 300 m apart, in EPSG:3826 around Taichung.
func bigNetwork(tb testing.TB, rows, cols int) *hydro.Network {
	tb.Helper()
	reaches := make([]hydro.Reach, 0, rows*cols)
	for r := 0; r < rows; r++ {
		y := 2650000 + float64(r)*300
		for c := 0; c < cols; c++ {
			x := 200000 + float64(c)*200
			rc := hydro.Reach{ID: fmt.Sprintf("r%d_%d", r, c), LengthKm: hydro.Missing, VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing,
				Geometry: orb.LineString{{x, y}, {x + 100, y + 37}, {x + 200, y}}}
			if c+1 < cols {
				rc.ToIDs = []string{fmt.Sprintf("r%d_%d", r, c+1)}
			}
			reaches = append(reaches, rc)
		}
	}
	net, err := hydro.Build(context.Background(), reaches, hydro.Options{KeepGeometry: true})
	if err != nil {
		tb.Fatal(err)
	}
	net.SRID = 3826
	return net
}

// BenchmarkReachesBBox measures one page of a bbox query on a network of
// 100 000 reaches, with the box in CRS84 (reprojected tests) and in the
// storage CRS.
func BenchmarkReachesBBox(b *testing.B) {
	net := bigNetwork(b, 200, 500)
	src, err := ogc.NewMemorySource(net, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := newTestServer(b, src, ogc.Config{})
	// Baseline: a full scan of every reach's bounds against a box, the
	// work an unindexed bbox query does before it writes anything.
	box := orb.Bound{Min: orb.Point{200000, 2650000}, Max: orb.Point{250000, 2680000}}
	const runs = 20
	t0 := time.Now()
	n := 0
	for k := 0; k < runs; k++ {
		for i := int32(0); i < int32(net.Len()); i++ {
			if net.Geometry(i).Bound().Intersects(box) {
				n++
			}
		}
	}
	scanNs := float64(time.Since(t0).Nanoseconds()) / runs
	for _, bc := range []struct{ name, query string }{
		{"no filter, deep page", "offset=90000&limit=100"},
		{"CRS84 whole network", "bbox=120,23,122,25&limit=100&offset=5000"},
		{"CRS84 small box", "bbox=120.71,24.0,120.72,24.01&limit=100"},
		{"EPSG:3826 half", "bbox-crs=EPSG:3826&bbox=200000,2650000,250000,2680000&limit=100&offset=1000"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				r := get(b, srv.URL+"/ogc/collections/reaches/items?"+bc.query)
				if r.status != http.StatusOK {
					b.Fatalf("%d %s", r.status, r.body)
				}
			}
			b.ReportMetric(scanNs/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "x-faster-than-full-scan")
		})
	}
}

// TestConcurrentRequests runs overlapping requests (under -race it checks
// that the source and handlers share nothing mutable).
func TestConcurrentRequests(t *testing.T) {
	src, _, _ := testSource(t)
	srv := newTestServer(t, src, ogc.Config{})
	paths := []string{
		"/ogc/collections/reaches/items?bbox=120.69,24.3,120.71,24.41&limit=7",
		"/ogc/collections/reaches/items?crs=EPSG:4326&offset=20",
		"/ogc/collections/stations/items?bbox-crs=EPSG:3826&bbox=200000,2600000,300000,2800000",
		"/ogc/collections/readings-latest/items?datetime=2024-01-01/..",
		"/ogc/collections/reaches/items/m10?crs=EPSG:3826",
		"/ogc/collections",
	}
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 10; k++ {
				p := paths[(g+k)%len(paths)]
				if r := get(t, srv.URL+p); r.status != http.StatusOK {
					t.Errorf("%s: %d", p, r.status)
				}
			}
		}()
	}
	wg.Wait()
}
