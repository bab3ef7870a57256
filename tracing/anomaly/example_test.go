package anomaly_test

import (
	"fmt"

	"github.com/envtrace/envtrace/tracing/anomaly"
)

func ExampleScreen() {
	// Daily effluent pH: a probe fault on day 5, a treatment change on day 40.
	ph := make([]float64, 80)
	for i := range ph {
		ph[i] = 7.0 + 0.04*float64(i%3-1)
		if i >= 40 {
			ph[i] += 1.2
		}
	}
	ph[5] = 0.05
	cfg, _ := anomaly.ForParameter("氫離子濃度指標")
	flags, _ := anomaly.Screen(ph, cfg)
	for _, f := range flags {
		fmt.Printf("%s at day %d: %.2f (expected %.2f)\n", f.Kind, f.Index, f.Value, f.Expected)
	}
	// Output:
	// spike at day 5: 0.05 (expected 7.00)
	// shift at day 40: 8.20 (expected 7.00)
}
