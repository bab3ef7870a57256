package oxygen_test

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/oxygen"
)

// How much oxygen does a piggery's raw slurry take from a small creek two
// hours downstream? BOD5 2 400 and NH3-N 850 mg/L at 1 % of the flow.
func ExampleDeficit() {
	q := 0.5 // river flow, m³/s
	ka := oxygen.AtTemperature(oxygen.Reaeration20(0.4, oxygen.DefaultDepth(q)), oxygen.ThetaReaeration, 28)
	r := oxygen.Rates{K1: oxygen.AtTemperature(0.23, 1.047, 28), Kn: oxygen.AtTemperature(0.30, 1.08, 28), Ka: ka}
	d := oxygen.Demand{CBODu: oxygen.UltimateBOD(2400, 0.23), NH3N: 850, Anoxic: 7.5}
	fmt.Printf("ka %.1f /day; deficit %.2f mg/L after 2 h\n", ka, oxygen.Deficit(d, 0.01, r, 2.0/24))
	// Output: ka 18.3 /day; deficit 1.40 mg/L after 2 h
}
