package air_test

import (
	"fmt"
	"time"

	"github.com/envtrace/envtrace/tracing/air"
)

// Readings enter in any air unit and are kept in the parameter's canonical
// one; a small negative value is kept and flagged.
func ExampleNewReading() {
	r, _ := air.NewReading("28", t0, "H2S", 0.008, "ppm")
	fmt.Println(r.Value, r.Unit)
	n, _ := air.NewReading("3", t0, "SO2", -0.001, "ppm")
	fmt.Println(n.Value, n.Unit, n.Flag)
	_, err := air.NewReading("3", t0, "SO2", -0.05, "ppm")
	fmt.Println(err)
	// Output:
	// 8 ppb
	// -1 ppb negative
	// value -0.05 ppm is below -5 ppb: more negative than instrument noise
}

var t0 = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
