package param_test

import (
	"errors"
	"fmt"

	"github.com/envtrace/envtrace/tracing/param"
)

func ExampleCanonical() {
	cu, _ := param.Canonical("銅", 250, "µg/L")
	fmt.Printf("Cu %.2f mg/L\n", cu)

	q, _ := param.Canonical("flow", 120, "cfs")
	fmt.Printf("Q %.3f m³/s\n", q)

	_, err := param.Canonical("pH", 7.1, "mg/L")
	fmt.Println(errors.Is(err, param.ErrIncompatibleUnit))
	fmt.Println(err)
	// Output:
	// Cu 0.25 mg/L
	// Q 3.398 m³/s
	// true
	// value 7.1 mg/L does not fit parameter pH: unit measures concentration, parameter needs pH (e.g. pH)
}

func ExampleLookup() {
	p, _ := param.Lookup("氨氮")
	fmt.Println(p.ID, p.Unit, p.Fate, p.DecayPerDay)
	cu := param.MustLookup("copper")
	fmt.Println(cu.ID, cu.Limit, cu.HasLimit)
	// Output:
	// NH3-N mg/L first-order decay 0.3
	// Cu 3 true
}

func ExampleConvert() {
	v, _ := param.Convert(1, "MGD", "m3/d")
	fmt.Printf("%.1f\n", v)
	// Output: 3785.4
}
