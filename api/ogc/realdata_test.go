package ogc_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/api/ogc"
	"github.com/envtrace/envtrace/gis/crs"
	"github.com/envtrace/envtrace/gis/layer"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/internal/realdata"
)

// touqianPath is the Touqian River (頭前溪) stream network, order ≥ 6, in
// EPSG:3826, from the shared real-data set.
const touqianPath = "taiwan/touqian_streams_order6.epsg3826.geojson"

func loadTouqian(t testing.TB) *hydro.Network {
	t.Helper()
	path := realdata.Path(t, touqianPath)
	net, _, err := hydro.Load(context.Background(), path, hydro.LoadOptions{})
	if err != nil {
		// This package tests serving a real network, not loading one:
		// when the loader rejects the file (it has a zero-length line),
		// build the network from the layer here and say so.
		t.Logf("hydro.Load: %v; building the network from the layer directly", err)
		net = buildFromLayer(t, path)
	}
	if net.SRID != 3826 {
		t.Fatalf("SRID = %d, want 3826", net.SRID)
	}
	return net
}

// buildFromLayer builds a network from a line layer whose lines meet at
// shared end vertices, dropping zero-length lines; nodes are end points
// rounded to a 0.5 m grid.
func buildFromLayer(t testing.TB, path string) *hydro.Network {
	t.Helper()
	l, err := layer.Read(path, layer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	node := func(p orb.Point) string {
		return fmt.Sprintf("%d_%d", int64(math.Round(p[0]*2)), int64(math.Round(p[1]*2)))
	}
	var reaches []hydro.Reach
	for _, f := range l.Features {
		g, ok := f.Geometry.(orb.LineString)
		if !ok || len(g) < 2 || node(g[0]) == node(g[len(g)-1]) {
			continue
		}
		reaches = append(reaches, hydro.Reach{
			ID: strconv.Itoa(f.Row), LengthKm: hydro.Missing, VelocityFps: hydro.Missing, TotDASqKm: hydro.Missing,
			FromNode: node(g[0]), ToNode: node(g[len(g)-1]), Geometry: g,
		})
	}
	net, err := hydro.Build(context.Background(), reaches, hydro.Options{KeepGeometry: true})
	if err != nil {
		t.Fatal(err)
	}
	net.SRID = l.SRID
	return net
}

// TestRealNetworkTouqian serves the real Touqian network: paging visits
// every reach once, and bboxes in CRS84 and EPSG:3826 agree with a brute
// force over all reaches.
func TestRealNetworkTouqian(t *testing.T) {
	net := loadTouqian(t)
	src, err := ogc.NewMemorySource(net, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, src, ogc.Config{})

	t.Run("paging", func(t *testing.T) {
		got, matched, _ := pageAll(t, srv.URL+"/ogc/collections/reaches/items?limit=97")
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] {
				t.Fatalf("reach %s returned twice", id)
			}
			seen[id] = true
		}
		if len(got) != net.Len() {
			t.Errorf("paged %d reaches, network has %d", len(got), net.Len())
		}
		for _, m := range matched {
			if m != net.Len() {
				t.Fatalf("numberMatched = %d, want %d", m, net.Len())
			}
		}
		t.Logf("%d reaches", net.Len())
	})

	// Boxes around the middle of the basin, built from the network's own
	// extent so the test follows the data.
	var all orb.Bound
	for i := int32(0); i < int32(net.Len()); i++ {
		if i == 0 {
			all = net.Geometry(i).Bound()
		} else {
			all = all.Union(net.Geometry(i).Bound())
		}
	}
	c := all.Center()
	w, h := all.Max[0]-all.Min[0], all.Max[1]-all.Min[1]
	box3826 := orb.Bound{Min: orb.Point{c[0] - w/7, c[1] - h/9}, Max: orb.Point{c[0] + w/5, c[1] + h/6}}
	ll, err := crs.TransformGeometry(crs.TWD97TM2, crs.CRS84, orb.MultiPoint{box3826.Min, box3826.Max})
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := ll.(orb.MultiPoint)[0], ll.(orb.MultiPoint)[1]
	boxCRS84 := orb.Bound{Min: lo, Max: hi}

	for _, tt := range []struct {
		name    string
		query   string
		test    crs.Code
		box     orb.Bound
		minHits int
	}{
		{"EPSG:3826 box", "bbox-crs=EPSG:3826&bbox=" + bboxString(box3826), crs.TWD97TM2, box3826, 10},
		{"CRS84 box", "bbox=" + bboxString(boxCRS84), crs.CRS84, boxCRS84, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, _ := pageAll(t, srv.URL+"/ogc/collections/reaches/items?limit=50&"+tt.query)
			sort.Strings(got)
			want := bruteForce(t, net, tt.test, tt.box)
			if !slices.Equal(got, want) {
				t.Errorf("got %d reaches, brute force %d", len(got), len(want))
			}
			if len(want) < tt.minHits {
				t.Errorf("box selects only %d reaches", len(want))
			}
			t.Logf("%d of %d reaches", len(want), net.Len())
		})
	}

	t.Run("single reach", func(t *testing.T) {
		id := net.ID(int32(net.Len() / 2))
		r := get(t, srv.URL+"/ogc/collections/reaches/items/"+id+"?crs=EPSG:3826")
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

func bboxString(b orb.Bound) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return f(b.Min[0]) + "," + f(b.Min[1]) + "," + f(b.Max[0]) + "," + f(b.Max[1])
}
