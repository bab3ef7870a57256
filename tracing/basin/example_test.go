package basin_test

import (
	"context"
	"fmt"
	"os"

	"github.com/envtrace/envtrace/fixtures"
)

// How far, and how many hours of flow, is one station above another?
func ExampleBasin_UpstreamOf() {
	dir, _ := os.MkdirTemp("", "central")
	defer os.RemoveAll(dir)
	b, err := fixtures.LoadCentral(context.Background(), dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	down, _ := b.Station("WQ-M06")
	up, _ := b.Station("WQ-M05")
	u, _ := b.UpstreamOf(context.Background(), down, 0)
	km, hours, ok := u.Along(up.Reach, up.Measure)
	fmt.Printf("WQ-M05 is upstream of WQ-M06: %v, %.1f km, %.1f h\n", ok, km, hours)
	// Output:
	// WQ-M05 is upstream of WQ-M06: true, 2.6 km, 1.2 h
}
