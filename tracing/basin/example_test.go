package basin_test

import (
	"context"
	"fmt"
	"os"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// How far, and how many hours of flow, is one station above another?
func ExampleBasin_UpstreamOf() {
	dir, _ := os.MkdirTemp("", "central")
	defer os.RemoveAll(dir)
	_ = fixtures.WriteCentral(dir)
	ds, _ := model.ReadDir(dir)
	net, _, _ := hydro.Load(context.Background(), ds.NetworkPath, hydro.LoadOptions{})
	b, _ := basin.New(net, ds, 0)
	down, _ := b.Station("WQ-M06")
	up, _ := b.Station("WQ-M05")
	u, _ := b.UpstreamOf(context.Background(), down, 0)
	km, hours, ok := u.Along(up.Reach, up.Measure)
	fmt.Printf("WQ-M05 is upstream of WQ-M06: %v, %.1f km, %.1f h\n", ok, km, hours)
	// Output:
	// WQ-M05 is upstream of WQ-M06: true, 2.6 km, 1.2 h
}
