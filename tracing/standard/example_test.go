package standard_test

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/standard"
)

// A station on a class 丙 river reads DO 3.2 mg/L: below the class's 4.5.
func ExampleFor() {
	l, _ := standard.For(standard.C, "DO")
	fmt.Printf("DO ≥ %g %s: 3.2 violates it: %v, by %.1f\n", l.Min, l.Unit, l.Violated(3.2), l.Exceedance(3.2))
	// Output: DO ≥ 4.5 mg/L: 3.2 violates it: true, by 1.3
}
