package load_test

import (
	"fmt"
	"time"

	"github.com/envtrace/envtrace/tracing/load"
)

func Example() {
	// A discharger reports Cu "<0.02" mg/L at 1,500 m³/day.
	cu, _ := load.ParseValue("<0.02")
	l, _ := load.Compute("Cu", cu, "mg/L", 1500, "CMD")
	fmt.Printf("Cu %.3f kg/day (between %.3f and %.3f)\n", l.KgPerDay, l.Low, l.High)

	// BOD 30 mg/L in 0.5 m³/s, and what is left after a 6-hour trip at 28 °C.
	b, _ := load.KgPerDay(30, "mg/L", 0.5, "m3/s")
	c, _ := load.Attenuate("BOD5", 30, 6*time.Hour, 28)
	fmt.Printf("BOD %.0f kg/day; %.1f mg/L after 6 h\n", b, c)
	// Output:
	// Cu 0.015 kg/day (between 0.000 and 0.030)
	// BOD 1296 kg/day; 27.6 mg/L after 6 h
}
