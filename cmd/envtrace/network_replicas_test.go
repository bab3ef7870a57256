package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
)

// riverGeoJSON is a river network of lon/lat lines near Taichung, each
// "id toid x0 y0 x1 y1".
func riverGeoJSON(lines ...string) string {
	var fs []string
	for _, l := range lines {
		var id, to int
		var x0, y0, x1, y1 float64
		if _, err := fmt.Sscan(l, &id, &to, &x0, &y0, &x1, &y1); err != nil {
			panic(err)
		}
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","properties":{"id":%d,"toid":%d,"lengthkm":1},"geometry":{"type":"LineString","coordinates":[[%g,%g],[%g,%g]]}}`,
			id, to, x0, y0, x1, y1))
	}
	return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
}

// TestNetworkReachesRunningReplicas runs two `serve --db` on one database
// holding a three-reach river and a station 1.6 km from it (too far to be
// placed), and imports with the CLI, while they run, the river with a
// tributary past the station: both replicas then serve the new reach and
// the station placed on it, without a restart. When the network can no
// longer be loaded (its row removed by hand), a replica keeps serving the
// one it holds and its readiness probe says why.
func TestNetworkReachesRunningReplicas(t *testing.T) {
	dbURL := storetest.DatabaseURL(t)
	dir := t.TempDir()
	river := []string{"1 2 120.60 24.10 120.61 24.10", "2 3 120.61 24.10 120.62 24.10", "3 0 120.62 24.10 120.63 24.10"}
	netFile := filepath.Join(dir, "network.geojson")
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("network.geojson", riverGeoJSON(river...))
	write("stations.csv", "station_id,name,kind,lon,lat\nS1,支流測站,fixed,120.61,24.115\n")
	for _, args := range [][]string{{"db", "migrate", "--db", dbURL}, {"import", "--db", dbURL, "--data", dir}} {
		if code, _, errs := runCmd(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, b := startReplica(ctx, t, dbURL), startReplica(ctx, t, dbURL)
	defer func() {
		cancel()
		for _, r := range []*replica{a, b} {
			if code := <-r.done; code != 0 {
				t.Errorf("serve at %s exited with %d:\n%s", r.base, code, r.errs.String())
			}
		}
	}()
	placeOf := func(r *replica) string {
		var st struct{ Place *struct{ Reach string } }
		getJSON(t, r.base+"/api/v1/stations/S1", &st)
		if st.Place == nil {
			return ""
		}
		return st.Place.Reach
	}
	reachCode := func(r *replica, id string) int {
		return httpJSON(t, http.MethodGet, r.base+"/api/v1/reaches/"+id, "", nil)
	}
	for _, r := range []*replica{a, b} {
		if code, place := reachCode(r, "4"), placeOf(r); code != http.StatusNotFound || place != "" {
			t.Fatalf("%s before the import: reach 4 %d, station placed on %q; want 404 and unplaced", r.base, code, place)
		}
	}

	// The tributary joins reach 2 from the north, through the station.
	write("network.geojson", riverGeoJSON(append(river, "4 2 120.61 24.12 120.61 24.10")...))
	if code, _, errs := runCmd(t, "import", "--db", dbURL, "--network", netFile); code != 0 {
		t.Fatalf("import --network: exit %d: %s", code, errs)
	}
	for _, r := range []*replica{a, b} {
		waitUntil(t, "reach 4 and the station on it at "+r.base, func() bool {
			return reachCode(r, "4") == http.StatusOK && placeOf(r) == "4"
		})
	}
	var summary struct{ Reaches int }
	getJSON(t, b.base+"/api/v1/network", &summary)
	if summary.Reaches != 4 {
		t.Errorf("%s summarises %d reaches, want 4", b.base, summary.Reaches)
	}

	// A network that can no longer be loaded: the replicas keep the one
	// they hold and are not ready.
	pool, err := postgis.Open(ctx, dbURL, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `delete from reaches where network = 'network'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `delete from networks where name = 'network'`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `select pg_notify($1, 'network')`, store.NetworkChannel); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "readiness to fail on "+b.base, func() bool {
		return httpJSON(t, http.MethodGet, b.base+"/readyz", "", nil) == http.StatusServiceUnavailable
	})
	if code := reachCode(b, "4"); code != http.StatusOK {
		t.Errorf("after a failed load %s answers reach 4 with %d, want the network it held", b.base, code)
	}
}
